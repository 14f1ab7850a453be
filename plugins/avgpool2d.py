"""Average-pooling layer: replace every k×k window by its mean.

Forward (window size k, stride s; per sample and channel)::

    pool(a)ᵢⱼ = (1/k²) Σₘ Σₙ a₍ᵢₛ₊ₘ₎₍ⱼₛ₊ₙ₎

Backward: every input in a window contributed 1/k² of its output, so it gets 1/k² of its error::

    ∂L/∂aᵤᵥ = Σ over windows (i, j) that contain (u, v) of (1/k²) ∂L/∂pool(a)ᵢⱼ

Computed like max pooling, over the k² strided views a[.., m::s, n::s] (one per window offset).
"""

from __future__ import annotations

import numpy as np

from core.api import Formula, HyperParam, Layer, LayerSpec, TorchModule
from plugins.maxpool2d import pooled_loops, pooled_shape, window_views, windows_loops
from plugins.pool_explain import AvgPoolExplainer


class AvgPool2D(Layer):
    """Mean over k×k windows with stride s. x (N, C, H, W) -> (N, C, Ho, Wo), Ho = (H − k) // s + 1."""

    spec = LayerSpec(
        id="avgpool2d",
        name="Average pooling",
        category="Pooling",
        description=(
            "Replaces every kernel_size × kernel_size window by its mean, shrinking each map (by 2 "
            "with the defaults). The gradient is shared equally by all positions of a window."
        ),
    )
    hyperparams = {
        "kernel_size": HyperParam(int, 2, "window height and width k", 1, 15),
        "stride": HyperParam(int, 2, "step s between neighbouring windows", 1, 15),
    }
    formula = Formula(
        forward="pool(a)ᵢⱼ = (1/k²) Σₘ Σₙ a₍ᵢₛ₊ₘ₎₍ⱼₛ₊ₙ₎",
        backward="∂L/∂aᵤᵥ = Σ over windows (i, j) containing (u, v) of (1/k²) ∂L/∂pool(a)ᵢⱼ",
    )
    explainer = AvgPoolExplainer()

    def output_shape(self, in_shape: tuple) -> tuple:
        return pooled_shape("avgpool2d", in_shape, self.hp["kernel_size"], self.hp["stride"])

    def forward(self, x, params, train=True):
        """x (N, C, H, W) -> (N, C, Ho, Wo); cache = x (for its shape, dtype and memory order)."""
        k, s = self.hp["kernel_size"], self.hp["stride"]
        windows = window_views(x, k, s)
        out = np.copy(windows[0], order="K")
        for v in windows[1:]:
            out += v
        out *= 1.0 / (k * k)
        return out, x

    def backward(self, dout, cache):
        """dout (N, C, Ho, Wo) -> dx (N, C, H, W): every window position gets dout / k²."""
        x = cache
        k, s = self.hp["kernel_size"], self.hp["stride"]
        share = dout * (1.0 / (k * k))
        h, w = x.shape[2], x.shape[3]
        tiled = s == k and h % k == 0 and w % k == 0  # then the loop writes every position
        dx = (np.empty_like if tiled else np.zeros_like)(x, dtype=dout.dtype)
        for dx_view in window_views(dx, k, s):
            if s < k:  # overlapping windows share positions: accumulate
                dx_view += share
            else:
                np.copyto(dx_view, share)
        return dx, {}

    def to_torch(self, in_shape):
        return TorchModule("AvgPool2d", (self.hp["kernel_size"], self.hp["stride"]))

    def to_onnx(self, g, x, in_shape):
        k, s = self.hp["kernel_size"], self.hp["stride"]
        return g.op("AveragePool", [x], kernel_shape=[k, k], strides=[s, s])


# --- reference implementations: the lecture's windows as plain loops (slow; for tests and reading) ---


def avgpool2d_forward_loops(x, kernel_size=2, stride=2):
    """pool(a)[n,c,i,j] = mean of the window at (i·s, j·s)."""
    return pooled_loops(x, kernel_size, stride, np.mean)


def avgpool2d_backward_loops(dout, x, kernel_size=2, stride=2):
    """dx: each window's ∂L/∂pool(a)ᵢⱼ is shared equally, 1/k² to each of its positions."""
    dx = np.zeros_like(x)
    for n, c, i, j, rows, cols in windows_loops(x.shape, kernel_size, stride):
        dx[n, c, rows, cols] += dout[n, c, i, j] / (kernel_size * kernel_size)
    return dx
