"""12.3's K = 5 example (editable) and the same on the focused sample: ŷ, y, ∂L/∂ŷ, ŷ − y."""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QComboBox, QDoubleSpinBox, QGridLayout, QLabel, QVBoxLayout

from core.lecture.softmax_example import CLASSES, TRUE, YHAT, example
from desktop.lecture.array_image import ArrayImage, tex_number
from desktop.lecture.figure import Figure
from desktop.math_view import MathView


def _vec(a) -> str:
    return r"\begin{bmatrix} " + " & ".join(tex_number(x, 3) for x in a) + r" \end{bmatrix}"


class SoftmaxExampleFigure(Figure):
    def __init__(self, parent=None):
        super().__init__(parent)
        grid = QGridLayout()
        self.spins: list[QDoubleSpinBox] = []
        for k, name in enumerate(CLASSES):
            grid.addWidget(QLabel(f"class {k + 1}: {name}"), 0, k)
            sp = QDoubleSpinBox()
            sp.setRange(0, 1)
            sp.setSingleStep(0.05)
            sp.setDecimals(3)
            sp.setValue(YHAT[k])
            sp.setPrefix("ŷ = ")
            sp.valueChanged.connect(lambda _v: self.redraw())
            grid.addWidget(sp, 1, k)
            self.spins.append(sp)
        self.true = QComboBox()
        for k, name in enumerate(CLASSES):
            self.true.addItem(f"y = class {k + 1} ({name})", k)
        self.true.setCurrentIndex(TRUE)
        self.true.currentIndexChanged.connect(lambda _i: self.redraw())
        self.table = ArrayImage("", None, cell=70)
        self.table.numbers = True
        self.eqs = [MathView(size=19) for _ in range(4)]
        self.remarks = self.label(pt=11)
        lay = QVBoxLayout(self)
        lay.addLayout(grid)
        lay.addWidget(self.true)
        lay.addWidget(self.table, 1)
        for e in self.eqs:
            lay.addWidget(e)
        lay.addWidget(self.remarks)

    def set_example(self, yhat, true: int) -> None:
        for sp, v in zip(self.spins, yhat):
            sp.blockSignals(True)
            sp.setValue(v)
            sp.blockSignals(False)
        self.true.setCurrentIndex(true)
        self.redraw()

    def draw(self) -> None:
        ex = example([sp.value() for sp in self.spins], self.true.currentData())
        rows = np.stack([ex.yhat, ex.y, ex.dl_dyhat, ex.dl_dz])
        self.table.set_array(rows, signed=True, limit=1.0, title="rows: ŷ,  y,  ∂L/∂ŷ = −y/ŷ,  ∂L/∂z⁽⁴⁾ = ŷ − y")
        self.eqs[0].set_latex(rf"\hat{{y}} = {_vec(ex.yhat)} \qquad y = {_vec(ex.y)}")
        loss = tex_number(ex.loss)
        self.eqs[1].set_latex(rf"L = -\log \hat{{y}}_{{{ex.true + 1}}} = {loss}")
        self.eqs[2].set_latex(rf"\frac{{\partial L}}{{\partial \hat{{y}}}} = {_vec(ex.dl_dyhat)}")
        self.eqs[3].set_latex(rf"\frac{{\partial L}}{{\partial z^{{(4)}}}} = \hat{{y}} - y = {_vec(ex.dl_dz)}")
        r1, r2 = ex.remarks()
        self.remarks.setText(self.html(f"{r1}<br>{r2}<br><span style='color:#888'>{ex.softmax_note()}</span>"))
        self._shown = {"yhat": ex.yhat, "y": ex.y, "dl_dyhat": ex.dl_dyhat, "dl_dz": ex.dl_dz,
                       "dl_dz_chain": ex.dl_dz_chain if np.isfinite(ex.loss) else None, "loss": ex.loss}


class SoftmaxSampleFigure(Figure):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.table = ArrayImage("", None, cell=64)
        self.table.numbers = True
        self.eqs = [MathView(size=17) for _ in range(3)]
        self.note = self.label(pt=10.5)
        lay = QVBoxLayout(self)
        lay.addWidget(self.table, 1)
        for e in self.eqs:
            lay.addWidget(e)
        lay.addWidget(self.note)

    def draw(self) -> None:
        v, s = self.view, self.view.focus
        probs = np.asarray(v.arrays["probs"][s], np.float64)
        y = np.zeros_like(probs)
        y[int(v.y[s])] = 1
        engine = np.asarray(v.sample_value(f"{self.plan.layer}.grad_out"), np.float64)
        rows = np.stack([probs, y, probs - y])
        self.table.set_array(rows, signed=True, limit=1.0, title=f"sample {s + 1}: rows ŷ,  y,  ŷ − y;  "
                                                                 f"columns the classes {', '.join(v.classes)}")
        z = self.plan.values.get("z", "z")
        self.eqs[0].set_latex(rf"\hat{{y}} = {_vec(probs)}")
        self.eqs[1].set_latex(rf"y = {_vec(y)}")
        self.eqs[2].set_latex(rf"\frac{{\partial L}}{{\partial {z}}} = \hat{{y}} - y = {_vec(probs - y)}")
        n = v.batch_size
        self.note.setText(self.html(
            f"The label is {v.classes[int(v.y[s])]}; the network's top guess is {v.classes[int(np.argmax(probs))]} "
            f"(ŷ = {probs.max():.3f}). The engine's ∂L/∂z, of the batch mean loss, times N = {n}: "
            f"max |difference| from ŷ − y = {np.abs(engine - (probs - y)).max():.1e}."))
        self._shown = {"yhat": probs, "y": y, "dl_dz": probs - y, "engine": engine}
