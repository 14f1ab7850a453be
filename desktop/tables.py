"""The app's read-only tables: one set-up for every list of rows (health, alerts, the evaluation
summary, watches, breakpoints, the timeline's differences)."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtGui import QFont
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem

Resize = QHeaderView.ResizeMode


def read_only_table(columns: Sequence[str | tuple[str, str]], *, resize: Resize = Resize.ResizeToContents,
                    single: bool = False, point_size: float | None = None, parent=None) -> QTableWidget:
    """A table of whole rows, not edited in place: ``columns`` are names or (name, tooltip);
    ``resize`` applies to every column (set single columns afterwards); ``single``: one row
    selected at a time; ``point_size``: the font of the cells (None: the app's)."""
    table = QTableWidget(0, len(columns), parent)
    for i, column in enumerate(columns):
        name, tip = (column, "") if isinstance(column, str) else column
        item = QTableWidgetItem(name)
        if tip:
            item.setToolTip(tip)
        table.setHorizontalHeaderItem(i, item)
    table.verticalHeader().hide()
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    if single:
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.horizontalHeader().setSectionResizeMode(resize)
    if point_size is not None:
        font = QFont(table.font())
        font.setPointSizeF(point_size)
        table.setFont(font)
    return table
