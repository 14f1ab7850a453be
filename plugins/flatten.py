"""Flatten layer: feature maps to one vector per sample, so a dense layer can follow.

Forward::      a[n, (c·H + h)·W + w] = a⁽ˡ⁾[n, c, h, w]      (C, H, W order, as in PyTorch)
Backward::     ∂L/∂a⁽ˡ⁾ = the same numbers put back in (C, H, W) shape

Nothing is learned and nothing is computed: both directions are reshapes (views when the memory
order allows, which it does for every built-in layer's output).
"""

from __future__ import annotations

import math

from core.api import Formula, Layer, LayerSpec


class Flatten(Layer):
    """(N, C, H, W) -> (N, C·H·W); any per-sample shape is flattened in C order."""

    spec = LayerSpec(
        id="flatten",
        name="Flatten",
        category="Reshape",
        description=(
            "Lays each sample's feature maps out as one vector (channel by channel, row by row) "
            "so that a fully connected layer can follow."
        ),
    )
    formula = Formula(
        forward="a = vec(a⁽ˡ⁾),  index (c, i, j) ↦ (c·H + i)·W + j",
        backward="∂L/∂a⁽ˡ⁾ = reshape(∂L/∂a, (C, H, W))",
    )

    def output_shape(self, in_shape: tuple) -> tuple:
        return (math.prod(in_shape),)

    def forward(self, x, params, train=True):
        """x (N, C, H, W) -> (N, C·H·W); cache = x's shape."""
        return x.reshape(x.shape[0], -1), x.shape

    def backward(self, dout, cache):
        """dout (N, C·H·W) -> (N, C, H, W)."""
        return dout.reshape(cache), {}
