"""AlertsList: the recorded tensors that tripped an alert — NaN, ±Inf, subnormal values, saturated
or dead units — in time order, TensorBoard Debugger V2's Alerts. The first NaN/Inf is marked;
"Jump to the first bad tensor" and a click on a row emit ``sigAlertClicked(iteration, phase, key)``
(iteration 0-based, as the stepper counts; shown 1-based, as the rest of the window shows it).
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.debugger.anomalies import BAD, DEAD, SATURATED, SUBNORMAL
from desktop.panels.base import set_look
from desktop.tables import read_only_table

COLUMNS = ("", "iteration", "phase", "tensor", "alert", "how many")
FILTERS = {"every alert": None, "NaN and ±Inf": set(BAD), "subnormal values": {SUBNORMAL},
           "saturated or dead units": {SATURATED, DEAD}}
BAD_COLOUR, WARN_COLOUR = QColor(229, 57, 53), QColor("#d35400")
TIPS = {SUBNORMAL: "Smaller than the dtype's smallest normal number: slow to compute with, and a sign of underflow",
        SATURATED: "Sigmoid/tanh outputs within 0.02 of an asymptote: they pass almost no gradient back",
        DEAD: "ReLU units that output 0 for every sample of the batch: they pass no gradient back"}


class AlertsList(QWidget):
    title = "Alerts"
    sigAlertClicked = Signal(int, str, str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self._alerts: list = []
        self._shown: list = []
        self.summary = QLabel("No alerts: every recorded tensor is finite and normal")
        set_look(self.summary, pt=11)
        self.summary.setWordWrap(True)
        self.first_button = QPushButton("Jump to the first bad tensor")
        self.first_button.setToolTip("The first NaN or ±Inf in time, then in the network's order")
        self.first_button.clicked.connect(self.jump_to_first)
        self.filter = QComboBox()
        self.filter.addItems(list(FILTERS))
        self.filter.currentIndexChanged.connect(lambda _i: self._fill())
        self.table = read_only_table(list(COLUMNS), single=True, point_size=11)
        self.table.cellClicked.connect(lambda row, _col: self.click_row(row))
        top = QHBoxLayout()
        top.addWidget(self.summary, 1)
        top.addWidget(QLabel("Show:"))
        top.addWidget(self.filter)
        top.addWidget(self.first_button)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addLayout(top)
        lay.addWidget(self.table, 1)
        self.first_button.setEnabled(False)

    def set_alerts(self, alerts: Sequence, iterations: Sequence[int] = ()) -> None:
        """``alerts``: core.debugger.anomalies.Alert records in time order; ``iterations``: the ones
        scanned (for the summary)."""
        self._alerts = list(alerts)
        first = self.first_bad()
        scanned = (f" in iterations {min(iterations) + 1}–{max(iterations) + 1}" if len(iterations) else "")
        if not self._alerts:
            self.summary.setText(f"No alerts{scanned}: every recorded tensor is finite and normal")
        else:
            where = (f"; the first bad tensor: <b>{first.key}</b> at {first.phase}, iteration {first.iteration + 1}"
                     if first else "; no NaN or Inf")
            self.summary.setText(f"{len(self._alerts)} alerts{scanned}{where}")
        self.first_button.setEnabled(first is not None)
        self._fill()

    def first_bad(self):
        return next((a for a in self._alerts if a.what in BAD), None)

    def shown(self) -> list:
        """The alerts in the table's rows, in order."""
        return list(self._shown)

    def _fill(self) -> None:
        kinds = FILTERS[self.filter.currentText()]
        self._shown = [a for a in self._alerts if kinds is None or a.what in kinds]
        first = self.first_bad()
        t = self.table
        t.setRowCount(len(self._shown))
        for row, a in enumerate(self._shown):
            bad = a.what in BAD
            unit = "units" if a.what == DEAD else "values"
            texts = ("first" if a is first else "", str(a.iteration + 1), a.phase, a.key, a.what,
                     f"{a.count:,} of {a.of:,} {unit} ({100 * a.count / max(a.of, 1):.1f}%)")
            for col, text in enumerate(texts):
                item = QTableWidgetItem(text)
                if col == 4:
                    item.setForeground(BAD_COLOUR if bad else WARN_COLOUR)
                if a is first:
                    f = item.font()
                    f.setBold(True)
                    item.setFont(f)
                item.setToolTip(TIPS.get(a.what, f"{a.what} in {a.key}: the tensor went bad here"))
                if col in (1, 5):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                t.setItem(row, col, item)

    def click_row(self, row: int):
        """Emit the location of the alert in ``row`` (as a click on it does); returns the alert."""
        if not 0 <= row < len(self._shown):
            return None
        a = self._shown[row]
        self.table.selectRow(row)
        self.sigAlertClicked.emit(a.iteration, a.phase, a.key)
        return a

    def jump_to_first(self):
        first = self.first_bad()
        if first is None:
            return None
        if first not in self._shown:
            self.filter.setCurrentIndex(0)
        return self.click_row(self._shown.index(first))
