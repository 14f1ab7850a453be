"""12.1's fully connected layer, z = W x: the lecture's 3×3 example, then the network's real layer."""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout

from core.lecture.colours import box_colour
from desktop.lecture.array_image import ArrayImage, tex_number
from desktop.lecture.figure import Figure, IndexBox
from desktop.math_view import MathView, is_dark

EXAMPLE_W = np.array([[0.2, -0.5, 0.1], [0.7, 0.3, -0.4], [-0.6, 0.8, 0.5]])
EXAMPLE_X = np.array([1.0, 0.5, -1.0])


def _n(v: float) -> str:
    return tex_number(v)


class DenseExampleFigure(Figure):
    """Three inputs, three outputs, numbers chosen for the example (the lecture gives none)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.w = ArrayImage("W⁽⁰⁾", "W", cell=64)
        self.x = ArrayImage("x", "x", cell=64)
        self.z = ArrayImage("z⁽¹⁾ = W⁽⁰⁾ x", "z", cell=64)
        self.rows = [MathView(size=19) for _ in range(3)]
        maps = QHBoxLayout()
        maps.addWidget(self.w, 3)
        maps.addWidget(self.x, 1)
        maps.addWidget(self.z, 1)
        lay = QVBoxLayout(self)
        lay.addLayout(maps, 1)
        lay.addWidget(self.label("With numbers (chosen for the example):"))
        for r in self.rows:
            lay.addWidget(r)

    def draw(self) -> None:
        z = EXAMPLE_W @ EXAMPLE_X
        self.w.set_array(EXAMPLE_W)
        self.x.set_array(EXAMPLE_X[:, None])
        self.z.set_array(z[:, None])
        for i, r in enumerate(self.rows):
            terms = " + ".join(f"({_n(EXAMPLE_W[i, j])})({_n(EXAMPLE_X[j])})" for j in range(3))
            r.set_latex(rf"z_{i + 1}^{{(1)}} = {terms} = {_n(z[i])}")
        self._shown = {"W": EXAMPLE_W, "x": EXAMPLE_X, "z": z}


class DenseRealFigure(Figure):
    """The network's first fully connected layer on the focused sample: one unit's sum."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.unit = IndexBox("unit i = ")
        self.w = ArrayImage("W", "W")
        self.a = ArrayImage("input", "a")
        self.z = ArrayImage("z", "z")
        self.sum_view = MathView(size=17)
        self.check = self.label(pt=10.5)
        maps = QHBoxLayout()
        maps.addWidget(self.w, 5)
        maps.addWidget(self.z, 1)
        lay = QVBoxLayout(self)
        lay.addWidget(self.unit)
        lay.addWidget(self.a)
        lay.addLayout(maps, 1)
        lay.addWidget(self.sum_view)
        lay.addWidget(self.check)
        self.a.setMaximumHeight(90)
        self.unit.valueChanged.connect(lambda _: self.redraw())
        self.z.sigCellClicked.connect(lambda i, _j: self.unit.set_index(i))

    def draw(self) -> None:
        v, layer = self.view, self.plan.layer
        names = [n.name for n in v.nodes]
        k = names.index(layer)
        out = v.arrays.get(f"{layer}.out")
        if out is None:
            return
        s = min(v.focus, len(out) - 1)
        a = np.asarray(v.x[s] if k == 0 else v.arrays[f"{names[k - 1]}.out"][s], dtype=np.float64).ravel()
        params = (v.used_params or v.params)[layer]
        w, b = np.asarray(params["weight"], np.float64), np.asarray(params["bias"], np.float64)
        z = np.asarray(out[s], np.float64)
        self.unit.set_count(len(z))
        i = self.unit.index()
        sym = v.output_symbols
        zs, ws = sym[layer].unicode, v.weight_symbols[layer].unicode
        ins = sym[names[k - 1]].unicode if k else "x"
        self.w.set_array(w, signed=True, title=f"{ws}: {w.shape[0]}×{w.shape[1]}")
        rows = a.reshape(-1, 32) if a.size % 32 == 0 and a.size > 64 else a
        per_row = ", 32 a row" if rows.ndim == 2 else ""
        self.a.set_array(rows, title=f"{ins}: {a.size} values of sample {s + 1}{per_row}")
        self.z.set_array(z[:, None], signed=True, title=f"{zs}: {z.size}")
        colour = box_colour(is_dark(self))
        self.w.highlight([(i, 0, i + 1, w.shape[1], colour)])
        self.z.highlight([(i, 0, i + 1, 1, colour)])
        terms = w[i] * a
        top = np.argsort(-np.abs(terms))[:3]
        total = float(terms.sum() + b[i])
        zt = self.plan.values.get("z", "z")
        wt = self.plan.values.get("W", "W")
        it = self.plan.values.get("in", "a")
        shown = " + ".join(rf"{wt}_{{{i + 1},{j + 1}}} {it}_{{{j + 1}}}" for j in top)  # counted from 1
        nums = " + ".join(f"({_n(w[i, j])})({_n(a[j])})" for j in top)
        self.sum_view.set_latex(rf"{zt}_{{{i + 1}}} = {shown} + \ldots + b_{{{i + 1}}} = {nums} + \ldots "
                                rf"+ ({_n(b[i])}) = {_n(total)}")
        self.check.setText(self.html(f"The 3 largest of the {len(a)} products shown first; all of them and "
                                     f"b<sub>{i + 1}</sub> add up to {total:.6f}; the engine's "
                                     f"{zs}<sub>{i + 1}</sub> is "
                                     f"{z[i]:.6f}."))
        self._shown = {"z": z, "unit": i, "sum": total, "weight": w, "input": a, "bias": b}
