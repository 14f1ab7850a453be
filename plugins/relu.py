"""ReLU layer: the rectified linear unit, the usual replacement for the lecture's sigmoid.

Forward::      a⁽ˡ⁾ = f(z⁽ˡ⁾) = max(0, z⁽ˡ⁾)
Backward::     ∂L/∂z⁽ˡ⁾ = ∂L/∂a⁽ˡ⁾ · f′(z⁽ˡ⁾),   f′(z) = 1 if z > 0 else 0

At the kink z = 0 the derivative is taken as 0, as in PyTorch. The output a is the cache:
a > 0 exactly where z > 0.
"""

from __future__ import annotations

import numpy as np

from core.api import Formula, Layer, LayerSpec, TorchModule
from core.explain import Elementwise, fmt


class ReLUExplainer(Elementwise):
    """a = max(0, z), f′ = [z > 0] = [a > 0]."""

    f_text = "max(0, z)"

    def value(self, layer, z):
        return max(0.0, z)

    def slope(self, layer, a):
        return 1.0 if a > 0 else 0.0

    def slope_text(self, zs):
        return f"[{zs} > 0]"

    def slope_note(self, zs, a):
        return f"f′(z) = 1 where z > 0, else 0 (f({zs}) = {fmt(a)})"


class ReLU(Layer):
    """Element-wise max(0, z). Any shape in, same shape out; no parameters."""

    spec = LayerSpec(
        id="relu",
        name="ReLU",
        category="Activation",
        description=(
            "a = max(0, z), element-wise: passes positive values, zeroes the rest. The "
            "gradient passes unchanged where z > 0 and is stopped elsewhere."
        ),
    )
    formula = Formula(
        forward="a⁽ˡ⁾ = f(z⁽ˡ⁾) = max(0, z⁽ˡ⁾)",
        backward="∂L/∂z⁽ˡ⁾ = ∂L/∂a⁽ˡ⁾ · [z⁽ˡ⁾ > 0]",
    )
    init = "he"
    explainer = ReLUExplainer()

    def output_shape(self, in_shape: tuple) -> tuple:
        return tuple(in_shape)

    def forward(self, x, params, train=True):
        """z (N, ...) -> a = max(0, z), same shape, dtype and memory order; cache = a."""
        a = np.maximum(x, 0)
        return a, a

    def backward(self, dout, cache):
        """dout = ∂L/∂a -> ∂L/∂z = dout where a > 0, else 0."""
        return np.multiply(dout, cache > 0), {}

    def inactive(self, a):
        """a ≤ 0: there f′ = 0 and no gradient passes."""
        return a <= 0

    def to_torch(self, in_shape):
        return TorchModule("ReLU")

    def to_onnx(self, g, x, in_shape):
        return g.op("Relu", [x])
