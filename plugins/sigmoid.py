"""Sigmoid layer: the lecture's squashing non-linearity f.

Forward::      a⁽ˡ⁾ = f(z⁽ˡ⁾) = 1 / (1 + exp(−z⁽ˡ⁾))
Backward::     ∂L/∂z⁽ˡ⁾ = ∂L/∂a⁽ˡ⁾ · f′(z⁽ˡ⁾),   f′(z) = f(z) (1 − f(z))

The derivative needs only the output a, so a is the whole cache. Large |z| is safe: for z ≫ 0,
exp(−z) underflows to 0 and a = 1; for z ≪ 0, exp(−z) overflows to +inf and 1 / (1 + inf) = 0,
the correctly rounded limit. Both are expected and silenced. In between, the formula loses no
accuracy (no 1 − x cancellation), so a tiny output such as f(−30) ≈ 9.4e-14 keeps full relative
precision.
"""

from __future__ import annotations

import math

import numpy as np

from core.api import Formula, Layer, LayerSpec, TorchModule
from core.explain import Elementwise, fmt


class SigmoidExplainer(Elementwise):
    """a = 1 / (1 + exp(−z)), f′ = a (1 − a)."""

    f_text = "1 / (1 + exp(−z))"

    def value(self, layer, z):
        return 1.0 / (1.0 + math.exp(-z)) if z > -700 else 0.0

    def slope(self, layer, a):
        return a * (1.0 - a)

    def slope_text(self, zs):
        return f"f({zs})(1 − f({zs}))"

    def slope_note(self, zs, a):
        return f"f′(z) = f(z)(1 − f(z)) with f({zs}) = {fmt(a)}"


class Sigmoid(Layer):
    """Element-wise logistic function. Any shape in, same shape out; no parameters."""

    spec = LayerSpec(
        id="sigmoid",
        name="Sigmoid",
        category="Activation",
        description=(
            "a = 1 / (1 + exp(−z)), element-wise: squashes every value into (0, 1). Its "
            "derivative a(1 − a) is at most 1/4, so gradients shrink as they pass back."
        ),
    )
    formula = Formula(
        forward="a⁽ˡ⁾ = f(z⁽ˡ⁾) = 1 / (1 + exp(−z⁽ˡ⁾))",
        backward="∂L/∂z⁽ˡ⁾ = ∂L/∂a⁽ˡ⁾ · f(z⁽ˡ⁾)(1 − f(z⁽ˡ⁾))",
    )
    init = "glorot_sigmoid"
    explainer = SigmoidExplainer()

    def output_shape(self, in_shape: tuple) -> tuple:
        return tuple(in_shape)

    def forward(self, x, params, train=True):
        """z (N, ...) -> a (N, ...), same shape, dtype and memory order; cache = a."""
        with np.errstate(over="ignore", under="ignore"):
            a = np.negative(x)
            np.exp(a, out=a)
        a += 1
        np.reciprocal(a, out=a)
        return a, a

    def backward(self, dout, cache):
        """dout = ∂L/∂a -> ∂L/∂z = dout · a (1 − a)."""
        a = cache
        dz = np.subtract(1, a)
        dz *= a
        dz *= dout
        return dz, {}

    def saturated(self, a, margin):
        """a < margin or a > 1 − margin: there f′ = a(1 − a) < margin."""
        return (a < margin) | (a > 1 - margin)

    def to_torch(self, in_shape):
        return TorchModule("Sigmoid")

    def to_onnx(self, g, x, in_shape):
        return g.op("Sigmoid", [x])
