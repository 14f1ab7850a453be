"""HistogramOverTimeView: one tensor's distribution at every recorded iteration (TensorBoard's
"distributions"), as a heat map with its percentile lines.

x: the iteration (1-based, as the window shows it); y: the tensor's values, in bins that are the
same at every iteration (core.debugger.distributions); colour: the share of that iteration's
values in the bin. Lines: the median, the 15.9th and 84.1st percentiles (±1σ of a normal) and
the minimum and maximum. A tensor chooser on top; a click emits ``sigIterationClicked(iteration)``
(0-based, the stepper's count) of the column under the mouse.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from core.debugger.distributions import PERCENTILES
from desktop.panels.base import format_value, set_look
from desktop.panels.plot_style import ThemedLayoutWidget

CMAP = pg.colormap.get("viridis")
LINES = ((0, Qt.PenStyle.DotLine, 1), (2, Qt.PenStyle.DashLine, 1.5), (4, Qt.PenStyle.SolidLine, 2.5),
         (6, Qt.PenStyle.DashLine, 1.5), (8, Qt.PenStyle.DotLine, 1))  # indices into PERCENTILES
KIND_NAMES = ((".grad_out", "∂L/∂(output), the error arriving at the layer"), (".grad_in", "∂L/∂(input)"),
              (".grad", "∂L/∂θ, the batch-mean weight gradient"), (".out", "the layer's output (activation)"),
              (".old", "the parameter at the iteration's start"), (".new", "the parameter after the update"),
              (".step", "the update's step"))


def describe(key: str) -> str:
    for suffix, name in KIND_NAMES:
        if key.endswith(suffix):
            return name
    return "the parameter at the iteration's start"


class HistogramOverTimeView(QWidget):
    title = "Distributions"
    sigIterationClicked = Signal(int)
    sigKeyChanged = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self._series: Mapping = {}
        self.current = None  # the HistogramSeries shown
        self.chooser = QComboBox()
        self.chooser.setMinimumContentsLength(24)
        self.chooser.currentIndexChanged.connect(self._on_chosen)
        self.caption = QLabel("Record some iterations (the Timeline) to see how each tensor's values move")
        self.caption.setWordWrap(True)
        set_look(self.caption, pt=10)
        self.hover = QLabel(" ")
        set_look(self.hover, pt=10, monospace=True)
        self.plots = ThemedLayoutWidget()
        self.plot = self.plots.addPlot(row=0, col=0)
        self.plot.setLabel("bottom", "iteration")
        self.plot.setLabel("left", "value")
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        for axis in ("left", "bottom"):
            ax = self.plot.getAxis(axis)
            ax.setStyle(tickFont=self._tick_font())
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setColorMap(CMAP)
        self.plot.addItem(self.image)
        self.lines = []
        for _i, style, width in LINES:
            line = pg.PlotDataItem(pen=pg.mkPen((255, 255, 255), width=width, style=style))
            self.plot.addItem(line)
            self.lines.append(line)
        self.bar = pg.ColorBarItem(values=(0, 1), colorMap=CMAP, label="share of the iteration's values",
                                   interactive=False)
        self.bar.setImageItem(self.image, insert_in=self.plot)
        self.plots.scene().sigMouseMoved.connect(self._on_moved)
        self.plots.scene().sigMouseClicked.connect(self._on_clicked)
        self.plots.restyle()
        top = QHBoxLayout()
        top.addWidget(QLabel("Tensor:"))
        top.addWidget(self.chooser, 1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addLayout(top)
        lay.addWidget(self.caption)
        lay.addWidget(self.plots, 1)
        lay.addWidget(self.hover)

    def _tick_font(self):
        f = self.font()
        f.setPointSizeF(10)
        return f

    # --- data ---------------------------------------------------------------------------------

    def set_distributions(self, series: Mapping, key: str | None = None) -> None:
        """``series``: tensor key -> core.debugger.distributions.HistogramSeries (a lazy
        Distributions mapping computes each on first show). Shows ``key`` or the first."""
        self._series = series
        keys = list(series)
        self.chooser.blockSignals(True)
        self.chooser.clear()
        for k in keys:
            self.chooser.addItem(f"{k}  —  {describe(k)}", k)
        self.chooser.blockSignals(False)
        if keys:
            self.show_key(key if key in keys else keys[0])

    def show_key(self, key: str) -> None:
        i = self.chooser.findData(key)
        if i < 0:
            raise KeyError(key)
        if i != self.chooser.currentIndex():
            self.chooser.setCurrentIndex(i)  # -> _on_chosen
        else:
            self._on_chosen(i)

    def _on_chosen(self, i: int) -> None:
        key = self.chooser.itemData(i)
        if key is None:
            return
        self._draw(self._series[key])
        self.sigKeyChanged.emit(key)

    def _draw(self, s) -> None:
        self.current = s
        if not s.iterations:
            self.image.clear()
            for line in self.lines:
                line.setData([], [])
            self.caption.setText(f"{s.key}: not recorded in any iteration")
            return
        first, last = min(s.iterations), max(s.iterations)
        cols = np.array(s.iterations) - first
        share = np.full((len(s.edges) - 1, last - first + 1), np.nan)
        totals = np.maximum(s.counts.sum(axis=1), 1)
        share[:, cols] = (s.counts / totals[:, None]).T
        top = float(np.nanmax(share)) if np.isfinite(share).any() else 1.0
        self.image.setImage(share, levels=(0, top), autoLevels=False)
        self.image.setRect(QRectF(first + 0.5, s.edges[0], last - first + 1, s.edges[-1] - s.edges[0]))
        self.bar.setLevels((0, top))
        xs = np.array(s.iterations) + 1
        for line, (j, _style, _w) in zip(self.lines, LINES):
            line.setData(xs, s.percentiles[:, j])
        self.plot.setXRange(first + 0.5, last + 1.5, padding=0)
        self.plot.setYRange(s.edges[0], s.edges[-1], padding=0.02)
        lost = int(s.nonfinite.sum())
        self.caption.setText(
            f"<b>{s.key}</b>, {describe(s.key)}: iterations {first + 1}–{last + 1}, {len(s.edges) - 1} bins from "
            f"{format_value(s.edges[0])} to {format_value(s.edges[-1])}, the same at every iteration. "
            f"Lines: median (solid), {PERCENTILES[2]:g}th–{PERCENTILES[6]:g}th percentiles (±1σ, dashed), "
            f"min and max (dotted)." + (f" {lost:,} NaN/Inf values left out." if lost else ""))

    # --- the mouse ----------------------------------------------------------------------------

    def _at(self, scene_pos):
        """(t, bin) under a scene position, or None."""
        s = self.current
        if s is None or not s.iterations or not self.plot.sceneBoundingRect().contains(scene_pos):
            return None
        p = self.plot.vb.mapSceneToView(scene_pos)
        it = int(round(p.x())) - 1
        if it not in s.iterations:
            return None
        b = int(np.searchsorted(s.edges, p.y(), side="right")) - 1
        return s.iterations.index(it), b if 0 <= b < len(s.edges) - 1 else None

    def _on_moved(self, pos) -> None:
        at = self._at(pos)
        if at is None:
            return
        t, b = at
        s = self.current
        text = f"iteration {s.iterations[t] + 1}: median {format_value(s.percentiles[t, 4])}"
        if b is not None:
            n, total = int(s.counts[t, b]), max(int(s.counts[t].sum()), 1)
            text += (f"; [{format_value(s.edges[b])}, {format_value(s.edges[b + 1])}): {n:,} values "
                     f"({100 * n / total:.1f}%)")
        self.hover.setText(text)

    def _on_clicked(self, event) -> None:
        at = self._at(event.scenePos())
        if at is not None:
            self.sigIterationClicked.emit(int(self.current.iterations[at[0]]))
