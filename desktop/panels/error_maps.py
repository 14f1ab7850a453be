"""Backpropagated errors ∂L/∂z of the focused sample, as the lecture writes them, labelled as its steps.

They are the sample's own: the errors of its loss L⁽ˢ⁾ (``StepView.sample_value``: N times its row
of the batch loss's errors), so ∂L/∂z⁽⁴⁾ is ŷ − y exactly, as in the lecture's K = 5 example. The
batch mean enters where the lecture puts it, in the weight gradients ("average the gradient
across the batch"), which the weight-gradient panel shows.

Every error the backward pass produces — ∂L/∂ŷ, ∂L/∂z⁽⁴⁾, ∂L/∂a⁽³⁾, ∂L/∂z⁽³⁾ … ∂L/∂x — in the
order it is computed (last layer first); those not computed yet in this iteration are greyed (the
same title, so that nothing is laid out again as the backward pass fills them).
Flatten layers' errors are left out (the same numbers as the dense layer's, reshaped). Colours:
blue-white-red, levels symmetric around zero, one colour bar per map (the errors shrink by orders
of magnitude going backward, so a shared scale would show only the last layer).
"""

from __future__ import annotations

from core.notation import backward_quantities
from core.view import StepView, shape_text
from desktop.panels.base import Panel
from desktop.panels.image_grid import DIVERGING, symmetric_levels

COLUMNS = 3
CAPTION = ("Sample {s}'s own errors (of its loss L⁽ˢ⁾: ∂L/∂z⁽⁴⁾ = ŷ − y), in backprop's order; "
           "step k: the lecture's. Greyed: not computed yet.")


def error_quantities(nodes) -> list:
    """The error quantities (not parameter gradients) in backward order, flatten layers skipped."""
    per_node = backward_quantities(list(nodes))
    out = []
    for node, qs in zip(reversed(nodes), reversed(per_node)):
        if node.layer.spec.category == "Reshape":
            continue
        out += [q for q in qs if q.key == "probs.grad" or q.key.endswith((".grad_in", ".grad_out"))]
    return out


def error_shapes(nodes) -> dict[str, tuple]:
    """One sample's shape of each error: ∂L/∂ŷ and a layer's ∂L/∂(output) have its output's shape,
    ∂L/∂(input) its input's."""
    shapes = {"probs.grad": tuple(nodes[-1].out_shape)}
    for node in nodes:
        shapes[f"{node.name}.grad_out"] = tuple(node.out_shape)
        shapes[f"{node.name}.grad_in"] = tuple(node.in_shape)
    return shapes


class ErrorMapsPanel(Panel):
    title = "Error maps ∂L/∂z"

    def __init__(self, parent=None):
        super().__init__(parent)
        self.grid = self.make_grid()
        self.caption = self.make_captioned_body(self.grid, caption_pt=9)
        self.caption.setText(CAPTION.format(s="s"))
        self.caption.setToolTip("The errors of the focused sample's own loss L⁽ˢ⁾, as the lecture derives them "
                                "for one sample (so ∂L/∂z⁽⁴⁾ = ŷ − y), in the order backprop computes them, "
                                "last layer first; \"step k\" is the lecture's k-th backward step. The batch "
                                "mean enters at the weight gradients. A greyed map is not computed yet in this "
                                "iteration. Each map has its own colour bar.")

    def draw(self, view: StepView) -> str | None:
        qs = error_quantities(view.nodes)
        shapes = error_shapes(view.nodes)
        keys = [q.key for q in qs]
        self.grid.set_cells([keys[i:i + COLUMNS] for i in range(0, len(keys), COLUMNS)], colorbars=True)
        focus = min(view.focus, len(view.x) - 1) if view.x is not None else 0
        self.caption.setText(CAPTION.format(s=focus + 1))
        any_shown = False
        for q in qs:
            step = f"step {q.step} · " if q.step else ""
            title = f"{step}{q.label} ({shape_text(shapes[q.key])})"  # the levels: on the colour bar
            err = view.sample_value(q.key)
            if err is None:
                self.grid.clear_map(q.key, title)
                continue
            levels = symmetric_levels(err)
            layer = view.nodes[-1].name if q.key == "probs.grad" else q.key.split(".")[0]
            self.grid.set_map(q.key, err, title, levels, DIVERGING,
                              highlight=layer == view.layer and view.phase.startswith("backward"))
            self.record(q.key, err, prefix=(("sample", focus),))
            any_shown = True
        if any_shown or view.iteration > 0:  # (later iterations: the maps, greyed until computed)
            return None
        return ("The errors ∂L/∂z appear during the backward pass: "
                "Step (F11) through the forward pass and the loss first")
