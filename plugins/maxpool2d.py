"""Max-pooling layer: keep the largest value of every k×k window (the lecture's "pool").

Forward (window size k, stride s; per sample and channel)::

    pool(a)ᵢⱼ = max over m, n < k of a₍ᵢₛ₊ₘ₎₍ⱼₛ₊ₙ₎

Backward: "there is no learning done in the pooling layers; the error that is backpropagated to
the pooling layer is sent back to the node where it came from"::

    ∂L/∂aᵤᵥ = Σ over windows (i, j) whose maximum sits at (u, v) of ∂L/∂pool(a)ᵢⱼ,   else 0

On ties the first maximum in row-major order wins, as in PyTorch. How it is computed: each window
offset (m, n) is one strided view a[.., m::s, n::s] holding that position of every window at once,
so the k² views give the maximum with k² − 1 element-wise ``maximum`` calls. The cache is just
(input, output); the backward pass finds where each window's first maximum sits (``first_maxima``)
and routes the gradient there, and ``inspect`` turns the same maps into the argmax mask shown in
the panels. A forward pass without training (evaluation) thus pays for the maximum only.
"""

from __future__ import annotations

import numpy as np

from core.api import Formula, HyperParam, Layer, LayerSpec, TorchModule
from core.errors import ShapeError
from plugins.pool_explain import MaxPoolExplainer


class MaxPool2D(Layer):
    """Max over k×k windows with stride s. x (N, C, H, W) -> (N, C, Ho, Wo), Ho = (H − k) // s + 1."""

    spec = LayerSpec(
        id="maxpool2d",
        name="Max pooling",
        category="Pooling",
        description=(
            "Keeps the largest value of every kernel_size × kernel_size window, shrinking each map "
            "(by 2 with the defaults). The gradient goes back only to the position of each "
            "window's maximum."
        ),
    )
    hyperparams = {
        "kernel_size": HyperParam(int, 2, "window height and width k", 1, 15),
        "stride": HyperParam(int, 2, "step s between neighbouring windows", 1, 15),
    }
    formula = Formula(
        forward="pool(a)ᵢⱼ = maxₘ,ₙ a₍ᵢₛ₊ₘ₎₍ⱼₛ₊ₙ₎",
        backward="∂L/∂aᵤᵥ = ∂L/∂pool(a)ᵢⱼ if aᵤᵥ is the (first) maximum of window (i, j), else 0",
    )
    explainer = MaxPoolExplainer()

    def output_shape(self, in_shape: tuple) -> tuple:
        return pooled_shape("maxpool2d", in_shape, self.hp["kernel_size"], self.hp["stride"])

    def forward(self, x, params, train=True):
        """x (N, C, H, W) -> (N, C, Ho, Wo); cache = (x, out), from which backward finds the maxima."""
        k, s = self.hp["kernel_size"], self.hp["stride"]
        windows = window_views(x, k, s)
        if len(windows) == 1:
            return np.copy(windows[0], order="K"), (x, windows[0])
        out = np.maximum(windows[0], windows[1])
        for v in windows[2:]:
            np.maximum(out, v, out=out)
        return out, (x, out)

    def backward(self, dout, cache):
        """dout (N, C, Ho, Wo) -> dx (N, C, H, W): each window's gradient goes to its maximum."""
        x, out = cache
        k, s = self.hp["kernel_size"], self.hp["stride"]
        h, w = x.shape[2], x.shape[3]
        # zeros unless the windows tile the input exactly (then the loop writes every position)
        tiled = s == k and h % k == 0 and w % k == 0
        dx = (np.empty_like if tiled else np.zeros_like)(x, dtype=dout.dtype)
        for won, dx_view in zip(first_maxima(x, out, k, s), window_views(dx, k, s)):
            if s < k:  # overlapping windows may share a maximum: accumulate
                dx_view += dout * won
            else:  # disjoint windows: each position is written at most once
                np.multiply(dout, won, out=dx_view)
        return dx, {}

    def inspect(self, cache) -> dict:
        """{"argmax_mask": bool (N, C, H, W), True where a window's maximum was taken}."""
        x, out = cache
        k, s = self.hp["kernel_size"], self.hp["stride"]
        mask = np.zeros(x.shape, bool)
        for won, view in zip(first_maxima(x, out, k, s), window_views(mask, k, s)):
            view |= won
        return {"argmax_mask": mask}

    def to_torch(self, in_shape):
        return TorchModule("MaxPool2d", (self.hp["kernel_size"], self.hp["stride"]))

    def to_onnx(self, g, x, in_shape):
        k, s = self.hp["kernel_size"], self.hp["stride"]
        return g.op("MaxPool", [x], kernel_shape=[k, k], strides=[s, s])  # no padding, floor: as here


def pooled_shape(layer_id: str, in_shape: tuple, k: int, s: int) -> tuple:
    if len(in_shape) != 3:
        raise ShapeError(
            f"{layer_id} needs feature maps (C, H, W) per sample, got shape {tuple(in_shape)}"
        )
    c, h, w = in_shape
    if h < k or w < k:
        raise ShapeError(f"pooling window {k}×{k} does not fit a {h}×{w} input")
    return (c, (h - k) // s + 1, (w - k) // s + 1)


def window_views(x: np.ndarray, k: int, s: int) -> list:
    """k² strided views of x (N, C, H, W), one per offset (m, n) in row-major order; view[.., i, j] is
    position (m, n) of window (i, j). Rows and columns no window reaches are left out."""
    h, w = x.shape[2], x.shape[3]
    hi, wi = s * ((h - k) // s) + 1, s * ((w - k) // s) + 1  # span of the window origins
    return [x[:, :, m : m + hi : s, n : n + wi : s] for m in range(k) for n in range(k)]


def first_maxima(x: np.ndarray, out: np.ndarray, k: int, s: int):
    """Yield, per window offset (m, n) in row-major order, a boolean (N, C, Ho, Wo) map: True where
    that offset holds its window's maximum and no earlier offset does (the first maximum wins)."""
    windows = window_views(x, k, s)
    taken = None
    for j, v in enumerate(windows):
        eq = np.equal(v, out)
        if taken is None:
            taken = eq
            yield eq
            continue
        yield np.greater(eq, taken)  # eq and not taken
        if j == 1:
            taken = taken | eq  # a new array: the one yielded first stays as it was
        elif j < len(windows) - 1:
            np.logical_or(taken, eq, out=taken)


# --- reference implementations: the lecture's windows as plain loops (slow; for tests and reading) ---


def windows_loops(x_shape, kernel_size, stride):
    """Every pooling window, one at a time: yields (n, c, i, j, rows, cols) for the window under
    output (i, j) of map c of sample n — the lecture's sliding window, as plain loops."""
    n_, c_, h, w = x_shape
    k, s = kernel_size, stride
    for n in range(n_):
        for c in range(c_):
            for i in range((h - k) // s + 1):
                for j in range((w - k) // s + 1):
                    yield n, c, i, j, slice(i * s, i * s + k), slice(j * s, j * s + k)


def pooled_loops(x, kernel_size, stride, reduce):
    """pool(a)[n,c,i,j] = reduce(window at (i·s, j·s)), window by window."""
    k, s = kernel_size, stride
    n_, c_, h, w = x.shape
    out = np.zeros((n_, c_, (h - k) // s + 1, (w - k) // s + 1), x.dtype)
    for n, c, i, j, rows, cols in windows_loops(x.shape, k, s):
        out[n, c, i, j] = reduce(x[n, c, rows, cols])
    return out


def maxpool2d_forward_loops(x, kernel_size=2, stride=2):
    """pool(a)[n,c,i,j] = max of the window at (i·s, j·s)."""
    return pooled_loops(x, kernel_size, stride, np.max)


def maxpool2d_backward_loops(dout, x, kernel_size=2, stride=2):
    """dx: each window's ∂L/∂pool(a)ᵢⱼ is sent back to where its (first) maximum came from."""
    dx = np.zeros_like(x)
    for n, c, i, j, rows, cols in windows_loops(x.shape, kernel_size, stride):
        m, q = divmod(int(np.argmax(x[n, c, rows, cols])), kernel_size)  # np.argmax: first maximum
        dx[n, c, rows.start + m, cols.start + q] += dout[n, c, i, j]
    return dx
