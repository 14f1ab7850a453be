"""Fully connected (dense) layer: every output unit sees every input unit.

Forward (the lecture's ``z⁽¹⁾ = W⁽⁰⁾ x``, plus a bias)::

    z⁽ˡ⁺¹⁾ᵢ = Σⱼ W⁽ˡ⁾ᵢⱼ a⁽ˡ⁾ⱼ + bᵢ          z⁽ˡ⁺¹⁾ = W⁽ˡ⁾ a⁽ˡ⁾ + b

Backward, given ∂L/∂z⁽ˡ⁺¹⁾ (the lecture's steps 3–4; the f′ factor belongs to the activation)::

    ∂L/∂a⁽ˡ⁾ⱼ = Σᵢ W⁽ˡ⁾ᵢⱼ ∂L/∂z⁽ˡ⁺¹⁾ᵢ       (W transposed carries the error back)
    ∂L/∂W⁽ˡ⁾ᵢⱼ = a⁽ˡ⁾ⱼ ∂L/∂z⁽ˡ⁺¹⁾ᵢ          (summed over the batch)
    ∂L/∂bᵢ = ∂L/∂z⁽ˡ⁺¹⁾ᵢ                   (summed over the batch)

With a batch a (N, in) as rows the three are matrix products: z = a Wᵀ + b, ∂L/∂a = dz W,
∂L/∂W = dzᵀ a. Summing over the batch gives the batch average, because dz already carries the
1/N of the mean loss.
"""

from __future__ import annotations

import numpy as np

from core.api import Formula, HyperParam, Layer, LayerSpec, TorchModule, init_weight
from core.errors import ShapeError
from plugins.dense_explain import DenseExplainer


class Dense(Layer):
    """z = W a + b. Parameters: weight W (out, in), bias b (out,). a: (N, in) -> z: (N, out)."""

    spec = LayerSpec(
        id="dense",
        name="Fully connected",
        category="Fully connected",
        description=(
            "z = W a + b: every output unit is a weighted sum of all input units plus a bias "
            "(a matrix multiplication). Needs a vector per sample: put a flatten layer after "
            "feature maps."
        ),
    )
    hyperparams = {
        "out_features": HyperParam(int, 10, "number of output units", 1, 100_000),
    }
    formula = Formula(
        forward="z⁽ˡ⁺¹⁾ᵢ = Σⱼ W⁽ˡ⁾ᵢⱼ a⁽ˡ⁾ⱼ + bᵢ",
        backward="∂L/∂a⁽ˡ⁾ⱼ = Σᵢ W⁽ˡ⁾ᵢⱼ ∂L/∂z⁽ˡ⁺¹⁾ᵢ",
        grads={
            "weight": "∂L/∂W⁽ˡ⁾ᵢⱼ = a⁽ˡ⁾ⱼ ∂L/∂z⁽ˡ⁺¹⁾ᵢ   (summed over the batch)",
            "bias": "∂L/∂bᵢ = ∂L/∂z⁽ˡ⁺¹⁾ᵢ   (summed over the batch)",
        },
    )
    weighted = True
    example_shape = (6,)
    explainer = DenseExplainer()

    def output_shape(self, in_shape: tuple) -> tuple:
        if len(in_shape) != 1:
            raise ShapeError(
                f"dense needs a vector per sample, got feature maps of shape {tuple(in_shape)}; "
                "add a flatten layer before it"
            )
        return (self.hp["out_features"],)

    def init_params(self, in_shape: tuple, rng: np.random.Generator, init: str = "glorot") -> dict:
        out = self.hp["out_features"]
        return {"weight": init_weight((out, in_shape[0]), rng, init), "bias": np.zeros(out)}

    def forward(self, x, params, train=True):
        """a (N, in) -> z (N, out); cache = (a, W)."""
        w = params["weight"]
        z = x @ w.T
        z += params["bias"]
        return z, (x, w)

    def backward(self, dout, cache):
        """dout = ∂L/∂z (N, out) -> (∂L/∂a (N, in), {"weight": (out, in), "bias": (out,)})."""
        a, w = cache
        # give ∂L/∂a the memory order of a (column-major when a is a flattened conv output),
        # so that the layers before work on matching layouts
        da = (w.T @ dout.T).T if a.flags.f_contiguous and not a.flags.c_contiguous else dout @ w
        return da, self.param_grads(dout, cache)

    def param_grads(self, dout, cache):
        """{"weight": ∂L/∂W = doutᵀ a, "bias": Σₙ dout} without ∂L/∂a: for a first layer."""
        a, _ = cache
        # np.dot for one sample: matmul of a (out, 1) by a (1, in) matrix skips BLAS and is 6× slower
        dw = np.dot(dout.T, a) if len(a) == 1 else dout.T @ a
        return {"weight": dw, "bias": dout.sum(axis=0)}

    def to_torch(self, in_shape):
        """nn.Linear: its weight is (out, in) too, z = a Wᵀ + b."""
        return TorchModule("Linear", (in_shape[0], self.hp["out_features"]))

    def to_onnx(self, g, x, in_shape):
        """ONNX Gemm: z = a Wᵀ + b (transB = 1 because W is (out, in))."""
        return g.op("Gemm", [x, g.param("weight"), g.param("bias")], transB=1)


# --- reference implementations: the lecture's sums as plain loops (slow; for tests and reading) ---


def dense_forward_loops(a, weight, bias):
    """z[n, i] = Σⱼ W[i, j] a[n, j] + b[i]."""
    n_, in_ = a.shape
    out_ = weight.shape[0]
    z = np.zeros((n_, out_), a.dtype)
    for n in range(n_):
        for i in range(out_):
            z[n, i] = bias[i]
            for j in range(in_):
                z[n, i] += weight[i, j] * a[n, j]
    return z


def dense_backward_loops(dout, a, weight):
    """(da, dW, db): da[n,j] = Σᵢ W[i,j] dz[n,i];  dW[i,j] = Σₙ a[n,j] dz[n,i];  db[i] = Σₙ dz[n,i]."""
    n_, in_ = a.shape
    out_ = weight.shape[0]
    da = np.zeros_like(a)
    dweight = np.zeros_like(weight)
    dbias = np.zeros(out_, weight.dtype)
    for n in range(n_):
        for i in range(out_):
            dbias[i] += dout[n, i]
            for j in range(in_):
                da[n, j] += weight[i, j] * dout[n, i]
                dweight[i, j] += a[n, j] * dout[n, i]
    return da, dweight, dbias
