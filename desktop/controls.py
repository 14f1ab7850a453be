"""The training settings dock: the next phase; optimiser, α, batch size, focus, seed, reset.

The step buttons are the toolbar's (the window's QActions, F11/F10/Shift+F11/F5). The settings
(learning rate, batch size, optimiser, seed) are editable between steps and locked while running.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
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
        lay.addWidget(box)
        lay.addStretch(1)

        self.optimizer.currentTextChanged.connect(self.sigOptimizerChanged)
        self.lr.editingFinished.connect(lambda: self.sigLearningRateChanged.emit(self.lr.value()))
        self.batch.editingFinished.connect(lambda: self.sigBatchSizeChanged.emit(self.batch.value()))
        self.focus.valueChanged.connect(lambda v: self.sigFocusChanged.emit(v - 1))

    def show_settings(self, optimizer: str, lr: float, batch_size: int, seed: int) -> None:
        for w in (self.optimizer, self.lr, self.batch, self.seed):
            w.blockSignals(True)
        self.optimizer.setCurrentText(optimizer)
        self.lr.setValue(lr)
        self.batch.setValue(batch_size)
        self.seed.setValue(seed)
        for w in (self.optimizer, self.lr, self.batch, self.seed):
            w.blockSignals(False)

    def show_position(self, next_phase: str, batch_len: int, focus: int) -> None:
        self.next_label.setText(f"Next phase: <b>{next_phase}</b>")
        self.focus.blockSignals(True)
        self.focus.setRange(1, max(batch_len, 1))
        self.focus.setValue(focus + 1)
        self.focus.blockSignals(False)

    def set_running(self, running: bool) -> None:
        for w in (self.optimizer, self.lr, self.batch, self.seed):
            w.setEnabled(not running)
