"""Weight gradients ∂L/∂g, ∂L/∂W of one layer, and the batch dissected (the lecture's "Training Batch").

Top: the gradient the update uses, ∂L/∂g = (1/N) Σₛ ∂L⁽ˢ⁾/∂g ("<layer>.weight.grad"). Below, a
page of the samples' own gradients ∂L⁽ˢ⁾/∂g, each on its own colour scale (they differ by orders
of magnitude: a well-classified sample contributes little), from ``view.sample_param_grads`` —
the layer run again on that sample's recorded input and error. The caption checks that their
mean over all N samples is the batch gradient. ‹ and › page through the batch.

Every sample's gradient costs a small forward and backward of one layer; they are computed only
while the panel is on screen, a few per event-loop turn after the average is drawn (a step never
waits for them), and cached in the view.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QToolButton

from core.view import StepView
from desktop.panels.base import Panel
from desktop.panels.image_grid import DIVERGING, symmetric_levels

PAGE = 8  # samples per page
PER_ROW = 4
CHUNK = 4  # samples' gradients computed per event-loop turn


class GradientsPanel(Panel):
    title = "Weight gradients"

    def __init__(self, parent=None):
        super().__init__(parent)
        self.make_layer_body(caption_pt=11)
        self.page = 0  # which PAGE samples are shown
        self.prev_button, self.next_button = QToolButton(), QToolButton()
        self.prev_button.setText("‹ samples")
        self.next_button.setText("samples ›")
        self.prev_button.setToolTip("The previous samples of the batch")
        self.next_button.setToolTip("The next samples of the batch")
        self.prev_button.clicked.connect(lambda: self.turn(-1))
        self.next_button.clicked.connect(lambda: self.turn(+1))
        self.layer_row.addWidget(self.prev_button)
        self.layer_row.addWidget(self.next_button)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._work)
        self._job: tuple | None = None  # (view, layer): the mean check still to compute

    def turn(self, pages: int) -> None:
        n = self._view.batch_size if self._view is not None else 0
        last = max(0, (n - 1) // PAGE)
        self.page = min(max(self.page + pages, 0), last)
        self.redraw()

    # --- the samples' own gradients ---------------------------------------------------------------

    @staticmethod
    def own(view: StepView, layer: str, s: int) -> np.ndarray | None:
        g = view.sample_param_grads(layer, s)
        return None if g is None else g.get("weight")

    def mean_check(self, view: StepView, layer: str, complete: bool = False) -> float | None:
        """max |mean over all samples of ∂L⁽ˢ⁾/∂g − ∂L/∂g|, once every sample's is computed (all of
        them now if ``complete``); None while they are not."""
        n = view.batch_size
        if len(view.computed_samples(layer)) < n and not complete:
            return None
        owns = [self.own(view, layer, s) for s in range(n)]
        if any(g is None for g in owns):
            return None
        mean = np.mean(np.stack(owns).astype(np.float64), axis=0)
        return float(np.abs(mean - view.arrays[f"{layer}.weight.grad"]).max())

    def _work(self) -> None:
        """Compute a few more samples' gradients for the mean check; redraw when all are there."""
        job, self._job = self._job, None
        if job is None or job[0] is not self._view:
            return
        if not self.exposed():
            self._pending = True
            return
        view, layer = job
        done = view.computed_samples(layer)
        todo = [s for s in range(view.batch_size) if s not in done]
        for s in todo[:CHUNK]:
            self.own(view, layer, s)
        if len(todo) > CHUNK:
            self._job = job
            self._timer.start()
        else:
            self.redraw()

    def displayed(self) -> dict[str, np.ndarray]:
        """As Panel.displayed, with the mean check done first (tests compare it with the engine)."""
        if self._job is not None:
            self._timer.stop()
            self._job = None
            self._pending = True
        return super().displayed()

    # --- drawing ----------------------------------------------------------------------------------

    def draw(self, view: StepView) -> str | None:
        self._job = None
        layer = self.layer.sync(view)
        if layer is None:
            return "This network has no weighted layers"
        wsym = view.weight_symbols[layer].unicode
        key = f"{layer}.weight.grad"
        grad = view.arrays.get(key)
        if grad is None:
            return (f"∂L/∂{wsym} of {layer} appears when the backward pass reaches {layer}: "
                    f"Step (F11) on through the loss and the backward phases")
        n = view.batch_size
        self.page = min(self.page, max(0, (n - 1) // PAGE))
        first = self.page * PAGE
        samples = list(range(first, min(first + PAGE, n)))
        slots = [f"s{i}" for i in range(PAGE)]
        self.grid.set_cells([["average"]] + [slots[i:i + PER_ROW] for i in range(0, PAGE, PER_ROW)],
                            colorbars=True)  # fixed cells: turning a page changes pixels only
        hl = view.layer == layer
        self.grid.set_map("average", grad, f"∂L/∂{wsym} = (1/N) Σₛ ∂L⁽ˢ⁾/∂{wsym}   (N = {n})",
                          symmetric_levels(grad), DIVERGING, highlight=hl, hover_key=key)
        self.record(key, grad)
        for slot, s in zip(slots, samples + [None] * PAGE):
            if s is None:
                self.grid.clear_map(slot, "")
                continue
            g = self.own(view, layer, s)
            title = f"sample {s + 1}: ∂L⁽ˢ⁾/∂{wsym} (y = {view.classes[int(view.y[s])]})"
            if g is None:
                self.grid.clear_map(slot, title)
                continue
            self.grid.set_map(slot, g, title, symmetric_levels(g), DIVERGING, hover_key=f"{key}/sample {s}")
            self.record(f"{key}/sample {s}", g, prefix=(("sample", s),), name=key)
        self.prev_button.setEnabled(self.page > 0)
        self.next_button.setEnabled(first + PAGE < n)
        check = self.mean_check(view, layer)
        where = f"samples {first + 1}–{samples[-1] + 1} of {n}"
        if check is None:
            self._job = (view, layer)
            self._timer.start()
            tail = f"Checking that their mean over all {n} is ∂L/∂{wsym}…"
        else:
            tail = f"Their mean over all {n} samples is ∂L/∂{wsym} above (largest difference {check:.1e})."
        self.caption.setText(f"Each sample's own gradient ∂L⁽ˢ⁾/∂{wsym} ({where}), each on its own colour scale. "
                             f"{tail}")
        return None
