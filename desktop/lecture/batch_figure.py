"""12.5's training batch: for every sample, sum(x ⊙ ∂L/∂z) = its own ∂L/∂g; their average; the update.

One row per sample (as many as fit; the list scrolls): its input channel c, its error map of
filter f, the product for the kernel entry (m, n) chosen (the window shifted by (m, n)) whose sum
is the framed entry of that sample's ∂L/∂g. Then the average over the batch beside the engine's
gradient. The update figure shows new g = old g − α ∂L/∂g with the filter's numbers.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QScrollArea, QVBoxLayout, QWidget

from core.lecture.backward import update
from core.lecture.batch import batch_gradients, window_product
from core.lecture.colours import box_colour
from core.lecture.latex import latex_plain
from desktop.lecture.array_image import ArrayImage, tex_number
from desktop.lecture.figure import Figure, IndexBox
from desktop.math_view import MathView, is_dark

ROWS = 8  # samples drawn (the batch may be larger: the average is over all of them)


class BatchFigure(Figure):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.filt, self.chan = IndexBox("filter f = "), IndexBox("input channel c = ")
        self.entry = IndexBox("kernel entry #")
        pick = QHBoxLayout()
        for w in (self.filt, self.chan, self.entry):
            pick.addWidget(w)
            w.valueChanged.connect(lambda _: self.redraw())
        pick.addStretch(1)
        self.grid = QGridLayout()
        inner = QWidget()
        inner.setLayout(self.grid)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(inner)
        self.rows: list[tuple] = []
        self.mean_map = ArrayImage("average over the batch", "L", cell=48)
        self.engine_map = ArrayImage("the engine's ∂L/∂g (what the update uses)", "L", cell=48)
        self.head = MathView(size=18)
        self.check = self.label(pt=10.5)
        bottom = QHBoxLayout()
        bottom.addWidget(self.mean_map)
        bottom.addWidget(self.engine_map)
        lay = QVBoxLayout(self)
        lay.addLayout(pick)
        lay.addWidget(self.head)
        lay.addWidget(scroll, 3)
        lay.addLayout(bottom, 2)
        lay.addWidget(self.check)

    def _row(self, k: int):
        while len(self.rows) <= k:
            r = len(self.rows)
            cells = (ArrayImage("", "x"), ArrayImage("", "L"), ArrayImage("", "L"), ArrayImage("", "L"))
            cells[3].numbers = True
            for col, cell in enumerate(cells):
                cell.setMinimumSize(120, 150)
                self.grid.addWidget(cell, r, col)
            self.rows.append(cells)
        return self.rows[k]

    def draw(self) -> None:
        v, layer = self.view, self.plan.layer
        bg = batch_gradients(v, layer)
        if bg is None:
            return
        n, f_, c_, kh, kw = bg.per_sample.shape
        for sp, top in ((self.filt, f_), (self.chan, c_), (self.entry, kh * kw)):
            sp.set_count(top)
        f, c, e = self.filt.index(), self.chan.index(), self.entry.index()
        m, nn = divmod(e, kw)
        node = next(x for x in v.nodes if x.name == layer)
        stride, padding = node.layer.hp.get("stride", 1), node.layer.hp.get("padding", 0)
        colour = box_colour(is_dark(self))
        inp = self.plan.values.get("in", "x")
        z = self.plan.values.get("z", "z")
        wt = self.plan.values.get("W", "g")
        # channel c and filter f counted from 1 (as the panels); the kernel offset (m, n) from 0, as the
        # lecture's sums run
        self.head.set_latex(rf"\text{{sum}}\left( {{{inp}}}^{{[s]}}_{{{c + 1}}} \odot "
                            rf"\frac{{\partial L}}{{\partial {z}_{{{f + 1}}}}}\right)"
                            rf"_{{\text{{shifted by }} ({m},{nn})}} = "
                            rf"\frac{{\partial L}}{{\partial {wt}_{{{m}{nn}}}}}^{{[s]}}")
        inp_plain = latex_plain(inp)
        sums = []
        for s in range(min(n, ROWS)):
            a, d, prod, g = self._row(s)
            product = window_product(bg.inputs[s], bg.errors[s], f, c, m, nn, stride, padding)
            a.set_array(bg.inputs[s][c], signed=False, title=f"{s + 1}: {inp_plain}, label {int(v.y[s])}")
            d.set_array(bg.errors[s][f], signed=True, title="∂L/∂z")
            prod.set_array(product, signed=True, title=f"⊙: sum {product.sum():.3g}")
            g.set_array(bg.per_sample[s, f, c], signed=True, title=f"∂L/∂g of {s + 1}")
            g.highlight([(m, nn, m + 1, nn + 1, colour)])
            a.highlight([(m, nn, m + product.shape[0], nn + product.shape[1], colour)])
            sums.append(float(product.sum()))
        for s in range(min(n, ROWS), len(self.rows)):
            for cell in self.rows[s]:
                cell.hide()
        for s in range(min(n, ROWS)):
            for cell in self.rows[s]:
                cell.show()
        mean = bg.mean[f, c]
        self.mean_map.set_array(mean, signed=True, title=f"mean of the {n} samples' ∂L/∂g")
        self.engine_map.set_array(bg.engine_mean[f, c], signed=True, title=f"the engine's {layer}.weight.grad")
        for mp in (self.mean_map, self.engine_map):
            mp.highlight([(m, nn, m + 1, nn + 1, colour)])
        diff = float(np.abs(bg.mean - bg.engine_mean).max())
        shown = f"{min(n, ROWS)} of the {n} samples shown" if n > ROWS else f"all {n} samples shown"
        self.check.setText(self.html(
            f"{shown}; the average is over all {n}. Largest difference between the average and the engine's "
            f"gradient: {diff:.1e}."))
        self._shown = {"per_sample": bg.per_sample, "mean": bg.mean, "engine_mean": bg.engine_mean, "sums": sums,
                       "entry": (f, c, m, nn), "inputs": bg.inputs, "errors": bg.errors}


class UpdateFigure(Figure):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.filt, self.chan = IndexBox("filter f = "), IndexBox("input channel c = ")
        pick = QHBoxLayout()
        for w in (self.filt, self.chan):
            pick.addWidget(w)
            w.valueChanged.connect(lambda _: self.redraw())
        pick.addStretch(1)
        self.old, self.grad, self.new = (ArrayImage("old", "g"), ArrayImage("∂L/∂g", "L"), ArrayImage("new", "g"))
        for m in (self.old, self.grad, self.new):
            m.numbers = True
        maps = QGridLayout()
        maps.addWidget(self.old, 0, 0)
        maps.addWidget(MathView(r"- \alpha \times", size=22), 0, 1)
        maps.addWidget(self.grad, 0, 2)
        maps.addWidget(MathView("=", size=22), 0, 3)
        maps.addWidget(self.new, 1, 0, 1, 3)
        for col in (0, 2):
            maps.setColumnStretch(col, 1)
        self.eq = MathView(size=19)
        self.check = self.label(pt=10.5)
        lay = QVBoxLayout(self)
        lay.addLayout(pick)
        lay.addLayout(maps, 1)
        lay.addWidget(self.eq)
        lay.addWidget(self.check)

    def draw(self) -> None:
        v, layer = self.view, self.plan.layer
        up = update(v, layer)
        if up is None:
            return
        f_, c_ = up.old.shape[:2]
        for sp, top in ((self.filt, f_), (self.chan, c_)):
            sp.set_count(top)
        f, c = self.filt.index(), self.chan.index()
        lim = float(np.abs(up.old[f, c]).max())
        w_plain = latex_plain(self.plan.values.get("W", "g"))
        self.old.set_array(up.old[f, c], signed=True, limit=lim,
                           title=f"old {w_plain}, filter {f + 1}, channel {c + 1}")
        self.grad.set_array(up.grad[f, c], signed=True, title="∂L/∂g: the batch average")
        self.new.set_array(up.new[f, c], signed=True, limit=lim, title=f"new {w_plain} = old − α ∂L/∂g (α = {up.lr:g})")
        i, j = np.unravel_index(int(np.argmax(np.abs(up.grad[f, c]))), up.grad.shape[2:])
        w = self.plan.values.get("W", "g")
        n = tex_number
        self.eq.set_latex(rf"\text{{new }} {w}_{{{i}{j}}} = {n(up.old[f, c, i, j])} - {n(up.lr)} \times "
                          rf"({n(up.grad[f, c, i, j])}) = {n(up.new[f, c, i, j])}")
        if up.engine_new is None:
            self.check.setText(self.html("The update phase has not run: Space runs it."))
        else:
            diff = float(np.abs(up.engine_new - up.new).max())
            extra = ("" if up.optimizer == "sgd"
                     else f" (this run uses {up.optimizer}: its step is not the lecture's rule)")
            self.check.setText(self.html(
                f"α = {up.lr:g}. The update phase's new {layer}.weight against old − α·grad: largest difference "
                f"{diff:.1e}{extra}."))
        self._shown = {"old": up.old, "grad": up.grad, "new": up.new, "engine_new": up.engine_new, "lr": up.lr,
                       "filter": (f, c)}
