"""EvaluationSummary: test accuracy and loss in large type, and per class precision, recall and
support in a table (a dash where a figure is undefined: no sample predicted as that class).

"Show the mistakes" emits ``sigShowMistakes()``; clicking a class row emits ``sigClassClicked(k)``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.panels.base import set_look
from desktop.tables import read_only_table

COLUMNS = (("class", "The class"),
           ("precision", "Of the samples predicted as this class, the share that are it"),
           ("recall", "Of the samples of this class, the share predicted as it"),
           ("support", "How many test samples are of this class"))
LOW = 0.8  # figures under this are drawn in the warning colour
WARN = QColor("#d35400")


def _pct(v: float) -> str:
    return "—" if not np.isfinite(v) else f"{100 * v:.1f}%"


class EvaluationSummary(QWidget):
    title = "Evaluation"
    sigShowMistakes = Signal()
    sigClassClicked = Signal(int)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.accuracy = QLabel("No evaluation yet")
        set_look(self.accuracy, pt=20)
        self.details = QLabel("")
        set_look(self.details, pt=11)
        self.details.setWordWrap(True)
        self.mistakes_button = QPushButton("Show the mistakes")
        self.mistakes_button.setEnabled(False)
        self.mistakes_button.clicked.connect(self.sigShowMistakes)
        self.table = read_only_table(COLUMNS, resize=QHeaderView.ResizeMode.Stretch, point_size=11)
        self.table.verticalHeader().setDefaultSectionSize(24)  # compact rows: the matrix below needs the room
        self.table.setMinimumHeight(24 * 3 + 4)  # (the header and two rows; the rest scrolls)
        self.table.cellClicked.connect(lambda row, _col: self.sigClassClicked.emit(row)
                                       if row < len(self.classes) else None)
        self.classes: tuple[str, ...] = ()
        top = QHBoxLayout()
        top.addWidget(self.accuracy, 1)
        top.addWidget(self.mistakes_button)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addLayout(top)
        lay.addWidget(self.details)
        lay.addWidget(self.table, 1)

    def set_evaluation(self, evaluation, heading: str = "") -> None:
        """From a core.evaluation.Evaluation."""
        e = evaluation
        self.set_summary(e.accuracy, e.loss, e.n, e.classes, e.precision, e.recall, e.support, heading)

    def set_summary(self, accuracy: float, loss: float, n: int, classes: Sequence[str], precision, recall,
                    support, heading: str = "") -> None:
        self.classes = tuple(classes)
        precision, recall, support = (np.asarray(a, dtype=np.float64) for a in (precision, recall, support))
        wrong = int(round(n * (1 - accuracy))) if np.isfinite(accuracy) else 0
        self.accuracy.setText(f"Test accuracy <b>{_pct(accuracy)}</b>")
        self.details.setText((heading + " — " if heading else "")
                             + f"{n} test samples, {n - wrong} right, {wrong} wrong; mean loss {loss:.4f}")
        self.mistakes_button.setEnabled(wrong > 0)
        self.mistakes_button.setText(f"Show the {wrong} mistakes")
        t = self.table
        t.setRowCount(len(self.classes) + 1)
        rows = [(c, precision[k], recall[k], support[k]) for k, c in enumerate(self.classes)]
        rows.append(("mean", np.nanmean(precision) if np.isfinite(precision).any() else np.nan,
                     np.nanmean(recall) if np.isfinite(recall).any() else np.nan, support.sum()))
        for r, (name, p, rc, s) in enumerate(rows):
            for c, (text, value) in enumerate(((name, None), (_pct(p), p), (_pct(rc), rc), (f"{int(s)}", None))):
                item = QTableWidgetItem(text)
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                if value is not None and np.isfinite(value) and value < LOW:
                    item.setForeground(WARN)
                if r == len(rows) - 1:
                    f = item.font()
                    f.setBold(True)
                    item.setFont(f)
                t.setItem(r, c, item)
        t.resizeRowsToContents()
