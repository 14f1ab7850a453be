"""The network's answer for the focused sample: softmax ŷ beside the one-hot label y, and ŷ − y.

ŷ − y is ∂L/∂z⁽ᴸ⁾ of this one sample (the batch's carries a further 1/N): the error the backward
pass starts from. Bars in pyqtgraph BarGraphItems, class names on the x axis.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from core.view import StepView
from desktop.panels.base import KEEP, Panel
from desktop.panels.plot_style import ThemedLayoutWidget

BLUE, RED, GREY = (66, 133, 244), (229, 57, 53), (180, 180, 180)


class OutputPanel(Panel):
    title = "Output ŷ"

    def __init__(self, parent=None):
        super().__init__(parent)
        self.plots = ThemedLayoutWidget()
        self.caption = self.make_captioned_body(self.plots, caption_pt=10)
        self.top = self.plots.addPlot(row=0, col=0)
        self.bottom = self.plots.addPlot(row=1, col=0)
        for p, label, yr, ticks in ((self.top, "ŷ, y", (0, 1.05), ((0, "0"), (0.5, "0.5"), (1, "1"))),
                                    (self.bottom, "ŷ − y", (-1.05, 1.05), ((-1, "−1"), (0, "0"), (1, "1")))):
            p.setLabel("left", label)
            p.setLabel("bottom", "class")
            p.setYRange(*yr, padding=0)
            p.getAxis("left").setTicks([list(ticks)])  # three labels stay legible in a low plot
            p.setMouseEnabled(False, False)
            p.setMenuEnabled(False)
            p.hideButtons()
            p.showGrid(y=True, alpha=0.3)
        self.probs = pg.BarGraphItem(x=[], height=[], width=0.4, brush=BLUE, name="ŷ")
        self.label = pg.BarGraphItem(x=[], height=[], width=0.4, brush=(0, 0, 0, 0), pen=pg.mkPen(GREY, width=2),
                                     name="y (one-hot)")
        self.diff = pg.BarGraphItem(x=[], height=[], width=0.6)
        self.top.addItem(self.probs)
        self.top.addItem(self.label)
        self.bottom.addItem(self.diff)
        self.bottom.addLine(y=0, pen=pg.mkPen(GREY))
        self._classes: tuple = ()
        self.plots.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self.plots.restyle()

    def draw(self, view: StepView) -> str | None:
        probs = view.focused("probs")
        if probs is None and (view.iteration == 0 or view.y is None):
            return "ŷ = softmax(z) appears after the loss phase: Step (F11) through the forward pass"
        focus = min(view.focus, len(view.y) - 1)
        if probs is None:  # a later iteration's forward pass: the plots stay, empty until the loss
            if self.unchanged(None, view.y, focus, view.classes):
                return KEEP
            for bars in (self.probs, self.label, self.diff):
                bars.setOpacity(0)  # (not new data: that re-bounds the plots and repaints them thrice)
            self.caption.setText(f"sample {focus + 1}: label y = <b>{view.classes[int(view.y[focus])]}</b>. "
                                 "ŷ = softmax(z) appears after the loss phase.")
            return None
        k = len(probs)
        if self.unchanged(view.arrays["probs"], view.y, focus, view.classes):
            return KEEP  # the backward phases leave ŷ as it is
        y = np.zeros(k)
        y[int(view.y[focus])] = 1
        diff = probs - y
        xs = np.arange(k)
        if view.classes != self._classes:
            self._classes = view.classes
            ticks = [[(i, str(c)) for i, c in enumerate(view.classes)]]
            for p in (self.top, self.bottom):
                p.getAxis("bottom").setTicks(ticks)
                p.setXRange(-0.6, k - 0.4, padding=0)
        for bars in (self.probs, self.label, self.diff):
            bars.setOpacity(1)
        self.probs.setOpts(x=xs - 0.2, height=probs)
        self.label.setOpts(x=xs + 0.2, height=y)
        self.diff.setOpts(x=xs, height=diff, brushes=[pg.mkBrush(RED if d > 0 else BLUE) for d in diff])
        pred = int(np.argmax(probs))
        label = int(view.y[focus])
        self.caption.setText(f"Sample {focus + 1}: y = <b>{view.classes[label]}</b> (ŷ = {probs[label]:.2f}), "
                             f"predicted <b>{view.classes[pred]}</b> (ŷ = {probs[pred]:.2f}). Top: ŷ, and y outlined; "
                             f"below: ŷ − y = ∂L⁽ˢ⁾/∂z, <span style='color:#e53935'>red</span> too high, "
                             f"<span style='color:#4285f4'>blue</span> too low.")
        prefix = (("sample", focus),)
        self.record("probs", probs, prefix)
        self.record("y", y, prefix)
        self.record("probs-y", diff, prefix)
        return None

    def _on_mouse_moved(self, pos) -> None:
        for plot, key in ((self.top, "probs"), (self.bottom, "probs-y")):
            if key in self._shown and plot.sceneBoundingRect().contains(pos):
                i = int(round(plot.vb.mapSceneToView(pos).x()))
                if 0 <= i < len(self._shown[key]):
                    self.hover_at(key, (i,))
                return
