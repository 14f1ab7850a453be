"""What every panel draws from: one immutable StepView per redraw (no Qt here).

The main window builds a StepView after each phase (or, while running, at a throttled rate) and
hands it to every panel's ``update_view(view)``. Panels never read the engine directly.

Array keys in ``view.arrays`` (everything produced so far in the current iteration, or, between
iterations, the whole of the last one) follow core.stepper.Snapshot:

  "<layer>.out"            forward output, (N, C, H, W) or (N, F)
  "<layer>.<name>"         intermediates from the layer's inspect() (e.g. "pool1.argmax")
  "probs" (N, K), "loss" ()
  "probs.grad"             ∂L/∂ŷ (N, K)
  "<layer>.grad_out"       ∂L/∂(layer output), "<layer>.grad_in"  ∂L/∂(layer input)
  "<layer>.<param>.grad"   batch-averaged ∂L/∂θ (e.g. "conv1.weight.grad")
  "<layer>.<param>.old" / ".step" / ".new"   the update
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

from core.notation import Quantity, Symbol, output_symbols, weight_symbols


@dataclass(frozen=True)
class StepView:
    phase: str | None  # the phase just run ("forward:conv1", "loss", "backward:fc2", "update"), None before any
    layer: str | None  # the layer it touched (to highlight), None for loss/update
    iteration: int
    epoch: int
    nodes: tuple  # core.network.Node, in order
    classes: tuple[str, ...]
    x: np.ndarray | None  # the batch (N, C, H, W), None before any step
    y: np.ndarray | None  # labels (N,)
    arrays: Mapping[str, np.ndarray]
    params: Mapping[str, Mapping[str, np.ndarray]]
    quantities: tuple[Quantity, ...] = ()  # labelled quantities of the backward phases so far
    focus: int = 0  # the sample of the batch the panels show
    lr: float = 0.0
    history: Mapping = field(default_factory=dict)  # core.stepper.History.to_dict()
    # (layer, sample) -> that sample's share of the layer's gradients; None when not available
    per_sample_grads: Callable[[str, int], dict] | None = None

    @property
    def output_symbols(self) -> dict[str, Symbol]:
        """Layer name -> the lecture's name of its output (z⁽¹⁾, f(z⁽¹⁾), a⁽¹⁾, …)."""
        return dict(zip((n.name for n in self.nodes), output_symbols(list(self.nodes))))

    @property
    def weight_symbols(self) -> dict[str, Symbol]:
        """Layer name -> g⁽ᶜ⁾ / W⁽ᵈ⁾ for weighted layers."""
        return weight_symbols(list(self.nodes))

    def focused(self, key: str) -> np.ndarray | None:
        """The focused sample's slice of a batch array, or None if it was not produced yet."""
        a = self.arrays.get(key)
        if a is None or a.ndim == 0:
            return a
        return a[min(self.focus, len(a) - 1)]


def shape_text(shape) -> str:
    """(6, 24, 24) -> '6×24×24'; (120,) -> '120'."""
    return "×".join(str(int(s)) for s in shape)


def empty_view(nodes, classes, params) -> StepView:
    return StepView(None, None, 0, 0, tuple(nodes), tuple(classes), None, None, {}, params)
