"""Tanh layer: a sigmoid stretched to (−1, 1) and centred on zero.

Forward::      a⁽ˡ⁾ = f(z⁽ˡ⁾) = tanh(z⁽ˡ⁾) = 2 σ(2 z⁽ˡ⁾) − 1
Backward::     ∂L/∂z⁽ˡ⁾ = ∂L/∂a⁽ˡ⁾ · (1 − f(z⁽ˡ⁾)²)

Like the sigmoid, the derivative needs only the output a, which is the cache.
"""

from __future__ import annotations

import math

import numpy as np

from core.api import Formula, Layer, LayerSpec, TorchModule
from core.explain import Elementwise, fmt


class TanhExplainer(Elementwise):
    """a = tanh(z), f′ = 1 − a²."""

    f_text = "tanh(z)"

    def value(self, layer, z):
        return math.tanh(z)

    def slope(self, layer, a):
        return 1.0 - a * a

    def slope_text(self, zs):
        return f"(1 − f({zs})²)"

    def slope_note(self, zs, a):
        return f"f′(z) = 1 − f(z)² with f({zs}) = {fmt(a)}"


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
    explainer = TanhExplainer()

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

    def saturated(self, a, margin):
        """|a| > 1 − margin: there f′ = 1 − a² < 2·margin."""
        return np.abs(a) > 1 - margin

    def to_torch(self, in_shape):
        return TorchModule("Tanh")

    def to_onnx(self, g, x, in_shape):
        return g.op("Tanh", [x])
