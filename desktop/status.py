"""The status bar: phase, iteration, epoch, loss, accuracy, speed; messages; progress with Cancel."""

from __future__ import annotations

import math

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QProgressBar, QPushButton, QStatusBar


def _fmt(v, spec: str) -> str:
    return "–" if v is None or (isinstance(v, float) and not math.isfinite(v)) else format(v, spec)


class StatusBar(QStatusBar):
    """Shows where training is; ``show_progress`` turns on a progress bar whose Cancel emits sigCancel."""

    sigCancel = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.labels: dict[str, QLabel] = {}
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(200)
        self.progress.setTextVisible(True)
        self.cancel = QPushButton("Cancel")
        self.cancel.setToolTip("Stop after the current iteration")
        self.cancel.clicked.connect(self.sigCancel)
        self.addPermanentWidget(self.progress)
        self.addPermanentWidget(self.cancel)
        self.hide_progress()
        tips = {"phase": "The phase just run (next phase to run in brackets)",
                "iteration": "The iteration (mini-batch) the panels show, counted from 1; in brackets, "
                             "its place in the epoch",
                "epoch": "Epoch (pass over the training set), counted from 1",
                "loss": "Loss of the current batch", "accuracy": "Accuracy of the current batch",
                "speed": "Training speed, iterations per second"}
        for key, tip in tips.items():
            lab = QLabel()
            lab.setToolTip(tip)
            lab.setObjectName(f"status_{key}")
            self.labels[key] = lab
            self.addPermanentWidget(lab)

    def show_state(self, *, phase: str | None, next_phase: str, iteration: int, epoch: int,
                   loss: float | None, accuracy: float | None, speed: float,
                   in_epoch: int | None = None, per_epoch: int | None = None) -> None:
        """``iteration``, ``epoch``, ``in_epoch``: 1-based, as people count (the panels do too);
        ``iteration`` 0 means none yet."""
        labels = self.labels
        labels["phase"].setText(f"Phase: {phase or '—'}  (next: {next_phase})")
        where = f" ({in_epoch} of {per_epoch} in epoch {epoch})" if in_epoch and per_epoch else ""
        labels["iteration"].setText(f"Iteration: {iteration}{where}" if iteration else "Iteration: — (none yet)")
        labels["epoch"].setText(f"Epoch: {epoch}")
        labels["loss"].setText(f"Loss: {_fmt(loss, '.4f')}")
        labels["accuracy"].setText(f"Accuracy: {_fmt(None if accuracy is None else 100 * accuracy, '.1f')}%")
        labels["speed"].setText(f"Speed: {_fmt(speed if speed else None, '.1f')} it/s")

    def show_error(self, message: str) -> None:
        self.showMessage(f"⚠ {message}")
        self.setStyleSheet("QStatusBar { color: #c0392b; }")

    def show_info(self, message: str, ms: int = 5000) -> None:
        self.setStyleSheet("")
        self.showMessage(message, ms)

    def show_progress(self, done: int, total: int, what: str = "") -> None:
        """``done`` of ``total`` iterations (of ``what``, e.g. "epoch 3: "); total 0: starting."""
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(min(done, total) if total > 0 else 0)
        self.progress.setFormat(f"{what}%v / %m iterations" if total > 0 else "starting…")
        self.progress.show()
        self.cancel.show()

    def hide_progress(self) -> None:
        self.progress.hide()
        self.cancel.hide()
