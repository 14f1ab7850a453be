"""The training settings dock: the next phase; optimiser, α, batch size, focus, seed, reset.

The step buttons are the toolbar's (the window's QActions, F11/F10/Shift+F11/F5). The settings
(learning rate, batch size, optimiser, seed) are editable between steps and locked while running.
"""

from __future__ import annotations

from PySide6.QtCore import QLocale, QObject, Qt, Signal
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QGridLayout,
    QGroupBox,
    QLabel,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from core.workspace import OPTIMIZER_NAMES

WIDE_INT = 2**31 - 1
WIDE_FLOAT = 1e6
REFUSED = "#c62828"
_C_LOCALE = QLocale.c()
_C_LOCALE.setNumberOptions(QLocale.OmitGroupSeparator)


def _num(v) -> str:
    return f"{v:g}" if isinstance(v, float) else str(v)


class RangeCheck(QObject):
    """A spin box that takes any number and refuses, saying the range, one outside it.

    Qt's own range clamps a value or swallows the keystroke without a word (α 500 became 5), so
    the box's range is widened and the allowed one [lo, hi] is kept here. Typing only checks (red
    text and the reason in ``message``); Enter, focus-out or an arrow step commits: an allowed
    value becomes the one in use and goes out as ``sigCommitted(value)``; a refused one puts the
    box back to the value in use, and ``message`` says why and what is still in use."""

    sigCommitted = Signal(object)

    def __init__(self, box: QSpinBox | QDoubleSpinBox, label: str, message: QLabel):
        super().__init__(box)
        self.box, self.label, self.message = box, label, message
        self.lo, self.hi = box.minimum(), box.maximum()  # the allowed range, as the box was given it
        self.in_use = box.value()
        self._refused = self._bad = False
        width = box.minimumSizeHint().width()  # as wide as the allowed range needs, not the wide one
        wide = WIDE_INT if isinstance(box, QSpinBox) else WIDE_FLOAT
        box.setLocale(_C_LOCALE)
        box.setRange(-wide, wide)
        box.setMinimumWidth(width)
        box.setKeyboardTracking(False)  # valueChanged on Enter, focus-out and arrows, not per key
        box.lineEdit().textChanged.connect(self._typed)  # (the box's own textChanged waits for Enter too)
        box.valueChanged.connect(self._committed)
        box.editingFinished.connect(self._finished)

    def problem(self, v) -> str | None:
        """Why ``v`` is refused, or None."""
        side = "below" if v < self.lo else "above" if v > self.hi else None
        return side and f"{self.label}: {_num(v)} is {side} the range {_num(self.lo)}…{_num(self.hi)}"

    def set_range(self, lo, hi) -> None:
        self.lo, self.hi = lo, hi

    def show(self, value) -> None:
        """``value`` is the one in use: shown, not sent."""
        self.in_use = value
        self.box.blockSignals(True)
        self.box.setValue(value)
        self.box.blockSignals(False)
        self._mark(False)

    def _parse(self, text: str):
        loc = self.box.locale()
        v, ok = loc.toInt(text) if isinstance(self.box, QSpinBox) else loc.toDouble(text)
        return v if ok else None

    def _typed(self, _text: str) -> None:
        if self.box.signalsBlocked():  # show(): the value in use, not typed
            return
        v = self._parse(self.box.cleanText())
        problem = None if v is None else self.problem(v)
        self._mark(bool(problem))
        self._say(problem)

    def _committed(self, v) -> None:
        problem = self.problem(v)
        if problem is None:
            self.in_use = v
            self._mark(False)
            self._say(None)
            self.sigCommitted.emit(v)
            return
        self._refused = True
        self.show(self.in_use)
        self._say(f"{problem}; still {_num(self.in_use)}")

    def _finished(self) -> None:
        if not self._refused and self.box.value() == self.in_use:
            self._mark(False)
            self._say(None)
        self._refused = False

    def _mark(self, bad: bool) -> None:
        # the text, not a style sheet: a style sheet replaces the spin box's native look
        if bad == self._bad:
            return  # (show() runs at every phase step for the focus box: no palette change then)
        self._bad = bad
        pal = QPalette()  # (no role set: the box follows the window's palette, light or dark)
        if bad:
            pal.setColor(QPalette.ColorRole.Text, QColor(REFUSED))
        self.box.setPalette(pal)

    def _say(self, text: str | None) -> None:
        if text:
            self.message.setText(text)
            self.message.show()
            self.message.setProperty("owner", self.label)
        elif self.message.property("owner") == self.label:  # another box's message stays
            self.message.clear()
            self.message.hide()


class ControlsPanel(QWidget):
    sigOptimizerChanged = Signal(str)  # name
    sigLearningRateChanged = Signal(float)
    sigBatchSizeChanged = Signal(int)
    sigFocusChanged = Signal(int)

    def __init__(self, actions: dict, parent=None):
        super().__init__(parent)
        self.title = "Settings"
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 4, 6, 4)
        # (the step buttons are the toolbar's and the Train menu's: here, what the next one runs)
        self.next_label = QLabel("Next phase: —")
        self.next_label.setWordWrap(True)
        lay.addWidget(self.next_label)

        box = QGroupBox("Settings (between steps)")
        g = QGridLayout(box)
        self.optimizer = QComboBox()
        self.optimizer.addItems(list(OPTIMIZER_NAMES))
        self.optimizer.setToolTip("sgd: θ ← θ − α ∂L/∂θ (the lecture's rule); momentum; adam")
        self.lr = QDoubleSpinBox()
        self.lr.setDecimals(5)
        self.lr.setRange(1e-5, 10.0)
        self.lr.setSingleStep(0.01)
        self.lr.setToolTip("Learning rate α")
        self.batch = QSpinBox()
        self.batch.setRange(1, 4096)
        self.batch.setToolTip("Samples per mini-batch N (the gradient is averaged over them)")
        self.seed = QSpinBox()
        self.seed.setRange(0, 2**31 - 1)
        self.seed.setToolTip("Seed of the initial weights and of the batch order")
        rb = QToolButton()
        rb.setDefaultAction(actions["reset"])
        rb.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.buttons = {"reset": rb}
        self.focus = QSpinBox()  # 1-based, as the panels count samples; sigFocusChanged sends the index
        self.focus.setRange(1, 1)
        self.focus.setToolTip("The sample of the batch the panels show, 1…N (or click a thumbnail in Data)")
        rows = [("Optimiser", self.optimizer), ("Learning rate α", self.lr), ("Batch size N", self.batch),
                ("Focus sample", self.focus), ("Seed", self.seed)]
        for r, (label, widget) in enumerate(rows):
            g.addWidget(QLabel(label), r, 0)
            g.addWidget(widget, r, 1)
        g.addWidget(rb, len(rows) - 1, 2)
        g.setColumnStretch(1, 1)
        # why a typed value is refused (its range), under the settings; the box shows the value in use
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet(f"color: {REFUSED};")
        self.message.hide()
        g.addWidget(self.message, len(rows), 0, 1, 3)
        self.checks = {key: RangeCheck(w, label, self.message) for key, w, label in (
            ("lr", self.lr, "α"), ("batch", self.batch, "batch size N"), ("focus", self.focus, "focus sample"),
            ("seed", self.seed, "seed"))}
        lay.addWidget(box)
        lay.addStretch(1)

        self.optimizer.currentTextChanged.connect(self.sigOptimizerChanged)
        self.checks["lr"].sigCommitted.connect(lambda v: self.sigLearningRateChanged.emit(float(v)))
        self.checks["batch"].sigCommitted.connect(lambda v: self.sigBatchSizeChanged.emit(int(v)))
        self.checks["focus"].sigCommitted.connect(lambda v: self.sigFocusChanged.emit(int(v) - 1))
        # a value typed without Enter counts before a step or a reset uses the settings (these slots
        # are connected before the window's, so they run first)
        for key in ("step_phase", "step_iteration", "finish_epoch", "run", "reset"):
            if key in actions:
                actions[key].triggered.connect(self.commit_typing)

    def commit_typing(self) -> None:
        """Commit whatever is typed in the boxes and not yet entered (refused if out of range)."""
        for check in self.checks.values():
            check.box.interpretText()

    def show_settings(self, optimizer: str, lr: float, batch_size: int, seed: int) -> None:
        self.optimizer.blockSignals(True)
        self.optimizer.setCurrentText(optimizer)
        self.optimizer.blockSignals(False)
        for key, value in (("lr", lr), ("batch", batch_size), ("seed", seed)):
            self.checks[key].show(value)

    def show_position(self, next_phase: str, batch_len: int, focus: int) -> None:
        self.next_label.setText(f"Next phase: <b>{next_phase}</b>")
        self.checks["focus"].set_range(1, max(batch_len, 1))
        self.checks["focus"].show(focus + 1)

    def set_running(self, running: bool) -> None:
        for w in (self.optimizer, self.lr, self.batch, self.seed):
            w.setEnabled(not running)
