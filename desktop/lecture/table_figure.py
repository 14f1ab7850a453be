"""Tables: the network's layers with the lecture's names (12.2), and its backward steps with the
phase that computes each (12.2's list of nine)."""

from __future__ import annotations

from PySide6.QtWidgets import QTableWidget, QTableWidgetItem, QVBoxLayout

from core.lecture.roles import Roles
from core.notation import lecture_steps
from core.view import shape_text
from desktop.lecture.figure import Figure


class TableFigure(Figure):
    def __init__(self, what: str, parent=None):
        super().__init__(parent)
        self.what = what  # "architecture" or "nine_steps"
        self.table = QTableWidget()
        self.table.verticalHeader().hide()
        f = self.table.font()
        f.setPointSizeF(11.5)
        self.table.setFont(f)
        lay = QVBoxLayout(self)
        lay.addWidget(self.table)

    def draw(self) -> None:
        nodes = list(self.view.nodes)
        if self.what == "architecture":
            syms = self.view.output_symbols
            weights = self.view.weight_symbols
            rows = [(n.name, n.layer.spec.name, shape_text(n.in_shape), shape_text(n.out_shape),
                     syms[n.name].unicode, weights[n.name].unicode if n.name in weights else "") for n in nodes]
            head = ("layer", "type", "input", "output", "its output", "weights")
        else:
            roles = Roles(nodes)
            kinds = {s.number: s for s in roles.steps()}
            rows = [(str(q.step), q.label, roles.phase("backward", kinds[q.step].node), q.key, kinds[q.step].kind)
                    for q in lecture_steps(nodes)]
            head = ("step", "quantity", "computed by phase", "engine array", "kind")
        self.table.clear()
        self.table.setColumnCount(len(head))
        self.table.setRowCount(len(rows))
        self.table.setHorizontalHeaderLabels(head)
        for i, row in enumerate(rows):
            for j, text in enumerate(row):
                self.table.setItem(i, j, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
        self._shown = {"rows": rows}
