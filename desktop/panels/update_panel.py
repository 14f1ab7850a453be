"""The parameter update of one layer: old g − α ∂L/∂g = new g, as three images side by side.

In the update phase (and after it, until the next iteration starts) the values are the engine's
"<layer>.weight.old", ".step", ".new" (the optimiser's move, −α·∂L/∂g for SGD). Before it, the
panel shows the current weights and the pending SGD step −α·∂L/∂g once the gradient exists.
Old and new share one colour scale; the step has its own (it is much smaller).
"""

from __future__ import annotations

from core.view import StepView
from desktop.panels.base import Panel
from desktop.panels.image_grid import DIVERGING, symmetric_levels


class UpdatePanel(Panel):
    title = "Update"

    def __init__(self, parent=None):
        super().__init__(parent)
        self.make_layer_body(caption_pt=14)
        self._pending_from: tuple = ()  # (grad, old, lr, step, new) of the last pending step

    def draw(self, view: StepView) -> str | None:
        layer = self.layer.sync(view)
        if layer is None:
            return "This network has no weighted layers"
        w = view.weight_symbols[layer].unicode
        base = f"{layer}.weight"
        if f"{base}.new" in view.arrays:
            keys = (f"{base}.old", f"{base}.step", f"{base}.new")
            old, step, new = (view.arrays[k] for k in keys)
            note = "applied in the update phase"
        else:
            grad = view.arrays.get(f"{base}.grad")
            old = view.params[layer]["weight"]
            if grad is None:
                keys, step, new = (base,), None, None
                note = f"∂L/∂{w} is not computed yet: the step appears after backward:{layer}"
            else:
                keys = (base, f"{base}.step", f"{base}.new")
                step, new = self._pending_step(grad, old, view.lr)
                note = "pending: SGD's step, applied in the update phase"
        self.grid.set_cells([["old", "step", "new"]], colorbars=True)  # fixed cells: nothing rebuilt
        lv = symmetric_levels(old if new is None else [old, new])
        self.grid.set_map("old", old, f"old {w}", lv, DIVERGING, hover_key=keys[0])
        self.record(keys[0], old)
        if step is not None:
            self.grid.set_map("step", step, f"− α ∂L/∂{w}   (max |step| {abs(step).max():.2g})",
                              symmetric_levels(step), DIVERGING, highlight=view.phase == "update", hover_key=keys[1])
            self.grid.set_map("new", new, f"new {w}", lv, DIVERGING, hover_key=keys[2])
            self.record(keys[1], step)
            self.record(keys[2], new)
        else:
            self.grid.clear_map("step", f"− α ∂L/∂{w}: not computed yet")
            self.grid.clear_map("new", f"new {w}")
        self.caption.setText(f"<b>new {w} = old {w} − α ∂L/∂{w}</b> &nbsp; with α = {view.lr:g} "
                             f"&nbsp; <span style='font-size:10pt; color:#999'>({note})</span>")
        return None

    def _pending_step(self, grad, old, lr: float):
        """−α ∂L/∂W and old + it, read-only, made once per (grad, old, lr): the grid shows the
        same arrays again without re-rendering them (``old`` is a new view of the same memory
        with each view, so its memory is compared; both are kept referenced meanwhile)."""
        p = self._pending_from
        if not (p and p[0] is grad and p[2] == lr and p[1].__array_interface__ == old.__array_interface__):
            step = -lr * grad
            new = old + step
            step.setflags(write=False)
            new.setflags(write=False)
            self._pending_from = p = (grad, old, lr, step, new)
        return p[3], p[4]
