"""GradientFlowChart: how big the gradients are at each layer, on a log scale, layer names below.

Per layer (network order, so the backward pass runs right to left): mean |∂L/∂(output)| — for a
conv or dense layer its ∂L/∂z — as a line with dots, and mean |∂L/∂θ| of its parameters as
squares, each with its number. Sigmoid layers are shaded: ∂L/∂z = ∂L/∂f · f(z)(1 − f(z)) and
f(1 − f) ≤ 1/4, so the line drops at each of them on the way back — the vanishing gradient. The
iteration shown is chosen with the slider (the other recorded ones are the faint lines). A click
on a layer's column emits ``sigLayerClicked(name)``.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSlider, QVBoxLayout, QWidget

from desktop.panels.base import format_value, set_look
from desktop.panels.plot_style import ThemedLayoutWidget

BLUE, ORANGE, FAINT = (66, 133, 244), (230, 126, 34), (150, 150, 150, 70)
SIGMOID_SHADE = (230, 126, 34, 35)


def _sci(v: float) -> str:
    return format_value(v) if v >= 1e-3 else f"{v:.1e}"


class GradientFlowChart(QWidget):
    title = "Gradient flow"
    sigLayerClicked = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.series = None  # core.debugger.distributions.GradientFlowSeries
        self.t = 0
        self.caption = QLabel("Record some iterations (the Timeline) to see the gradients' sizes per layer")
        self.caption.setWordWrap(True)
        set_look(self.caption, pt=10)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setEnabled(False)
        self.slider.valueChanged.connect(self.show_index)
        self.where = QLabel("")
        set_look(self.where, pt=10)
        self.plots = ThemedLayoutWidget()
        self.plot = self.plots.addPlot(row=0, col=0)
        self.plot.setLogMode(y=True)
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.plot.setMouseEnabled(False, False)
        self.plot.showGrid(y=True, alpha=0.25)
        self.plot.setLabel("left", "mean |gradient|  (log scale)")
        font = self.font()
        font.setPointSizeF(10)
        for axis in ("left", "bottom"):
            self.plot.getAxis(axis).setStyle(tickFont=font)
        self.plot.getAxis("left").enableAutoSIPrefix(False)  # "(x0.001)" on a log axis only confuses
        self.legend = self.plot.addLegend(offset=(-10, 10), labelTextSize="10pt")
        self._faint: list[pg.PlotDataItem] = []
        self._shades: list = []
        self._labels: list[pg.TextItem] = []
        self.out_line = pg.PlotDataItem(pen=pg.mkPen(BLUE, width=2.5), symbol="o", symbolSize=9,
                                        symbolBrush=BLUE, symbolPen=None, name="mean |∂L/∂(output)|  (∂L/∂z)",
                                        connect="finite")
        self.param_dots = pg.PlotDataItem(pen=None, symbol="s", symbolSize=11, symbolBrush=ORANGE,
                                          symbolPen=None, name="mean |∂L/∂θ|  (weights and biases)")
        self.plot.addItem(self.out_line)
        self.plot.addItem(self.param_dots)
        self.plots.scene().sigMouseClicked.connect(self._on_clicked)
        self.plots.restyle()
        top = QHBoxLayout()
        top.addWidget(QLabel("Iteration:"))
        top.addWidget(self.slider, 1)
        top.addWidget(self.where)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(self.caption)
        lay.addLayout(top)
        lay.addWidget(self.plots, 1)

    def set_flow(self, series) -> None:
        """``series``: core.debugger.distributions.GradientFlowSeries; shows its last iteration."""
        self.series = series
        for item in self._faint + self._shades:
            self.plot.removeItem(item)
        self._faint, self._shades = [], []
        n = len(series.layers)
        self.plot.getAxis("bottom").setTicks([[(j, name) for j, name in enumerate(series.layers)]])
        self.plot.setXRange(-0.6, n - 0.4, padding=0)
        for j, typ in enumerate(series.types):
            if typ in ("sigmoid", "tanh"):
                shade = pg.LinearRegionItem(values=(j - 0.45, j + 0.45), movable=False, brush=SIGMOID_SHADE,
                                            pen=pg.mkPen(None))
                shade.setZValue(-10)
                self.plot.addItem(shade)
                self._shades.append(shade)
        for t in range(len(series.iterations)):
            line = pg.PlotDataItem(np.arange(n), series.grad_out[t], pen=pg.mkPen(FAINT, width=1), connect="finite")
            line.setZValue(-5)
            self.plot.addItem(line)
            self._faint.append(line)
        self.slider.blockSignals(True)
        self.slider.setRange(0, max(len(series.iterations) - 1, 0))
        self.slider.setValue(max(len(series.iterations) - 1, 0))
        self.slider.blockSignals(False)
        self.slider.setEnabled(len(series.iterations) > 1)
        self.caption.setText("Per layer, left to right in the network's order (the backward pass runs right to "
                             "left). Shaded: sigmoids, where ∂L/∂z = ∂L/∂f · f(1 − f) with f(1 − f) ≤ ¼, so the "
                             "error shrinks at each on its way back. A max-pool passes each error to one input of "
                             "its window, so the mean drops there too (sparse, not small). Gradients of the "
                             "batch-mean loss (÷N).")
        self.show_index(self.slider.value())

    def show_index(self, t: int) -> None:
        """Show recorded iteration number ``t`` (0 = the oldest recorded)."""
        s = self.series
        if s is None or not s.iterations:
            return
        self.t = t = int(np.clip(t, 0, len(s.iterations) - 1))
        n = len(s.layers)
        xs = np.arange(n)
        self.out_line.setData(xs, s.grad_out[t])
        has = np.isfinite(s.param_grad[t]) & (s.param_grad[t] > 0)
        self.param_dots.setData(xs[has], s.param_grad[t][has])
        for label in self._labels:
            self.plot.removeItem(label)
        self._labels = []
        fg = self.palette().windowText().color()
        for values, colour, anchor in ((s.grad_out[t], fg, (0.5, 1.25)), (s.param_grad[t], ORANGE, (0.5, -0.3))):
            for j in range(n):
                v = values[j]
                if np.isfinite(v) and v > 0:
                    label = pg.TextItem(_sci(float(v)), color=colour, anchor=anchor)
                    label.setFont(self._label_font())
                    label.setPos(j, np.log10(v))
                    self.plot.addItem(label)
                    self._labels.append(label)
        vals = np.concatenate([s.grad_out[t][np.isfinite(s.grad_out[t])], s.param_grad[t][has]])
        vals = vals[vals > 0]
        if vals.size:
            self.plot.setYRange(np.log10(vals.min()) - 0.6, np.log10(vals.max()) + 0.6, padding=0)
        self.where.setText(f"{s.iterations[t] + 1} ({t + 1} of {len(s.iterations)} recorded)")

    def _label_font(self):
        f = self.font()
        f.setPointSizeF(9.5)
        return f

    def _on_clicked(self, event) -> None:
        s = self.series
        if s is None or not self.plot.sceneBoundingRect().contains(event.scenePos()):
            return
        j = int(round(self.plot.vb.mapSceneToView(event.scenePos()).x()))
        if 0 <= j < len(s.layers):
            self.sigLayerClicked.emit(s.layers[j])
