"""Tanh layer: a sigmoid stretched to (−1, 1) and centred on zero.

Forward::      a⁽ˡ⁾ = f(z⁽ˡ⁾) = tanh(z⁽ˡ⁾) = 2 σ(2 z⁽ˡ⁾) − 1
Backward::     ∂L/∂z⁽ˡ⁾ = ∂L/∂a⁽ˡ⁾ · (1 − f(z⁽ˡ⁾)²)

Like the sigmoid, the derivative needs only the output a, which is the cache.
"""

from __future__ import annotations

import numpy as np

from core.api import Formula, Layer, LayerSpec


class Tanh(Layer):
    """Element-wise hyperbolic tangent. Any shape in, same shape out; no parameters."""

    spec = LayerSpec(
        id="tanh",
        name="Tanh",
        category="Activation",
        description=(
            "a = tanh(z), element-wise: squashes every value into (−1, 1), centred on zero. "
            "Its derivative 1 − a² is at most 1."
        ),
    )
    formula = Formula(
        forward="a⁽ˡ⁾ = f(z⁽ˡ⁾) = tanh(z⁽ˡ⁾)",
        backward="∂L/∂z⁽ˡ⁾ = ∂L/∂a⁽ˡ⁾ · (1 − f(z⁽ˡ⁾)²)",
    )
    init = "glorot"

    def output_shape(self, in_shape: tuple) -> tuple:
        return tuple(in_shape)

    def forward(self, x, params, train=True):
        """z (N, ...) -> a = tanh(z), same shape, dtype and memory order; cache = a."""
        a = np.tanh(x)
        return a, a

    def backward(self, dout, cache):
        """dout = ∂L/∂a -> ∂L/∂z = dout · (1 − a²)."""
        a = cache
        dz = np.multiply(a, a)
        np.subtract(1, dz, out=dz)
        dz *= dout
        return dz, {}
