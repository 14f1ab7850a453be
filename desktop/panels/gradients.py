"""Weight gradients ∂L/∂g, ∂L/∂W of one layer, and the batch dissected (the lecture's "Training Batch").

Left: the batch-averaged gradient the update uses ("<layer>.weight.grad"). Right: each sample's
share (1/N)·∂L⁽ˢ⁾/∂g for the first up to 8 samples, from ``view.sample_param_grads`` (the layer
run again on that sample's recorded input and error); the shares of all N samples add up to the
average. All maps share one symmetric level so their colours compare.

Each share costs a backward pass, so they are computed only while the panel is on screen, one
per event-loop turn after the average is drawn (a step never waits for them), and kept for the
iteration.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QTimer

from core.view import StepView
from desktop.panels.base import Panel
from desktop.panels.image_grid import DIVERGING, symmetric_levels

MAX_SAMPLES = 8
PER_ROW = 4


class GradientsPanel(Panel):
    title = "Weight gradients"

    def __init__(self, parent=None):
        super().__init__(parent)
        self.make_layer_body(caption_pt=12)
        self._cache: dict = {}  # layer -> the shares computed so far (None: not available)
        self._cache_id = None  # (epoch, iteration, N) the cache belongs to
        self._job = None  # (view, layer, m): shares still to compute, one per event-loop turn
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._work)

    def shares(self, view: StepView, layer: str, m: int, complete: bool = False) -> list[np.ndarray] | None:
        """The shares of samples 0..m-1 computed so far (all of them if ``complete``); None if the
        view cannot give them."""
        if (view.epoch, view.iteration, m) != self._cache_id:  # shares hold for a whole iteration
            self._cache, self._cache_id = {}, (view.epoch, view.iteration, m)
        done = self._cache.setdefault(layer, [])
        while complete and done is not None and len(done) < m:
            done = self._compute_one(view, layer)
        return done

    def _compute_one(self, view: StepView, layer: str) -> list | None:
        done = self._cache[layer]
        g = view.sample_param_grads(layer, len(done))
        if g is None:
            self._cache[layer] = None
            return None
        done.append(g["weight"] / len(view.y))
        return done

    def _work(self) -> None:
        job, self._job = self._job, None
        if job is None or job[0] is not self._view:  # a newer view came: its draw starts its own job
            return
        if not self.exposed():  # hidden meanwhile: go on when shown again
            self._pending = True
            return
        view, layer, m = job
        done = self._compute_one(view, layer) if self._cache.get(layer) is not None else None
        if done is not None and len(done) < m:
            self._job = job
            self._timer.start()
        else:
            self.redraw()

    def displayed(self) -> dict[str, np.ndarray]:
        """As Panel.displayed, with every share computed first (tests compare them with the engine)."""
        if self._job is not None:
            self._timer.stop()
            view, layer, m = self._job
            self._job = None
            self.shares(view, layer, m, complete=True)
            self._pending = True
        return super().displayed()

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
        n = len(view.y)
        m = min(n, MAX_SAMPLES)
        shares = self.shares(view, layer, m)
        computing = shares is not None and len(shares) < m
        if computing:  # draw the average now, the shares when they are done
            self._job = (view, layer, m)
            self._timer.start()
            shares = []
        slots = ["average"] + ([f"sample {s}" for s in range(m)] if shares is not None else [])  # fixed per N
        self.grid.set_cells([slots[:1 + PER_ROW]] + ([slots[1 + PER_ROW:]] if len(slots) > 1 + PER_ROW else []))
        levels = symmetric_levels(np.stack([grad] + (shares or [])))
        hl = view.layer == layer
        self.grid.set_map("average", grad, f"∂L/∂{wsym} = Σ / N (batch average)", levels, DIVERGING,
                          highlight=hl, hover_key=key)
        self.record(key, grad)
        for s, share in enumerate(shares or []):
            self.grid.set_map(slots[1 + s], share, f"sample {s + 1} (y = {view.classes[int(view.y[s])]})",
                              levels, DIVERGING, hover_key=f"{key}/sample {s}")
            self.record(f"{key}/sample {s}", share, prefix=(("sample", s),), name=key)
        if computing:
            for s in range(m):
                self.grid.clear_map(slots[1 + s], f"sample {s + 1}: computing…")
            self.caption.setText(f"∂L/∂{wsym}, averaged over the batch (N = {n}); colour scale ±{levels[1]:.2g}. "
                                 f"Computing each sample's share (1/N)·∂L⁽ˢ⁾/∂{wsym}…")
        elif shares:
            more = f" (samples 1–{m} of {n} shown)" if m < n else ""
            check = (f" Σ of the {n} shares − average: {np.abs(np.sum(shares, axis=0) - grad).max():.1e}."
                     if m == n else "")
            self.caption.setText(f"Each sample s of the batch adds its share (1/N)·∂L⁽ˢ⁾/∂{wsym}; "
                                 f"Σ / N over all N = {n} is the batch average the update uses{more}.{check} "
                                 f"Colour scale ±{levels[1]:.2g}.")
        else:
            self.caption.setText(f"∂L/∂{wsym}, averaged over the batch (N = {n}); colour scale ±{levels[1]:.2g}. "
                                 f"Per-sample shares are available while this iteration is being stepped.")
        return None
