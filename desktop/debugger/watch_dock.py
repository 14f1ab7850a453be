"""The Watch dock: pinned expressions, their current value and a sparkline over the iterations.

Type an expression (``conv1.weight[0,0,2,2]``, ``mean(abs(grad(conv2)))``; the language is in
core.debugger.watch) and press Enter. Values are recomputed on every view (each phase and
iteration step); each completed iteration adds a point to the expression's history.
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QPointF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen, QPixmap
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.debugger.watch import WatchError, WatchList, WatchScope, format_value
from desktop.tables import read_only_table

SPARK_SIZE = QSize(120, 26)
PLACEHOLDER = "conv1.weight[0,0,2,2]  or  mean(abs(grad(conv2)))  — Enter to add"
HELP = ("Names: conv1.weight, fc2.bias, conv1.out, conv1.weight.grad, probs, loss, x, y, lr\n"
        "Layer arrays: grad(conv2) = conv2.weight.grad, grad(fc1.bias), out(pool1), grad_in(sig1), "
        "grad_out(fc2), step(conv1)\n"
        "Functions: mean abs max min norm sum std sqrt;  numbers, + - * / **, numpy indexing [0, 0, 1:3, -1]")


def sparkline_pixmap(values, size: QSize = SPARK_SIZE, color: QColor | None = None) -> QPixmap:
    """A small line chart of ``values`` (NaN/Inf skipped), the last point marked."""
    pm = QPixmap(size)
    pm.fill(Qt.GlobalColor.transparent)
    v = np.asarray([x for x in values if x is not None], dtype=np.float64)
    finite = np.isfinite(v)
    if finite.sum() == 0:
        return pm
    w, h, pad = size.width(), size.height(), 3.0
    lo, hi = float(v[finite].min()), float(v[finite].max())
    span = hi - lo if hi > lo else 1.0
    n = len(v)

    def point(i: int, y: float) -> QPointF:
        x = pad + (w - 2 * pad) * (i / (n - 1) if n > 1 else 0.5)
        yy = h - pad - (h - 2 * pad) * ((y - lo) / span if hi > lo else 0.5)
        return QPointF(x, yy)

    p = QPainter(pm)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    pen = QPen(color or QColor("#2e86c1"))
    pen.setWidthF(1.4)
    p.setPen(pen)
    path, drawing = QPainterPath(), False
    for i, y in enumerate(v):
        if not math.isfinite(y):
            drawing = False
            continue
        if drawing:
            path.lineTo(point(i, y))
        else:
            path.moveTo(point(i, y))
            drawing = True
    p.drawPath(path)
    last = int(np.flatnonzero(finite)[-1])
    p.setBrush(pen.color())
    p.drawEllipse(point(last, v[last]), 2.0, 2.0)
    p.end()
    return pm


def scope_of(view) -> WatchScope:
    """What watch names resolve against in a desktop.view_model.StepView."""
    return WatchScope(view.params, view.arrays, tuple(n.name for n in view.nodes), x=view.x, y=view.y,
                      lr=view.lr)


class WatchDock(QWidget):
    """Line edit + table (expression | value | history sparkline)."""

    title = "Watch"
    COLUMNS = ("Expression", "Value", "History")

    def __init__(self, parent=None):
        super().__init__(parent)
        self.watches = WatchList()
        self._view = None
        self.entry = QLineEdit()
        self.entry.setPlaceholderText(PLACEHOLDER)
        self.entry.setToolTip(HELP)
        self.entry.returnPressed.connect(self._add_from_entry)
        self.add_button = QPushButton("Add")
        self.add_button.clicked.connect(self._add_from_entry)
        self.error = QLabel()
        self.error.setObjectName("watch_error")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #c0392b;")
        self.error.hide()
        self.table = read_only_table(list(self.COLUMNS))
        self.table.setIconSize(SPARK_SIZE)
        hh = self.table.horizontalHeader()
        hh.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        hh.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        hh.setSectionResizeMode(2, QHeaderView.ResizeMode.Fixed)
        self.table.setColumnWidth(0, 180)
        self.table.setColumnWidth(2, SPARK_SIZE.width() + 8)
        self.table.verticalHeader().setDefaultSectionSize(SPARK_SIZE.height() + 4)
        self.remove_button = QPushButton("Remove")
        self.remove_button.clicked.connect(self.remove_selected)
        top = QHBoxLayout()
        top.addWidget(self.entry, 1)
        top.addWidget(self.add_button)
        bottom = QHBoxLayout()
        bottom.addStretch(1)
        bottom.addWidget(self.remove_button)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.error)
        lay.addWidget(self.table, 1)
        lay.addLayout(bottom)

    # --- editing --------------------------------------------------------------------------------

    def add(self, text: str):
        """Pin ``text``; WatchError (also shown under the entry) if it does not parse."""
        try:
            w = self.watches.add(text)
        except WatchError as exc:
            self.error.setText(str(exc))
            self.error.show()
            raise
        self.error.hide()
        if self._view is not None:
            w.update(scope_of(self._view))
        self.refresh()
        return w

    def _add_from_entry(self) -> None:
        text = self.entry.text().strip()
        if not text:
            return
        try:
            self.add(text)
        except WatchError:
            return
        self.entry.clear()

    def remove(self, row: int) -> None:
        if 0 <= row < len(self.watches):
            self.watches.remove(row)
            self.refresh()

    def remove_selected(self) -> None:
        self.remove(self.table.currentRow())

    def restore(self, extra: dict) -> None:
        """Put a session's watch expressions back (a missing key changes nothing)."""
        texts = (extra or {}).get("watches")
        if texts is not None:
            self.set_texts(texts)

    def set_texts(self, texts) -> None:
        self.watches = WatchList.from_list(texts)
        if self._view is not None:
            self.watches.update(scope_of(self._view))
        self.refresh()

    def keyPressEvent(self, event) -> None:
        if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and self.table.hasFocus():
            self.remove_selected()
            return
        super().keyPressEvent(event)

    def contextMenuEvent(self, event) -> None:
        row = self.table.currentRow()
        if 0 <= row < len(self.watches):
            menu = QMenu(self)
            menu.addAction("Remove", self.remove_selected)
            menu.addAction("Clear history", lambda: (self.watches[row].history.clear(), self.refresh()))
            menu.exec(event.globalPos())

    # --- values ---------------------------------------------------------------------------------

    def update_view(self, view) -> None:
        """Recompute every watch for ``view``; a completed iteration adds to the histories."""
        self._view = view
        if not len(self.watches):
            return
        scope = scope_of(view)
        if view.phase == "update":
            self.watches.record(view.iteration, scope)
        else:
            self.watches.update(scope)
        self.refresh()

    def refresh(self) -> None:
        t = self.table
        t.setRowCount(len(self.watches))
        for row, w in enumerate(self.watches):
            expr = QTableWidgetItem(w.text)
            expr.setToolTip(w.text)
            value = QTableWidgetItem(w.display)
            if w.error is not None:
                value.setForeground(QColor("#c0392b"))
                value.setToolTip(w.error)
            else:
                value.setToolTip(self._value_tip(w))
            hist = [v for _, v in w.history]
            spark = QTableWidgetItem()
            spark.setData(Qt.ItemDataRole.DecorationRole, sparkline_pixmap(hist))
            if hist:
                its = [i for i, _ in w.history]
                finite = [v for v in hist if math.isfinite(v)]
                rng = f"{min(finite):.4g} … {max(finite):.4g}" if finite else "no finite values"
                spark.setToolTip(f"iterations {its[0] + 1}–{its[-1] + 1} ({len(hist)} points): {rng}; "
                                 f"last {hist[-1]:.6g}")
            else:
                spark.setToolTip("No history yet: a point is added after each completed iteration")
            t.setItem(row, 0, expr)
            t.setItem(row, 1, value)
            t.setItem(row, 2, spark)

    @staticmethod
    def _value_tip(w) -> str:
        a = np.asarray(w.value)
        if a.size <= 1:
            return format_value(a)
        with np.printoptions(precision=4, threshold=64, edgeitems=3):
            return f"shape {tuple(a.shape)}\n{a}"


# --- installing into the window ------------------------------------------------------------------

def install_watch(host) -> WatchDock:
    """Add the Watch dock (updated on every view) and its Debug-menu entry."""
    widget = WatchDock()
    dock = host.add_dock("watch", "Watch", widget)
    host.bridge.sigView.connect(widget.update_view)
    host.debug_menu().addAction(dock.toggleViewAction())
    widget.update_view(host.workspace.view())
    return widget
