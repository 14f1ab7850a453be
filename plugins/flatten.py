"""Flatten layer: feature maps to one vector per sample, so a dense layer can follow.

Forward::      a[n, (c·H + h)·W + w] = a⁽ˡ⁾[n, c, h, w]      (C, H, W order, as in PyTorch)
Backward::     ∂L/∂a⁽ˡ⁾ = the same numbers put back in (C, H, W) shape

Nothing is learned and nothing is computed: both directions are reshapes (views when the memory
order allows, which it does for every built-in layer's output).
"""

from __future__ import annotations

import math

import numpy as np

from core.api import Formula, Layer, LayerSpec, TorchModule
from core.explain import Derivation, Explainer, Term, fmt, ix, term


class FlattenExplainer(Explainer):
    """Element (c, i, j) of the maps is element (c·H + i)·W + j of the vector, both ways."""

    def forward(self, at, index):
        ins = at.in_sym
        sn, flat = int(index[0]), int(index[1])
        src = (sn, *(int(t) for t in np.unravel_index(flat, at.node.in_shape)))
        v = float(at.input()[src])
        return Derivation(f"vec({ins})[(c·H + i)·W + j] = {ins}[c,i,j]",
                          [Term(f"{ins}{ix(src)}", ((ins, v),), v, ((at.input_key, src),))], f"= {fmt(v)}",
                          f"Flatten only reshapes: element {flat + 1} is channel {src[1] + 1}, row {src[2] + 1}, "
                          f"col {src[3] + 1}.")

    def grad_in(self, at, index):
        shape = at.node.in_shape
        flat = int(np.ravel_multi_index(tuple(int(t) for t in index[1:]), shape))
        dv = float(at.grad_out()[index[0], flat])
        lab = f"∂L/∂{at.out_sym}{ix((index[0], flat))}"
        return Derivation(f"∂L/∂{at.in_sym}[c,i,j] = ∂L/∂vec[(c·H + i)·W + j]   (a reshape)",
                          [term(lab, [(lab, dv)], [(at.grad_out_key, (int(index[0]), flat))])], f"= {fmt(dv)}",
                          f"Flatten only reshapes: element {flat + 1} of the vector, H = {shape[1]}, W = {shape[2]}.")

    def expand_grad_in(self, at, index, factors):
        flat = int(np.ravel_multi_index(tuple(int(t) for t in index[1:]), at.node.in_shape))
        return at.error_of_output((index[0], flat), factors)


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
    explainer = FlattenExplainer()

    def output_shape(self, in_shape: tuple) -> tuple:
        return (math.prod(in_shape),)

    def forward(self, x, params, train=True):
        """x (N, C, H, W) -> (N, C·H·W); cache = x's shape."""
        return x.reshape(x.shape[0], -1), x.shape

    def backward(self, dout, cache):
        """dout (N, C·H·W) -> (N, C, H, W)."""
        return dout.reshape(cache), {}

    def to_torch(self, in_shape):
        return TorchModule("Flatten")  # flattens (C, H, W) in C order, as this layer does

    def to_onnx(self, g, x, in_shape):
        return g.op("Flatten", [x], axis=1)  # (N, C·H·W), C order
