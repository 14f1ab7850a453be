"""The Breakpoints dock: list, enable, add, edit and remove breakpoints; a banner says why Run stopped.

The breakpoints live on the bridge (``bridge.breakpoints``, a core BreakpointSet): while any is
enabled, Run (F5) and "finish the epoch" go phase by phase and stop at the first hit. Editor blocks
get "Break at forward:<layer>" / "Break at backward:<layer>" in their context menu.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.debugger.breakpoints import (
    HEALTH_METRICS,
    Breakpoint,
    BreakpointSet,
    HealthBreakpoint,
    Hit,
    IterationBreakpoint,
    NonFiniteBreakpoint,
    NormBreakpoint,
    PhaseBreakpoint,
    WrongPredictionBreakpoint,
)

KIND_LABELS = {
    "phase": "At a layer's phase",
    "iteration": "At an iteration",
    "nonfinite": "NaN or Inf anywhere",
    "norm": "Gradient / activation norm",
    "health": "Saturated / dead units, update ratio",
    "wrong": "Wrong prediction (focused sample)",
}
BANNER_STYLE = ("QLabel { background: #fdebd0; color: #6e2c00; border: 1px solid #e59866; "
                "border-radius: 3px; padding: 4px; }")


class BreakpointDialog(QDialog):
    """Add or edit one breakpoint: a kind, then only the fields that kind needs."""

    def __init__(self, phases: list[str], layers: list[str], bp: Breakpoint | None = None, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Edit breakpoint" if bp else "Add breakpoint")
        self.kind = QComboBox()
        for k, label in KIND_LABELS.items():
            self.kind.addItem(label, k)
        self.phase = QComboBox()
        self.phase.setEditable(True)
        self.phase.addItems(phases)
        self.iteration = QSpinBox()
        self.iteration.setRange(1, 10_000_000)
        self.pattern = QLineEdit("*.grad_in")
        self.pattern.setToolTip("An array key (conv1.weight.grad, fc1.out) or a glob (*.grad_in, conv*.weight.grad)")
        self.op = QComboBox()
        self.op.addItem("above (>)", ">")
        self.op.addItem("below (<)", "<")
        self.threshold = QLineEdit("1.0")
        self.threshold.setToolTip("A number: a norm, a fraction (0.5 = 50 %) or a ratio (1e-2)")
        self.layer = QComboBox()
        self.layer.setEditable(True)
        self.layer.addItems(["*"] + layers)
        self.metric = QComboBox()
        for k, label in HEALTH_METRICS.items():
            self.metric.addItem(label, k)
        self.error = QLabel()
        self.error.setStyleSheet("color: #c0392b;")
        self.error.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Break", self.kind)
        self._rows = {"phase": [self.phase], "iteration": [self.iteration],
                      "norm": [self.pattern, self.op, self.threshold],
                      "health": [self.layer, self.metric, self.op, self.threshold]}
        for label, w in (("Phase", self.phase), ("Iteration (1-based)", self.iteration), ("Array key", self.pattern),
                         ("Layer", self.layer), ("Figure", self.metric), ("When", self.op),
                          ("Threshold", self.threshold)):
            form.addRow(label, w)
        self.form = form
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.error)
        lay.addWidget(buttons)
        self.kind.currentIndexChanged.connect(self._show_fields)
        self.result_breakpoint: Breakpoint | None = None
        self._enabled = True
        if bp is not None:
            self.set_breakpoint(bp)
        self._show_fields()

    def set_breakpoint(self, bp: Breakpoint) -> None:
        self._enabled = bp.enabled
        self.kind.setCurrentIndex(self.kind.findData(bp.kind))
        if isinstance(bp, PhaseBreakpoint):
            self.phase.setCurrentText(bp.phase)
        elif isinstance(bp, IterationBreakpoint):
            self.iteration.setValue(bp.iteration)
        elif isinstance(bp, NormBreakpoint):
            self.pattern.setText(bp.pattern)
        elif isinstance(bp, HealthBreakpoint):
            self.layer.setCurrentText(bp.layer)
            self.metric.setCurrentIndex(self.metric.findData(bp.metric))
        if isinstance(bp, (NormBreakpoint, HealthBreakpoint)):
            self.op.setCurrentIndex(self.op.findData(bp.op))
            self.threshold.setText(f"{bp.threshold:g}")

    def _show_fields(self) -> None:
        kind = self.kind.currentData()
        wanted = set(map(id, self._rows.get(kind, [])))
        for w in (self.phase, self.iteration, self.pattern, self.layer, self.metric, self.op, self.threshold):
            self.form.setRowVisible(w, id(w) in wanted)
        self.error.clear()
        self.adjustSize()

    def breakpoint(self) -> Breakpoint:
        """The breakpoint the fields describe; ValueError saying what is wrong."""
        kind, en = self.kind.currentData(), self._enabled
        if kind == "phase":
            text = self.phase.currentText().strip()
            k, _, layer = text.partition(":")
            if not (text in ("loss", "update") or (k in ("forward", "backward") and layer)):
                raise ValueError(f"{text!r} is not a phase: forward:<layer>, backward:<layer>, loss or update")
            return PhaseBreakpoint(text, enabled=en)
        if kind == "iteration":
            return IterationBreakpoint(self.iteration.value(), enabled=en)
        if kind == "nonfinite":
            return NonFiniteBreakpoint(enabled=en)
        if kind == "wrong":
            return WrongPredictionBreakpoint(enabled=en)
        try:
            threshold = float(self.threshold.text())
        except ValueError:
            raise ValueError(f"threshold: {self.threshold.text()!r} is not a number") from None
        if kind == "norm":
            if not self.pattern.text().strip():
                raise ValueError("array key: say which array, e.g. conv1.weight.grad or *.grad_in")
            return NormBreakpoint(self.pattern.text().strip(), self.op.currentData(), threshold, enabled=en)
        return HealthBreakpoint(self.layer.currentText().strip() or "*", self.metric.currentData(),
                                self.op.currentData(), threshold, enabled=en)

    def _accept(self) -> None:
        try:
            self.result_breakpoint = self.breakpoint()
        except ValueError as exc:
            self.error.setText(str(exc))
            return
        self.accept()


class BreakpointsDock(QWidget):
    """A table of ``breakpoints`` (checkbox = enabled) with Add…, Edit…, Remove, and the hit banner."""

    sigChanged = Signal()

    title = "Breakpoints"

    def __init__(self, breakpoints: BreakpointSet, parent=None):
        super().__init__(parent)
        self.breakpoints = breakpoints
        self.phases: list[str] = []
        self.layers: list[str] = []
        self.last_hit: Hit | None = None
        self.banner = QLabel()
        self.banner.setObjectName("breakpoint_banner")
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet(BANNER_STYLE)
        self.banner.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.banner.hide()
        self.table = QTableWidget(0, 2)
        self.table.setHorizontalHeaderLabels(["On", "Breakpoint"])
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.itemChanged.connect(self._item_changed)
        self.table.itemDoubleClicked.connect(lambda _item: self.edit_selected())
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.add_button = QPushButton("Add…")
        self.edit_button = QPushButton("Edit…")
        self.remove_button = QPushButton("Remove")
        self.add_button.clicked.connect(self.add_interactive)
        self.edit_button.clicked.connect(self.edit_selected)
        self.remove_button.clicked.connect(self.remove_selected)
        self.hint = QLabel("Run (F5) stops at the first enabled breakpoint that hits.")
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet("color: gray;")
        buttons = QHBoxLayout()
        for b in (self.add_button, self.edit_button, self.remove_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        lay = QVBoxLayout(self)
        lay.addWidget(self.banner)
        lay.addWidget(self.table, 1)
        lay.addLayout(buttons)
        lay.addWidget(self.hint)
        self.refresh()

    # --- the list -------------------------------------------------------------------------------

    def set_network(self, phases: list[str], layers: list[str]) -> None:
        self.phases, self.layers = list(phases), list(layers)

    def refresh(self) -> None:
        t = self.table
        t.blockSignals(True)
        t.setRowCount(len(self.breakpoints))
        for row, bp in enumerate(self.breakpoints):
            on = QTableWidgetItem()
            on.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
            on.setCheckState(Qt.CheckState.Checked if bp.enabled else Qt.CheckState.Unchecked)
            on.setToolTip("Enabled")
            text = QTableWidgetItem(bp.describe())
            text.setToolTip(f"{KIND_LABELS.get(bp.kind, bp.kind)}: {bp.describe()} (double-click to edit)")
            if self.last_hit is not None and self.last_hit.breakpoint is bp:
                font = text.font()
                font.setBold(True)
                text.setFont(font)
            t.setItem(row, 0, on)
            t.setItem(row, 1, text)
        t.blockSignals(False)
        has = t.currentRow() >= 0 and len(self.breakpoints) > 0
        self.edit_button.setEnabled(has)
        self.remove_button.setEnabled(has)

    def _selection_changed(self) -> None:
        has = self.table.currentRow() >= 0 and len(self.breakpoints) > 0
        self.edit_button.setEnabled(has)
        self.remove_button.setEnabled(has)

    def _item_changed(self, item: QTableWidgetItem) -> None:
        if item.column() == 0 and item.row() < len(self.breakpoints):
            self.breakpoints.enable(item.row(), item.checkState() == Qt.CheckState.Checked)
            self.sigChanged.emit()

    def add(self, bp: Breakpoint) -> Breakpoint:
        """Add a breakpoint (an identical one already there is just enabled)."""
        same = bp.to_dict() | {"enabled": True}
        for old in self.breakpoints:
            if old.to_dict() | {"enabled": True} == same:
                old.enabled = True
                self.refresh()
                self.sigChanged.emit()
                return old
        self.breakpoints.add(bp)
        self.refresh()
        self.table.selectRow(len(self.breakpoints) - 1)
        self.sigChanged.emit()
        return bp

    def set_enabled(self, row: int, on: bool) -> None:
        self.table.item(row, 0).setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)

    def remove(self, row: int) -> None:
        if 0 <= row < len(self.breakpoints):
            self.breakpoints.remove(row)
            self.refresh()
            self.sigChanged.emit()

    def remove_selected(self) -> None:
        self.remove(self.table.currentRow())

    def dialog(self, bp: Breakpoint | None = None) -> BreakpointDialog:
        return BreakpointDialog(self.phases, self.layers, bp, self)

    def add_interactive(self) -> None:
        d = self.dialog()
        if d.exec() and d.result_breakpoint is not None:
            self.add(d.result_breakpoint)

    def edit_selected(self) -> None:
        row = self.table.currentRow()
        if not 0 <= row < len(self.breakpoints):
            return
        d = self.dialog(self.breakpoints[row])
        if d.exec() and d.result_breakpoint is not None:
            self.breakpoints.replace(row, d.result_breakpoint)
            self.refresh()
            self.sigChanged.emit()

    def contextMenuEvent(self, event) -> None:
        menu = QMenu(self)
        menu.addAction("Add…", self.add_interactive)
        row = self.table.currentRow()
        if 0 <= row < len(self.breakpoints):
            menu.addAction("Edit…", self.edit_selected)
            menu.addAction("Remove", self.remove_selected)
        menu.addSeparator()
        menu.addAction("Enable all", lambda: self._set_all(True))
        menu.addAction("Disable all", lambda: self._set_all(False))
        menu.exec(event.globalPos())

    def _set_all(self, on: bool) -> None:
        for bp in self.breakpoints:
            bp.enabled = on
        self.refresh()
        self.sigChanged.emit()

    # --- hits -----------------------------------------------------------------------------------

    def show_hit(self, hit: Hit) -> None:
        self.last_hit = hit
        where = f"at {hit.phase}" if hit.snapshot is not None else f"before {hit.phase or 'a phase'} (it failed)"
        self.banner.setText(f"Stopped {where}, iteration {hit.iteration + 1}\n"
                            f"{hit.breakpoint.describe()}: {hit.reason}")
        self.banner.show()
        self.refresh()

    def clear_hit(self) -> None:
        if self.last_hit is not None:
            self.last_hit = None
            self.banner.hide()
            self.refresh()

    def on_view(self, view) -> None:
        """A view of another moment than the hit's clears the banner."""
        h = self.last_hit
        if h is not None and (view.phase != h.phase or view.iteration != h.iteration):
            self.clear_hit()


# --- installing into the main window ------------------------------------------------------------

def _network_names(bridge) -> tuple[list[str], list[str]]:
    st = bridge.stepper
    return list(st.phases), [n.name for n in st.net.nodes]


def install_breakpoints(window) -> BreakpointsDock:
    """Add the Breakpoints dock, its Debug-menu entries and the editor blocks' "Break at …" entries.

    Connects: bridge.sigBreak -> banner, status bar and the dock raised; bridge.sigView -> the
    banner cleared once the view moves on; bridge.sigNetworkChanged -> the dialog's phase list.
    Returns the dock's widget (also ``window.breakpoints_dock``).
    """
    from desktop.debugger import add_dock, debug_menu

    bridge = window.bridge
    widget = BreakpointsDock(bridge.breakpoints)
    window.breakpoints_dock = widget
    dock = add_dock(window, "breakpoints", "Breakpoints", widget)

    def network_changed() -> None:
        widget.set_network(*_network_names(bridge))

    def on_break(hit: Hit) -> None:
        widget.show_hit(hit)
        window.status.show_info(hit.message, 0)
        dock.show()
        dock.raise_()

    network_changed()
    bridge.sigNetworkChanged.connect(network_changed)
    bridge.sigBreak.connect(on_break)
    bridge.sigView.connect(widget.on_view)

    def add_at(phase: str) -> None:
        widget.add(PhaseBreakpoint(phase))
        window.status.show_info(f"Breakpoint at {phase}: Run (F5) stops after it")

    previous = window.editor.block_context_menu_hook

    def block_menu(name: str, menu) -> None:  # chained: other tools may add entries too
        if previous is not None:
            previous(name, menu)
        for kind in ("forward", "backward"):
            menu.addAction(f"Break at {kind}:{name}", lambda k=kind: add_at(f"{k}:{name}"))

    window.editor.block_context_menu_hook = block_menu

    m = debug_menu(window)
    m.addAction("Add &breakpoint…", widget.add_interactive)
    a = m.addAction("Break on &NaN/Inf", lambda: widget.add(NonFiniteBreakpoint()))
    a.setStatusTip("Stop a Run at the first phase whose arrays hold NaN or Inf")
    m.addAction(dock.toggleViewAction())
    return widget


def breakpoints_to_extra(window) -> dict:
    """{"breakpoints": [...]} for the session's ``extra``."""
    return {"breakpoints": window.bridge.breakpoints.to_list()}


def restore_breakpoints(window, extra: dict) -> None:
    """Put a session's breakpoints back (replacing the current ones); bad entries are skipped."""
    bps = window.bridge.breakpoints
    items = (extra or {}).get("breakpoints")
    if items is None:
        return
    bps.clear()
    for d in items:
        try:
            bps.add(Breakpoint.from_dict(d))
        except (ValueError, TypeError):
            continue
    widget = getattr(window, "breakpoints_dock", None)
    if widget is not None:
        widget.last_hit = None
        widget.banner.hide()
        widget.refresh()
