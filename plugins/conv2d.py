"""Convolutional layer: a bank of learned filters g slid over the input maps.

Forward (cross-correlation, as in PyTorch; stride s, zero padding p, one filter f)::

    z⁽ˡ⁺¹⁾[n,f,i,j] = b[f] + Σ_c Σ_m Σ_n' g[f,c,m,n'] · a⁽ˡ⁾[n, c, i·s+m−p, j·s+n'−p]

The lecture writes the true convolution ``z_ij = Σ_u Σ_v g_uv a_(i−u)(j−v)`` (flipped kernel);
the two differ only by flipping g, so a learned filter is the same filter, flipped. Because our
forward indexes ``a_(i+m)(j+n)``, the backward indexes ``(i−m)(j−n)`` — the lecture's slide has the
opposite signs for the same reason.

Backward, given dL/dz⁽ˡ⁺¹⁾ (the lecture's steps 7–9; the f′ factor belongs to the activation
layer, not to this one)::

    ∂L/∂a⁽ˡ⁾[n,c,u,v] = Σ_f Σ_m Σ_n' g[f,c,m,n'] · ∂L/∂z⁽ˡ⁺¹⁾[n,f,i,j]   where u = i·s+m−p, v = j·s+n'−p
    ∂L/∂g[f,c,m,n']   = Σ_n Σ_i Σ_j ∂L/∂z⁽ˡ⁺¹⁾[n,f,i,j] · a⁽ˡ⁾[n, c, i·s+m−p, j·s+n'−p]
    ∂L/∂b[f]          = Σ_n Σ_i Σ_j ∂L/∂z⁽ˡ⁺¹⁾[n,f,i,j]

Summing over the batch n gives the batch average, because dL/dz already carries the 1/N of the
mean loss ("Average the Gradient Across the Batch").

How it is computed: core/im2col.py turns every receptive field into a column, so the forward pass
is one matrix product ``g @ cols`` and the backward two (∂L/∂g = dz colsᵀ, ∂L/∂a = gᵀ dz scattered
back by col2im). The loop versions at the bottom are the same sums written out; the formula of one
element with its numbers is plugins/conv2d_explain.py.
"""

from __future__ import annotations

import numpy as np

from core.api import Formula, HyperParam, Layer, LayerSpec, TorchModule, init_weight
from core.errors import ShapeError
from core.im2col import col2im, im2col, padded_chwn
from plugins.conv2d_explain import ConvExplainer


class Conv2D(Layer):
    """2-D convolution (cross-correlation). Parameters: weight g (F, C, kh, kw), bias b (F,).

    x: (N, C, H, W) -> z: (N, F, Ho, Wo), Ho = (H + 2p − kh) // s + 1 (likewise Wo).
    """

    spec = LayerSpec(
        id="conv2d",
        name="Convolution 2D",
        category="Convolution",
        description=(
            "Slides out_channels learned filters g over the input maps (cross-correlation, as in "
            "PyTorch) and adds a bias: one output map per filter. Early filters learn edges and "
            "blobs; the lecture's identity, blur and edge kernels are examples."
        ),
    )
    hyperparams = {
        "out_channels": HyperParam(int, 6, "number of filters F = number of output maps", 1, 1024),
        "kernel_size": HyperParam(int, 5, "filter height and width kh = kw", 1, 31),
        "stride": HyperParam(int, 1, "step s between neighbouring windows", 1, 16),
        "padding": HyperParam(int, 0, "zeros added on every border of the input", 0, 16),
    }
    formula = Formula(
        forward="z⁽ˡ⁺¹⁾ᵢⱼ = Σₘ Σₙ g⁽ˡ⁾ₘₙ a⁽ˡ⁾₍ᵢ₊ₘ₎₍ⱼ₊ₙ₎ + b   (per filter, summed over input channels)",
        backward="∂L/∂a⁽ˡ⁾ᵢⱼ = Σₘ Σₙ g⁽ˡ⁾ₘₙ ∂L/∂z⁽ˡ⁺¹⁾₍ᵢ₋ₘ₎₍ⱼ₋ₙ₎   (summed over filters)",
        grads={
            "weight": "∂L/∂g⁽ˡ⁾ₘₙ = Σᵢ Σⱼ ∂L/∂z⁽ˡ⁺¹⁾ᵢⱼ a⁽ˡ⁾₍ᵢ₊ₘ₎₍ⱼ₊ₙ₎   (summed over the batch)",
            "bias": "∂L/∂b = Σᵢ Σⱼ ∂L/∂z⁽ˡ⁺¹⁾ᵢⱼ   (summed over the batch)",
        },
    )
    weighted = True
    example_shape = (3, 8, 8)
    explainer = ConvExplainer()

    def output_shape(self, in_shape: tuple) -> tuple:
        if len(in_shape) != 3:
            raise ShapeError(
                f"conv2d needs feature maps (C, H, W) per sample, got shape {tuple(in_shape)}; "
                "a convolution cannot follow a flatten or dense layer"
            )
        _, h, w = in_shape
        k, s, p = self.hp["kernel_size"], self.hp["stride"], self.hp["padding"]
        if h + 2 * p < k or w + 2 * p < k:
            raise ShapeError(f"kernel {k}×{k} does not fit a {h}×{w} input with padding {p}")
        return (self.hp["out_channels"], (h + 2 * p - k) // s + 1, (w + 2 * p - k) // s + 1)

    def init_params(self, in_shape: tuple, rng: np.random.Generator, init: str = "glorot") -> dict:
        k = self.hp["kernel_size"]
        f = self.hp["out_channels"]
        return {
            "weight": init_weight((f, in_shape[0], k, k), rng, init),
            "bias": np.zeros(f),
        }

    def forward(self, x, params, train=True):
        """x (N, C, H, W) -> z (N, F, Ho, Wo); cache = (cols, weight, x shape, stride, padding)."""
        g, b = params["weight"], params["bias"]
        f, _, kh, kw = g.shape
        s, p = self.hp["stride"], self.hp["padding"]
        n, _, h, w = x.shape
        ho, wo = (h + 2 * p - kh) // s + 1, (w + 2 * p - kw) // s + 1
        cols = im2col(padded_chwn(x, p), kh, kw, s, ho, wo)
        z = g.reshape(f, -1) @ cols  # (F, Ho·Wo·N): every output at once
        z += b[:, None]
        z = z.reshape(f, ho, wo, n).transpose(3, 0, 1, 2)
        return z, (cols, g, x.shape, s, p)

    def backward(self, dout, cache):
        """dout (N, F, Ho, Wo) -> (dx (N, C, H, W), {"weight": (F, C, kh, kw), "bias": (F,)})."""
        cols, g, (n, c, h, w), s, p = cache
        f, _, kh, kw = g.shape
        _, _, ho, wo = dout.shape
        dz, grads = self._grads(dout, cols, g)
        dcols = (g.reshape(f, -1).T @ dz).reshape(c, kh, kw, ho, wo, n)
        dxp = col2im(dcols, h + 2 * p, w + 2 * p, s)
        dx = dxp[:, p : p + h, p : p + w].transpose(3, 0, 1, 2)
        return dx, grads

    def param_grads(self, dout, cache):
        """{"weight", "bias"} of ``backward`` without dx (no col2im): for a first layer."""
        return self._grads(dout, cache[0], cache[1])[1]

    @staticmethod
    def _grads(dout, cols, g):
        """dz = dout as (F, Ho·Wo·N), and ∂L/∂g = dz·colsᵀ, ∂L/∂b = Σ dz."""
        f = g.shape[0]
        # free when dout already has this layer's (F, Ho, Wo, N) memory order
        dz = np.ascontiguousarray(dout.transpose(1, 2, 3, 0)).reshape(f, -1)
        dg = np.ascontiguousarray((cols @ dz.T).T).reshape(g.shape)  # (K,P)@(P,F): faster in BLAS
        return dz, {"weight": dg, "bias": dz.sum(axis=1)}

    def to_torch(self, in_shape):
        """nn.Conv2d: cross-correlation too, weight (F, C, kh, kw), bias (F,)."""
        hp = self.hp
        return TorchModule("Conv2d", (in_shape[0], hp["out_channels"], hp["kernel_size"]),
                           {"stride": hp["stride"], "padding": hp["padding"]})

    def to_onnx(self, g, x, in_shape):
        """ONNX Conv: cross-correlation with the same weight layout, zero padding on all four sides."""
        k, s, p = self.hp["kernel_size"], self.hp["stride"], self.hp["padding"]
        return g.op("Conv", [x, g.param("weight"), g.param("bias")], kernel_shape=[k, k], strides=[s, s],
                    pads=[p, p, p, p])


# --- reference implementations: the lecture's sums as plain loops (slow; for tests and reading) ---


def conv2d_forward_loops(x, weight, bias, stride=1, padding=0):
    """z[n,f,i,j] = b[f] + sum(g[f] ⊙ window of a under (i, j)): the lecture's sliding window."""
    n_, c_, h, w = x.shape
    f_, _, kh, kw = weight.shape
    s, p = stride, padding
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    ho, wo = (h + 2 * p - kh) // s + 1, (w + 2 * p - kw) // s + 1
    z = np.zeros((n_, f_, ho, wo), x.dtype)
    for n in range(n_):
        for f in range(f_):
            for i in range(ho):
                for j in range(wo):
                    window = xp[n, :, i * s : i * s + kh, j * s : j * s + kw]
                    z[n, f, i, j] = bias[f] + np.sum(weight[f] * window)
    return z


def conv2d_backward_loops(dout, x, weight, stride=1, padding=0):
    """(dx, dweight, dbias): every output (i, j) sends ∂L/∂zᵢⱼ back through the window it saw."""
    n_, c_, h, w = x.shape
    f_, _, kh, kw = weight.shape
    s, p = stride, padding
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    dxp = np.zeros_like(xp)
    dweight = np.zeros_like(weight)
    dbias = np.zeros(f_, weight.dtype)
    for n in range(n_):
        for f in range(f_):
            for i in range(dout.shape[2]):
                for j in range(dout.shape[3]):
                    d = dout[n, f, i, j]
                    rows, cols = slice(i * s, i * s + kh), slice(j * s, j * s + kw)
                    dweight[f] += d * xp[n, :, rows, cols]  # ∂L/∂g_mn += ∂L/∂z_ij a_(i+m)(j+n)
                    dxp[n, :, rows, cols] += d * weight[f]  # ∂L/∂a_(i+m)(j+n) += g_mn ∂L/∂z_ij
                    dbias[f] += d
    return dxp[:, :, p : p + h, p : p + w], dweight, dbias
