"""12.4's algorithm boxes filled with one node's numbers (Qt-free), written out as the slides'
sums with explicit loops — a second way to the engine's numbers, which a test compares.

Fully connected, for node i of z⁽ˡ⁾ (W the weight from layer l to l + 1)::

    ∂L/∂zᵢ⁽ˡ⁾ = (Σⱼ Wⱼᵢ ∂L/∂zⱼ⁽ˡ⁺¹⁾) · f′(zᵢ⁽ˡ⁾)         ∂L/∂Wᵢⱼ = f(zⱼ⁽ˡ⁾) ∂L/∂zᵢ⁽ˡ⁺¹⁾

Convolutional, for node (c, u, v) of z⁽ˡ⁾ with a pooling layer before z⁽ˡ⁺¹⁾ (as in the lecture's
network): the error of the pooled value (c, i, j) that (u, v) was the maximum of::

    ∂L/∂a_cij = Σ_f Σ_m Σ_n g_fcmn ∂L/∂z⁽ˡ⁺¹⁾_f(i−m)(j−n)   (the layers cross-correlate)
    ∂L/∂z_cuv = ∂L/∂a_cij · f′(z_cuv)   if (u, v) is that window's maximum, else 0
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.lecture.backward import f_prime
from core.lecture.roles import Roles, StepKind


@dataclass(frozen=True)
class NodeSum:
    index: tuple  # the node (in z⁽ˡ⁾)
    back: float  # the bracket: Σ weight · error of the next layer (routed through pooling)
    fprime: float
    value: float  # back · f′
    engine: float  # the engine's ∂L/∂z there (the sample's own)
    via: tuple | None = None  # conv: the pooled position (c, i, j) whose error it receives


def fc_node(view, roles: Roles, step: StepKind, s: int) -> NodeSum:
    """The fully connected box for the node of z⁽ˡ⁾ with the largest error (a dense layer right after
    the activation; through flatten/pool the bracket is taken at the pooled position)."""
    nodes = roles.nodes
    w = step.weighted
    engine = np.asarray(view.sample_value(step.quantity.key, s), np.float64)
    node = np.unravel_index(int(np.argmax(np.abs(engine))), engine.shape)
    weight = np.asarray((view.used_params or view.params)[nodes[w].name]["weight"], np.float64)
    dnext = np.asarray(view.sample_value(f"{nodes[w].name}.grad_out", s), np.float64)
    fp = f_prime(view, roles, step.node, s)
    if step.node + 1 == w:
        j = int(np.ravel_multi_index(node, engine.shape))
        back = float(sum(weight[k, j] * dnext[k] for k in range(weight.shape[0])))
        return NodeSum(tuple(int(t) for t in node), back, float(fp[node]), back * float(fp[node]), float(engine[node]))
    # pooling (and flatten) in between: the pooled value this node was the maximum of, whose error is
    # Σ_j W_jp ∂L/∂z_j at its flat index p (flatten order C, H, W)
    pool = next((nodes[k] for k in range(step.node + 1, w) if nodes[k].layer.spec.category == "Pooling"), None)
    if pool is None or len(node) != 3:
        routed = np.asarray(view.sample_value(f"{nodes[step.node + 1].name}.grad_in", s), np.float64)
        return NodeSum(tuple(int(t) for t in node), float(routed[node]), float(fp[node]),
                       float(routed[node] * fp[node]), float(engine[node]))
    st = pool.layer.hp.get("stride", 2)
    c, u, v = (int(t) for t in node)
    _, ho, wo = pool.out_shape
    p = (c * ho + u // st) * wo + v // st
    back = float(sum(weight[k, p] * dnext[k] for k in range(weight.shape[0])))
    return NodeSum((c, u, v), back, float(fp[node]), back * float(fp[node]), float(engine[node]), (p,))


def fc_weight(view, layer: str, s: int) -> tuple[tuple[int, int], float, float, float, float]:
    """((i, j), f(zⱼ) = the input, ∂L/∂zᵢ, their product, the engine's ∂L⁽ˢ⁾/∂Wᵢⱼ) at the largest entry."""
    names = [n.name for n in view.nodes]
    k = names.index(layer)
    a = np.asarray(view.x[s] if k == 0 else view.arrays[f"{names[k - 1]}.out"][s], np.float64).ravel()
    dz = np.asarray(view.sample_value(f"{layer}.grad_out", s), np.float64)
    g = np.asarray(view.sample_param_grads(layer, s)["weight"], np.float64)
    i, j = np.unravel_index(int(np.argmax(np.abs(g))), g.shape)
    return (int(i), int(j)), float(a[j]), float(dz[i]), float(a[j] * dz[i]), float(g[i, j])


def conv_node(view, roles: Roles, step: StepKind, s: int) -> NodeSum:
    """The convolutional box for the node of z⁽ˡ⁾ with the largest error, the sum over the filters'
    windows written out (stride 1, no padding in z⁽ˡ⁺¹⁾'s layer: the lecture's)."""
    nodes = roles.nodes
    w = step.weighted
    engine = np.asarray(view.sample_value(step.quantity.key, s), np.float64)
    c, u, v = (int(t) for t in np.unravel_index(int(np.argmax(np.abs(engine))), engine.shape))
    g = np.asarray((view.used_params or view.params)[nodes[w].name]["weight"], np.float64)
    dz = np.asarray(view.sample_value(f"{nodes[w].name}.grad_out", s), np.float64)
    pool = next((nodes[j] for j in range(step.node + 1, w) if nodes[j].layer.spec.category == "Pooling"), None)
    st = pool.layer.hp.get("stride", 2) if pool is not None else 1
    i, j = u // st, v // st
    total = 0.0
    f_, _, kh, kw = g.shape
    _, ho, wo = dz.shape
    for f in range(f_):
        for m in range(kh):
            for n in range(kw):
                if 0 <= i - m < ho and 0 <= j - n < wo:
                    total += g[f, c, m, n] * dz[f, i - m, j - n]
    fp = f_prime(view, roles, step.node, s)
    return NodeSum((c, u, v), total, float(fp[c, u, v]), total * float(fp[c, u, v]), float(engine[c, u, v]), (c, i, j))


def conv_weight(view, layer: str, s: int) -> tuple[tuple, float, float]:
    """((f, c, m, n), Σ_yx ∂L/∂z_f,yx · a_c,(y+m)(x+n) by loops, the engine's ∂L⁽ˢ⁾/∂g) at the largest entry."""
    names = [n.name for n in view.nodes]
    k = names.index(layer)
    a = np.asarray(view.x[s] if k == 0 else view.arrays[f"{names[k - 1]}.out"][s], np.float64)
    dz = np.asarray(view.sample_value(f"{layer}.grad_out", s), np.float64)
    g = np.asarray(view.sample_param_grads(layer, s)["weight"], np.float64)
    f, c, m, n = (int(t) for t in np.unravel_index(int(np.argmax(np.abs(g))), g.shape))
    total = sum(dz[f, y, x] * a[c, y + m, x + n] for y in range(dz.shape[1]) for x in range(dz.shape[2]))
    return (f, c, m, n), float(total), float(g[f, c, m, n])
