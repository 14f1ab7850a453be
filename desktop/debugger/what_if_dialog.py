"""What-if dialog: at a stopped point, change a weight, a pixel, a label or α and re-run the step.

The iteration replayed is the one the workspace stands at (``Workspace.stopped_point``): the
current one when stopped inside an iteration (at a breakpoint, or after single phases), else the
last completed one if the timeline recorded it, else the next one. core.debugger.what_if computes
it twice on a copy of the network — the live training is not touched — and the dialog shows both
side by side: the loss, the focused sample's probabilities as paired bars, and max |Δ| of every
gradient and update.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QColor, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QSpinBox,
    QSplitter,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.debugger.what_if import LabelEdit, LearningRateEdit, PixelEdit, WeightEdit, WhatIfResult, what_if
from core.errors import BackstepError
from core.workspace import describe_error

KINDS = ("Weight element", "Input pixel", "Label", "Learning rate")


def _parse_index(text: str) -> tuple:
    """An index typed as the panels count, from 1 ("3, 1, 5, 5"), as the array's (from 0)."""
    parts = [p for p in text.replace("[", " ").replace("]", " ").replace(",", " ").split() if p]
    try:
        index = tuple(int(p) - 1 for p in parts)
    except ValueError:
        raise BackstepError(f"what-if: an index is whole numbers separated by commas, got {text!r}") from None
    if any(i < 0 for i in index):
        raise BackstepError(f"what-if: indices count from 1, got {text!r}")
    return index


def _spin(value=0.0, lo=-1e6, hi=1e6, decimals=6) -> QDoubleSpinBox:
    s = QDoubleSpinBox()
    s.setRange(lo, hi)
    s.setDecimals(decimals)
    s.setValue(value)
    return s


class WhatIfDialog(QDialog):
    sigRan = Signal(object)  # WhatIfResult

    def __init__(self, workspace, parent=None):
        super().__init__(parent)
        self.setWindowTitle("What if…")
        self.setObjectName("what_if_dialog")
        self.resize(1040, 660)
        self.workspace = workspace
        self.edits: list = []
        self.result: WhatIfResult | None = None
        point = workspace.stopped_point()
        self.where, self.state, self.batch = point.description, point.state, point.batch
        self.iteration = point.iteration
        net = workspace.network
        self.param_keys = [f"{lname}.{k}" for lname, ps in self.state["params"].items() for k in ps]
        n = len(self.batch[1])

        self.info = QLabel(f"Replays {self.where} on a copy of the network; training is not changed.")
        self.kind = QComboBox()
        self.kind.addItems(KINDS)
        self.stack = QStackedWidget()
        # weight element
        w = QWidget()
        f = QFormLayout(w)
        self.param = QComboBox()
        self.param.addItems(self.param_keys)
        self.w_index = QLineEdit("1, 1, 1, 1")
        self.w_value = _spin()
        self.w_current = QLabel()
        f.addRow("parameter", self.param)
        f.addRow("index (from 1)", self.w_index)
        f.addRow("new value", self.w_value)
        f.addRow("now", self.w_current)
        self.param.currentTextChanged.connect(self._param_chosen)
        self.w_index.editingFinished.connect(self._show_current)
        self.stack.addWidget(w)
        # input pixel
        w = QWidget()
        f = QFormLayout(w)
        self.p_sample = QSpinBox()
        self.p_sample.setRange(1, n)  # counted from 1, as the panels count
        self.p_index = QLineEdit(", ".join(str(s // 2 + 1) for s in self.batch[0].shape[1:]))
        self.p_value = _spin(1.0)
        f.addRow("sample", self.p_sample)
        f.addRow("index (c, h, w, from 1)", self.p_index)
        f.addRow("new value", self.p_value)
        self.stack.addWidget(w)
        # label
        w = QWidget()
        f = QFormLayout(w)
        self.l_sample = QSpinBox()
        self.l_sample.setRange(1, n)
        self.l_label = QComboBox()
        self.l_label.addItems([f"{k}: {c}" for k, c in enumerate(net.classes)])
        self.l_now = QLabel()
        f.addRow("sample", self.l_sample)
        f.addRow("new label", self.l_label)
        f.addRow("now", self.l_now)
        self.l_sample.valueChanged.connect(self._show_label)
        self.stack.addWidget(w)
        # learning rate
        w = QWidget()
        f = QFormLayout(w)
        self.lr = _spin(2 * float(self.state["optimizer"]["lr"]), 1e-8, 1e3, 8)
        f.addRow(f"α (now {float(self.state['optimizer']['lr']):g})", self.lr)
        self.stack.addWidget(w)
        self.kind.currentIndexChanged.connect(self.stack.setCurrentIndex)

        add = QPushButton("Add edit")
        add.clicked.connect(self._add_from_form)
        self.list = QListWidget()
        remove = QPushButton("Remove")
        remove.clicked.connect(self._remove_selected)
        self.run_button = QPushButton("Re-run the step")
        self.run_button.setDefault(True)
        self.run_button.clicked.connect(self.run)
        self.message = QLabel()
        self.message.setWordWrap(True)

        left = QWidget()
        ll = QVBoxLayout(left)
        ll.addWidget(self.info)
        ll.addWidget(self.kind)
        ll.addWidget(self.stack)
        ll.addWidget(add)
        ll.addWidget(QLabel("Edits"))
        ll.addWidget(self.list, 1)
        row = QHBoxLayout()
        row.addWidget(remove)
        row.addStretch(1)
        row.addWidget(self.run_button)
        ll.addLayout(row)
        ll.addWidget(self.message)

        right = QWidget()
        rl = QVBoxLayout(right)
        self.loss_label = QLabel("Loss: —")
        self.loss_label.setObjectName("what_if_loss")
        self.plot = pg.PlotWidget()
        self.plot.setMinimumHeight(180)
        self.plot_label = QLabel("ŷ of the focused sample: original (grey), edited (orange)")
        self.plot.getAxis("bottom").setTicks([[(k, str(c)) for k, c in enumerate(net.classes)]])
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(["gradient / update", "max |Δ|", "max |original|"])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.horizontalHeader().setMinimumSectionSize(90)
        rl.addWidget(self.loss_label)
        rl.addWidget(self.plot_label)
        rl.addWidget(self.plot, 1)
        rl.addWidget(self.table, 2)

        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(right)
        split.setSizes([360, 680])
        lay = QVBoxLayout(self)
        lay.addWidget(split)
        self._param_chosen(self.param.currentText())
        self._show_label()

    # --- the form ---------------------------------------------------------------------------------

    def _param_value(self, key: str):
        layer, _, name = key.rpartition(".")
        return self.state["params"][layer][name]

    def _param_chosen(self, key: str) -> None:
        if key:
            p = self._param_value(key)
            self.w_index.setText(", ".join("1" for _ in p.shape))
            self._show_current()

    def _show_current(self) -> None:
        try:
            v = float(self._param_value(self.param.currentText())[_parse_index(self.w_index.text())])
            self.w_current.setText(f"{v:.6g}")
            self.w_value.setValue(v)
        except (BackstepError, IndexError, ValueError, KeyError):
            self.w_current.setText("(not an element of this parameter)")

    def _show_label(self) -> None:
        s = self.l_sample.value() - 1
        self.l_now.setText(f"{int(self.batch[1][s])}")

    def edit_from_form(self):
        k = self.kind.currentIndex()
        if k == 0:
            return WeightEdit(self.param.currentText(), _parse_index(self.w_index.text()), self.w_value.value())
        if k == 1:
            return PixelEdit(self.p_sample.value() - 1, _parse_index(self.p_index.text()), self.p_value.value())
        if k == 2:
            return LabelEdit(self.l_sample.value() - 1, self.l_label.currentIndex())
        return LearningRateEdit(self.lr.value())

    def _add_from_form(self) -> None:
        try:
            self.add_edit(self.edit_from_form())
        except BackstepError as exc:
            self.message.setText(str(exc))

    def add_edit(self, edit) -> None:
        self.edits.append(edit)
        self.list.addItem(edit.describe())
        self.message.clear()

    def _remove_selected(self) -> None:
        r = self.list.currentRow()
        if r >= 0:
            self.list.takeItem(r)
            del self.edits[r]

    # --- running ----------------------------------------------------------------------------------

    def run(self) -> WhatIfResult | None:
        """Re-run the step with the edits (the form's edit too, if the list is empty)."""
        if not self.edits:
            self._add_from_form()
            if not self.edits:
                return None
        try:
            res = what_if(self.workspace.network, self.state, self.batch, self.edits)
        except BackstepError as exc:
            self.message.setText(str(exc))
            return None
        except Exception as exc:  # noqa: BLE001 - a plugin's layer may raise anything
            self.message.setText(f"{type(exc).__name__}: {exc}")
            return None
        self.result = res
        self.show_result(res)
        self.sigRan.emit(res)
        return res

    def show_result(self, res: WhatIfResult) -> None:
        lo, le = res.loss
        self.loss_label.setText(f"Loss L: {lo:.6g} → {le:.6g}   (Δ {le - lo:+.3g})")
        focus = min(self.workspace.focus, len(res.y) - 1)
        po, pe = res.probs[0][focus], res.probs[1][focus]
        k = np.arange(len(po))
        self.plot.clear()
        self.plot.addItem(pg.BarGraphItem(x=k - 0.2, height=po, width=0.38, brush=QColor("#9e9e9e")))
        self.plot.addItem(pg.BarGraphItem(x=k + 0.2, height=pe, width=0.38, brush=QColor("#ff7f0e")))
        self.plot.setYRange(0, 1)
        self.plot.setXRange(-0.6, len(po) - 0.4)
        self.plot_label.setText(f"ŷ of sample {focus + 1} (label {int(res.y[focus])}"
                           f"{'' if res.y_edited[focus] == res.y[focus] else f' → {int(res.y_edited[focus])}'}): "
                           "original (grey), edited (orange)")
        keys = res.gradient_keys() + [k for k in res.original if k.endswith(".new")]
        self.table.setRowCount(len(keys))
        for r, key in enumerate(keys):
            d = res.diff[key]
            scale = float(np.abs(res.original[key]).max(initial=0.0))
            for c, text in enumerate((key, f"{d:.3g}", f"{scale:.3g}")):
                item = QTableWidgetItem(text)
                if c:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if d > 0:
                    item.setForeground(QColor("#d62728"))
                self.table.setItem(r, c, item)
        changed = len([k for k in keys if res.diff[k] > 0])
        self.message.setText(f"{changed} of {len(keys)} gradients and updates changed "
                             f"({', '.join(e.describe() for e in res.edits)}).")

    def table_rows(self) -> dict[str, float]:
        return {self.table.item(r, 0).text(): float(self.table.item(r, 1).text()) for r in range(self.table.rowCount())}


class WhatIfAction(QAction):
    """Debug › What if… (Ctrl+Shift+I): opens the dialog at the current stopped point."""

    def __init__(self, host):
        super().__init__("&What if…", host)
        self.host = host
        self.dialog: WhatIfDialog | None = None  # the last one opened
        self.setObjectName("action_what_if")
        self.setShortcut(QKeySequence("Ctrl+Shift+I"))
        self.setStatusTip("Change a weight, an input pixel, a label or the learning rate and re-run this step")
        self.triggered.connect(self.open_dialog)

    def open_dialog(self) -> WhatIfDialog | None:
        ws = self.host.workspace
        if ws.running:
            self.host.show_info("Pause first: a what-if replays the step the training stands at")
            return None
        try:
            dlg = WhatIfDialog(ws, self.host)
        except Exception as exc:  # noqa: BLE001 - a dialog, never a crash
            self.host.show_error(f"what-if: {describe_error(exc)}")
            return None
        self.dialog = dlg
        dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dlg.show()
        return dlg


def install_what_if(host) -> WhatIfAction:
    """Debug › What if…; returns the action (its ``dialog`` is the last one opened)."""
    action = WhatIfAction(host)
    host.addAction(action)
    m = host.debug_menu()
    m.addSeparator()
    m.addAction(action)
    return action
