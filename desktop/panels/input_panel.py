"""The focused sample's input x with its label and, once ŷ exists, the prediction (the whole batch is
desktop.batch_panel's)."""

from __future__ import annotations

import numpy as np

from core.view import StepView
from desktop.panels.base import Panel
from desktop.panels.image_grid import GREY


class InputPanel(Panel):
    title = "Input"

    def __init__(self, parent=None):
        super().__init__(parent)
        self.grid = self.make_grid()
        self.header = self.make_captioned_body(self.grid, caption_pt=11)

    def draw(self, view: StepView) -> str | None:
        if view.x is None:
            return "Step (F11) to run the first phase: it draws a batch and shows its first sample here"
        n = len(view.x)
        focus = min(view.focus, n - 1)
        x = view.x[focus]
        label = int(view.y[focus])
        text = f"x · sample {focus + 1}/{n} · y = <b>{view.classes[label]}</b>"
        tip = f"x: sample {focus + 1} of the batch of {n}; its label y is {view.classes[label]}"
        probs = view.focused("probs")
        if probs is not None:
            pred = int(np.argmax(probs))
            ok = "#4caf50" if pred == label else "#f44336"
            text += f" · ŷ = <b style='color:{ok}'>{view.classes[pred]}</b> (p {probs[pred]:.2f})"
            tip += (f"; the network's prediction ŷ is {view.classes[pred]} with p = {probs[pred]:.2f} "
                    f"(p of the label = {probs[label]:.2f})")
        self.header.setText(text)
        self.header.setToolTip(tip)
        self.grid.set_cells([["x"]])
        lo, hi = float(min(0.0, view.x.min())), float(max(1.0, view.x.max()))
        self.grid.set_map("x", x, f"x (sample {focus + 1}, y = {view.classes[label]})", (lo, hi), GREY)
        self.record("x", x, prefix=(("sample", focus),))
        return None
