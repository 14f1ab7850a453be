"""ConfusionMatrixView: the confusion matrix as a table of counts; click a cell for its examples.

Rows: true class, columns: predicted class (the CLI's ``confusion_matrix``). A cell's colour is
its share of the row (how many of the true class went there): blue on the diagonal (right),
red off it (wrong), so the worst confusions stand out. Clicking a cell emits
``sigCellClicked(true, pred, indices)``: the indices (into the test split) of its samples.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.panels.base import set_look

RIGHT, WRONG = (66, 133, 244), (229, 57, 53)
CELL = 30  # px, the smallest cell (wider when the largest count needs it); cells grow square up to CELL_MAX
CELL_MAX = 64
SHORT = 9  # header characters before a class name is cut (the full name is in the tooltip)


def _blend(rgb: tuple, share: float, base: QColor) -> QColor:
    a = min(max(share, 0.0), 1.0) ** 0.5 if share > 0 else 0.0  # square root: small confusions still show
    return QColor(*(int(b + (c - b) * a) for c, b in zip(rgb, (base.red(), base.green(), base.blue()))))


class ConfusionMatrixView(QWidget):
    title = "Confusion matrix"
    sigCellClicked = Signal(int, int, list)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.matrix = np.zeros((0, 0), np.int64)
        self.classes: tuple[str, ...] = ()
        self._labels = np.zeros(0, np.int64)
        self._predicted = np.zeros(0, np.int64)
        self.caption = QLabel("Rows: true class · columns: predicted class · click a cell to see its examples")
        set_look(self.caption, pt=10)
        self.caption.setWordWrap(True)
        self.table = QTableWidget(0, 0)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        font = QFont(self.table.font())
        font.setPointSizeF(10)
        self.table.setFont(font)
        self.table.setTextElideMode(Qt.TextElideMode.ElideNone)
        for header in (self.table.horizontalHeader(), self.table.verticalHeader()):
            header.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
            header.setDefaultSectionSize(CELL)
        self.table.horizontalHeader().setToolTip("predicted class")
        self.table.verticalHeader().setToolTip("true class")
        self.table.cellClicked.connect(self._on_clicked)
        self.table.installEventFilter(self)  # square cells as large as the table's room allows
        predicted = QLabel("predicted class →")
        true = QLabel("true\nclass\n↓")
        for label in (predicted, true):
            set_look(label, pt=10)
        grid = QGridLayout()
        grid.addWidget(predicted, 0, 1, Qt.AlignmentFlag.AlignLeft)
        grid.addWidget(true, 1, 0, Qt.AlignmentFlag.AlignTop)
        grid.addWidget(self.table, 1, 1)
        grid.setColumnStretch(1, 1)
        grid.setRowStretch(1, 1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(self.caption)
        lay.addLayout(grid, 1)

    def needed_height(self) -> int:
        """The height that shows every row at the smallest cell size (10 classes until data comes)."""
        k = max(len(self.classes), 10)
        rows = k * self._smallest_cell() + 2
        viewport = self.table.viewport().height()
        if self.isVisible() and viewport > 0:  # laid out: all but the rows, as it stands
            return self.height() - viewport + rows
        caption = max(self.caption.heightForWidth(max(self.width(), 200)), 2 * self.caption.fontMetrics().height())
        label = self.fontMetrics().height() + 6  # "predicted class →"
        frame = 8 + 2 * 6 + 6  # margins, spacing, the table's frame
        return caption + label + self.table.horizontalHeader().sizeHint().height() + rows + frame

    def _smallest_cell(self) -> int:
        """CELL, or wider when the largest count would not fit (never an elided "1…")."""
        widest = str(int(self.matrix.max())) if self.matrix.size else "100"
        return max(CELL, self.table.fontMetrics().horizontalAdvance(widest) + 8)

    def set_evaluation(self, evaluation) -> None:
        """From a core.evaluation.Evaluation."""
        self.set_data(evaluation.confusion, evaluation.classes, evaluation.labels, evaluation.predicted)

    def set_data(self, matrix, classes: Sequence[str], labels, predicted) -> None:
        """``matrix`` (K, K) counts; ``labels``/``predicted`` (N,) per sample, for the cells' indices."""
        self.matrix = np.asarray(matrix, dtype=np.int64)
        self.classes = tuple(classes)
        self._labels, self._predicted = np.asarray(labels), np.asarray(predicted)
        k = len(self.classes)
        t = self.table
        t.clear()
        t.setRowCount(k)
        t.setColumnCount(k)
        for axis, setter in ((t.setVerticalHeaderItem, "true"), (t.setHorizontalHeaderItem, "predicted")):
            for i, name in enumerate(self.classes):
                item = QTableWidgetItem(name if len(name) <= SHORT else name[:SHORT - 1] + "…")
                item.setToolTip(f"{setter} class {name}")
                axis(i, item)
        base = self.palette().base().color()
        totals = self.matrix.sum(axis=1)
        for i in range(k):
            for j in range(k):
                n = int(self.matrix[i, j])
                share = n / totals[i] if totals[i] else 0.0
                item = QTableWidgetItem(str(n))
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                item.setBackground(_blend(RIGHT if i == j else WRONG, share, base))
                if share > 0.45:
                    item.setForeground(QColor("white"))
                item.setToolTip(f"true {self.classes[i]}, predicted {self.classes[j]}: {n} of {int(totals[i])} "
                                f"({100 * share:.0f}% of the true {self.classes[i]}s)")
                t.setItem(i, j, item)
        self._fit_cells()
        n = int(self.matrix.sum())
        right = int(np.trace(self.matrix)) if k else 0
        self.caption.setText(f"{n} test samples, {right} right ({100 * right / max(n, 1):.1f}%) on the diagonal. "
                             "Rows: true class · columns: predicted class · click a cell to see its examples")

    def eventFilter(self, obj, event) -> bool:
        if obj is self.table and event.type() == QEvent.Type.Resize:
            self._fit_cells()
        return super().eventFilter(obj, event)

    def _fit_cells(self) -> None:
        k = len(self.classes)
        if not k:
            return
        vh = self.table.verticalHeader()
        room_w = self.table.width() - vh.width() - 4
        room_h = self.table.height() - self.table.horizontalHeader().height() - 4
        cell = int(max(self._smallest_cell(), min(CELL_MAX, room_w // k, room_h // k)))
        for header in (self.table.horizontalHeader(), vh):
            header.setDefaultSectionSize(cell)

    def indices(self, true: int, pred: int) -> list[int]:
        """The samples (indices into the test split) of true class ``true`` predicted as ``pred``."""
        return np.flatnonzero((self._labels == true) & (self._predicted == pred)).tolist()

    def click_cell(self, true: int, pred: int) -> list[int]:
        """Select the cell and emit its samples, as a click does."""
        self.table.setCurrentCell(true, pred)
        return self._on_clicked(true, pred)

    def _on_clicked(self, row: int, col: int) -> list[int]:
        found = self.indices(row, col)
        self.sigCellClicked.emit(row, col, found)
        return found
