"""The Timeline dock: scrub back through the recorded iterations, compare two, resume from one.

Recording is the workspace's: every completed iteration goes into ``workspace.timeline``
(core.debugger.timeline.Timeline) — iterations run on the fast path as their states, their arrays
replayed when shown. The dock hears of them through an iteration hook.

Scrubbing: the slider picks a recorded iteration; ``workspace.recorded_view(i)`` makes it a
StepView that the host draws (``host.show_view``) — every panel, the batch thumbnails, the status
bar and the editor show that iteration — but not through ``sigView``, so the watch list and the
breakpoints do not take a past iteration for a new one. The next step shows the present again
("Back to now" does it without stepping).
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QPushButton,
    QSlider,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.view import StepView

MB = 2**20


class _Relay(QObject):
    """Carries 'an iteration was recorded' from whatever thread recorded it to the GUI thread."""

    sigRecorded = Signal()


class TimelineDock(QWidget):
    """Slider over the recorded iterations, the memory used, Compare with…, Resume from here."""

    sigShown = Signal(int)  # a recorded iteration was drawn in the panels
    sigResumed = Signal(int)  # the stepper was put back at the start of this iteration

    def __init__(self, host):
        super().__init__()
        self.host = host
        self.workspace = host.workspace
        self.timeline = self.workspace.timeline
        self.shown: int | None = None  # the iteration drawn by the dock, None when the panels show now
        self._relay = _Relay()
        # while running, iterations arrive hundreds a second: refresh the labels at most twice a second
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(500)
        self._refresh_timer.timeout.connect(self.refresh)
        self._relay.sigRecorded.connect(self._schedule_refresh)

        self.label = QLabel()
        self.label.setObjectName("timeline_label")
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setObjectName("timeline_slider")
        self.slider.setToolTip("Drag to show an earlier iteration's arrays in every panel")
        self.slider.valueChanged.connect(self._on_slider)
        self.now_button = QPushButton("Back to now")
        self.now_button.setToolTip("Show the present iteration again")
        self.now_button.clicked.connect(self.show_now)
        self.compare_button = QPushButton("Compare with…")
        self.compare_button.setToolTip("What changed between the shown iteration and another one")
        self.compare_button.clicked.connect(self._ask_compare)
        self.resume_button = QPushButton("Resume from here")
        self.resume_button.setToolTip("Put training back at the start of the shown iteration; "
                                      "later recordings are dropped. The same numbers follow.")
        self.resume_button.clicked.connect(self._ask_resume)
        self.keep = QSpinBox()
        self.keep.setRange(1, 10000)
        self.keep.setValue(self.timeline.max_iterations)
        self.keep.setPrefix("keep last ")
        self.keep.setSuffix(" iterations")
        self.keep.setToolTip(f"At most {self.timeline.max_bytes // MB} MB: the oldest iterations go first")
        self.keep.valueChanged.connect(self._set_keep)
        self.compare_label = QLabel()
        self.compare_label.setWordWrap(True)  # (a long caption must not widen the window)
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(["parameter / array", "max |Δ|", "‖Δ‖"])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.setSortingEnabled(False)

        lay = QVBoxLayout(self)
        lay.addWidget(self.label)
        lay.addWidget(self.slider)
        row = QHBoxLayout()
        for w in (self.now_button, self.compare_button, self.resume_button):
            row.addWidget(w)
        row.addStretch(1)
        row.addWidget(self.keep)
        lay.addLayout(row)
        lay.addWidget(self.compare_label)
        lay.addWidget(self.table, 1)
        self.refresh()

    # --- recording --------------------------------------------------------------------------------

    def restart(self) -> None:
        """A new network, dataset or reset: the workspace started a new recording."""
        self.shown = None
        self.refresh()

    def on_iteration(self, *args) -> None:
        """An iteration hook (any thread): the workspace has recorded the iteration just completed."""
        # while running, no signal per iteration (each one wakes the GUI thread and takes the GIL
        # from training); the labels are refreshed when the run ends (on_running)
        if not self.workspace.running:
            self._relay.sigRecorded.emit()

    def _schedule_refresh(self) -> None:
        if not self.workspace.running:
            self.refresh()
        elif not self._refresh_timer.isActive():
            self._refresh_timer.start()

    def on_running(self, running: bool) -> None:
        for w in (self.slider, self.resume_button, self.compare_button, self.now_button):
            w.setEnabled(not running)
        if not running:
            self.refresh()

    # --- the widgets ------------------------------------------------------------------------------

    def refresh(self) -> None:
        its = self.timeline.iterations()
        self.slider.blockSignals(True)
        at_end = self.slider.value() >= self.slider.maximum()
        self.slider.setRange(0, max(len(its) - 1, 0))
        if self.shown in its:
            self.slider.setValue(its.index(self.shown))
        elif at_end or self.shown is None:
            self.slider.setValue(max(len(its) - 1, 0))
        self.slider.blockSignals(False)
        has = bool(its) and not self.workspace.running
        for w in (self.slider, self.compare_button, self.resume_button):
            w.setEnabled(has)
        self.label.setText(self.label_text())

    def label_text(self) -> str:
        its = self.timeline.iterations()
        mb = self.timeline.bytes_bound / MB  # (the exact count walks every buffer: too slow per step)
        if not its:
            return "no iterations recorded yet — step or run to record them"
        k = its[self.slider.value()] if self.slider.value() < len(its) else its[-1]
        where = f"iteration {k + 1}" if self.shown is not None else f"iteration {k + 1} (latest)"
        return f"{where} of {len(its)} recorded ({its[0] + 1}–{its[-1] + 1}), ≤ {mb:.0f} MB"

    def current(self) -> int | None:
        """The iteration the slider points at."""
        its = self.timeline.iterations()
        return its[min(self.slider.value(), len(its) - 1)] if its else None

    def _on_slider(self, _value: int) -> None:
        i = self.current()
        if i is not None:
            self.show_iteration(i)

    def _set_keep(self, n: int) -> None:
        self.timeline.set_limits(max_iterations=n)
        self.refresh()

    # --- showing ----------------------------------------------------------------------------------

    def view_of(self, i: int) -> StepView:
        """A StepView of recorded iteration i as it stood after its update."""
        return self.workspace.recorded_view(i)

    def show_iteration(self, i: int) -> None:
        """Draw recorded iteration i in every panel (through the host's normal drawing path)."""
        if self.workspace.running:
            return
        try:
            view = self.view_of(i)
        except Exception as exc:  # noqa: BLE001 - a replay may fail (a plugin changed since): say so
            self.host.show_error(f"timeline: cannot show iteration {i + 1}: {exc}")
            return
        self.shown = i
        its = self.timeline.iterations()
        self.slider.blockSignals(True)
        self.slider.setValue(its.index(i))
        self.slider.blockSignals(False)
        self.host.show_view(view)
        self.label.setText(self.label_text())
        self.host.show_info(f"Showing recorded iteration {i + 1}; step or 'Back to now' for the present")
        self.sigShown.emit(i)

    def show_now(self) -> None:
        self.shown = None
        if not self.workspace.running:
            self.host.show_view(self.workspace.view())
        self.refresh()

    # --- comparing --------------------------------------------------------------------------------

    def _ask_compare(self) -> None:
        its = self.timeline.iterations()
        a = self.current()
        if a is None:
            return
        j, ok = QInputDialog.getInt(self, "Compare with…", f"Compare iteration {a + 1} with iteration:",
                                    its[0] + 1 if a == its[-1] else its[-1] + 1, its[0] + 1, its[-1] + 1)
        if ok:
            self.compare(a, j - 1)

    def compare(self, i: int, j: int):
        """Fill the table with what changed from iteration i to j; returns the core Diff."""
        d = self.timeline.diff(i, j)
        self.compare_label.setText(f"From iteration {i + 1} to {j + 1} (parameters at each one's start; "
                                   f"arrays as computed in each): largest change first within each group")
        rows = sorted(d.rows(), key=lambda r: (r[0] != "param", -r[2]))
        self.table.setRowCount(len(rows))
        for r, (kind, key, mx, norm) in enumerate(rows):
            cells = [key, f"{mx:.3g}", "" if norm is None else f"{norm:.3g}"]
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if kind == "param":
                    item.setForeground(QColor("#1f77b4"))
                if c:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(r, c, item)
        return d

    def table_rows(self) -> list[tuple[str, str, str]]:
        return [tuple(self.table.item(r, c).text() for c in range(3)) for r in range(self.table.rowCount())]

    # --- resuming ---------------------------------------------------------------------------------

    def _ask_resume(self) -> None:
        from desktop.dialogs import ask

        i = self.current()
        if i is None or self.workspace.running:
            return
        if ask(self, "Resume from here?",
               f"Put training back at the start of iteration {i + 1}? Its weights, optimiser state and "
               f"curves are restored; the {self.timeline.iterations()[-1] - i + 1} recorded iteration(s) from "
               "there on are dropped. Continuing gives the same numbers as before (same seed, same state)."):
            self.resume(i)

    def resume(self, i: int) -> None:
        """Put training back at the start of iteration i; later recordings are dropped."""
        if self.workspace.running:
            return
        self.workspace.resume_at(i)
        self.shown = None
        self.table.setRowCount(0)  # a comparison of iterations that are dropped now
        self.compare_label.setText("")
        self.refresh()
        self.host.show_info(f"Resumed at the start of iteration {i + 1}")
        self.sigResumed.emit(i)


def install_timeline(host) -> TimelineDock:
    """Add the Timeline dock, following the workspace's recording; returns its widget."""
    widget = TimelineDock(host)
    host.add_dock("timeline", "Timeline", widget)
    host.workspace.add_iteration_hook(widget.on_iteration)
    host.bridge.sigRunningChanged.connect(widget.on_running)
    host.bridge.sigNetworkChanged.connect(widget.restart)
    return widget
