"""12.5's training batch (Qt-free): every sample's own ∂L/∂g, their average, the update.

    sum( x⁽ˢ⁾ ⊙ ∂L⁽ˢ⁾/∂z⁽¹⁾ ) = ∂L⁽ˢ⁾/∂g⁽¹⁾      (performed in a sliding window fashion: one sum per
                                                  kernel position (m, n), over the window it shifts to)
    ∂L/∂g⁽¹⁾ = (1/N) Σₛ ∂L⁽ˢ⁾/∂g⁽¹⁾                "Average the Gradient Across the Batch"
    new g⁽¹⁾ = old g⁽¹⁾ − α ∂L/∂g⁽¹⁾               (the slide leaves α out; the update has it)

The same for g⁽²⁾ with a⁽¹⁾ in place of x. The per-sample gradients are the engine's
(StepView.sample_param_grads: the layer run on that one sample); ``window_product`` writes out
the slide's sum for one kernel position, so a test can check it against them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class BatchGradients:
    layer: str
    inputs: np.ndarray  # (N, C, H, W): x, or the activation the layer reads
    errors: np.ndarray  # (N, F, Ho, Wo): each sample's own ∂L⁽ˢ⁾/∂z
    per_sample: np.ndarray  # (N, F, C, kh, kw): each sample's own ∂L⁽ˢ⁾/∂g
    engine_mean: np.ndarray  # (F, C, kh, kw): the layer's .weight.grad, what the update uses

    @property
    def mean(self) -> np.ndarray:
        return self.per_sample.mean(axis=0)


def layer_input(view, layer: str) -> np.ndarray | None:
    names = [n.name for n in view.nodes]
    k = names.index(layer)
    return view.x if k == 0 else view.arrays.get(f"{names[k - 1]}.out")


def batch_gradients(view, layer: str) -> BatchGradients | None:
    """None until the backward pass has reached ``layer``."""
    grad = view.arrays.get(f"{layer}.weight.grad")
    inputs = layer_input(view, layer)
    if grad is None or inputs is None:
        return None
    n = view.batch_size
    per = np.stack([np.asarray(view.sample_param_grads(layer, s)["weight"], dtype=np.float64) for s in range(n)])
    errors = np.stack([np.asarray(view.sample_value(f"{layer}.grad_out", s), dtype=np.float64) for s in range(n)])
    return BatchGradients(layer, np.asarray(inputs, dtype=np.float64), errors, per, np.asarray(grad, np.float64))


def window_product(inputs: np.ndarray, errors: np.ndarray, f: int, c: int, m: int, n: int,
                   stride: int = 1, padding: int = 0) -> np.ndarray:
    """The slide's x ⊙ ∂L/∂z for kernel position (m, n) of filter f, input channel c, one sample:
    the input window shifted by (m, n), times the error map; its sum is ∂L/∂g[f, c, m, n].
    inputs (C, H, W), errors (F, Ho, Wo)."""
    a = np.pad(inputs[c], padding) if padding else inputs[c]
    ho, wo = errors.shape[1:]
    win = a[m:m + stride * (ho - 1) + 1:stride, n:n + stride * (wo - 1) + 1:stride]
    return win * errors[f]
