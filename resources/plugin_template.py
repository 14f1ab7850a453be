"""A template layer plugin: the leaky ReLU, with its slope as a hyperparameter.

Copy this file into a plugin folder — one named in BACKSTEP_PLUGIN_PATH, or the per-user folder
(``~/.local/share/backstep/plugins`` on Linux, see docs/plugins.md for others;
``$BACKSTEP_DATA_DIR/plugins`` if that is set) — rename the
class, the id and the maths, and save: a running Backstep reloads it, gradient-checks it and puts
it in the palette. ``python main.py plugins`` lists what loaded; docs/plugins.md is the guide.

Forward::      a⁽ˡ⁾ = f(z⁽ˡ⁾) = z⁽ˡ⁾ if z⁽ˡ⁾ > 0 else s · z⁽ˡ⁾          (s = slope)
Backward::     ∂L/∂z⁽ˡ⁾ = ∂L/∂a⁽ˡ⁾ · f′(z⁽ˡ⁾),   f′(z) = 1 if z > 0 else s

The contract (core.api): tensors are batch-first, (N, C, H, W) or (N, F); ``forward`` returns
(out, cache) and keeps no state on ``self``; ``backward(dout, cache)`` returns (dx, grads) with one
gradient per parameter (none here). Hyperparameters arrive validated in ``self.hp``.

Optional, below the maths: ``explainer`` (the formula of a clicked element with its numbers, in
the debugger's formula view), ``to_torch`` and ``to_onnx`` (bench --compare-torch, export to PyTorch
and ONNX) and ``saturated``/``inactive`` (the health monitor). docs/plugins.md explains each.
"""

from __future__ import annotations

import numpy as np

from core.api import Formula, HyperParam, Layer, LayerSpec, TorchModule
from core.explain import Elementwise


class LeakyReLUExplainer(Elementwise):
    """The formula view's numbers for a = f(z): f(z) for an output, ∂L/∂a · f′ for an error.

    For a layer that is not element-wise, subclass core.explain.Explainer instead and return a
    core.explain.Derivation from forward / grad_in / param_grad (docs/plugins.md).
    """

    f_text = "max(z, s·z)"

    def value(self, layer, z):
        return z if z > 0 else layer.hp["slope"] * z

    def slope(self, layer, a):  # f′ from the output a, as backward computes it
        return 1.0 if a > 0 else layer.hp["slope"]

    def slope_text(self, zs):
        return f"(1 if {zs} > 0 else s)"


class LeakyReLU(Layer):
    """Element-wise z if z > 0 else slope·z. Any shape in, same shape out; no parameters."""

    spec = LayerSpec(
        id="leaky_relu",  # lower-case letters, digits and _; the "type" in network files
        name="Leaky ReLU",  # shown in the palette
        category="Activation",  # Convolution, Pooling, Activation, Fully connected, Reshape or Other
        description="a = z for z > 0, slope·z otherwise: a ReLU whose negative side still passes some gradient.",
    )
    hyperparams = {
        "slope": HyperParam(float, 0.01, "the slope s for z ≤ 0", min=0.0, max=1.0),
    }
    formula = Formula(
        forward="a⁽ˡ⁾ = max(z⁽ˡ⁾, s·z⁽ˡ⁾)",
        backward="∂L/∂z⁽ˡ⁾ = ∂L/∂a⁽ˡ⁾ · (1 if z⁽ˡ⁾ > 0 else s)",
    )
    init = "he"  # the initialisation the weighted layer before it should use
    example_shape = (3, 8, 8)  # a per-sample input for the start-up smoke run and the gradient check
    explainer = LeakyReLUExplainer()  # optional: without it the formula view shows `formula` only

    def output_shape(self, in_shape: tuple) -> tuple:
        """Per-sample shapes: same out as in (raise core.api.ShapeError("why") if a shape is impossible)."""
        return tuple(in_shape)

    def forward(self, x, params, train=True):
        """z (N, ...) -> a, same shape; cache = the mask z > 0 (all backward needs)."""
        positive = x > 0
        return np.where(positive, x, self.hp["slope"] * x), positive

    def backward(self, dout, cache):
        """dout = ∂L/∂a -> ∂L/∂z = dout · f′(z); no parameters, so no gradients."""
        positive = cache
        return np.where(positive, dout, self.hp["slope"] * dout), {}

    def to_torch(self, in_shape):
        """Optional: the torch.nn module computing the same (for bench --compare-torch and export)."""
        return TorchModule("LeakyReLU", (self.hp["slope"],))

    def to_onnx(self, g, x, in_shape):
        """Optional: this layer as ONNX operators (for export --to onnx); returns the output's name."""
        return g.op("LeakyRelu", [x], alpha=self.hp["slope"])
