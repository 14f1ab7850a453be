"""12.1's sigmoid: the curve f(z) = 1/(1 + exp(−z)) with this batch's z values on it."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QVBoxLayout

from core.lecture.colours import colour
from desktop.lecture.figure import Figure
from desktop.math_view import is_dark

MAX_DOTS = 3000


class SigmoidFigure(Figure):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.plot = pg.PlotWidget()
        self.plot.setLabel("bottom", "z")
        self.plot.setLabel("left", "f(z)")
        self.plot.showGrid(x=True, y=True, alpha=0.25)
        self.curve = self.plot.plot()
        self.dots = pg.ScatterPlotItem(size=6)
        self.plot.addItem(self.dots)
        self.note = self.label(pt=11)
        lay = QVBoxLayout(self)
        lay.addWidget(self.plot, 1)
        lay.addWidget(self.note)

    def draw(self) -> None:
        v, layer = self.view, self.plan.layer
        names = [n.name for n in v.nodes]
        k = names.index(layer)
        z = np.asarray(v.x if k == 0 else v.arrays[f"{names[k - 1]}.out"], np.float64).ravel()
        a = np.asarray(v.arrays[f"{layer}.out"], np.float64).ravel()
        dark = is_dark(self)
        lo, hi = min(-8.0, float(z.min())), max(8.0, float(z.max()))
        grid = np.linspace(lo, hi, 400)
        self.curve.setData(grid, 1 / (1 + np.exp(-grid)), pen=pg.mkPen(colour("a", dark), width=2.5))
        pick = np.random.default_rng(0).choice(z.size, min(z.size, MAX_DOTS), replace=False)
        self.dots.setData(z[pick], a[pick], brush=pg.mkBrush(colour("z", dark)), pen=None)
        fp = a * (1 - a)
        sat = float((fp < 0.01).mean())
        self.note.setText(self.html(
            f"{z.size:,} values of $@in$ in this batch ({min(z.size, MAX_DOTS):,} drawn): from {z.min():.2f} to "
            f"{z.max():.2f}, mean {z.mean():.2f}. The slope $f(z)(1 - f(z))$ is at most 0.25 (at z = 0); "
            f"{sat:.1%} of these values sit where it is below 0.01, where little error gets through."
            .replace("@in", self.plan.values.get("in", "z"))))
        self._shown = {"z": z, "a": a, "picked": pick, "saturated": sat}
