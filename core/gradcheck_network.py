"""Gradient checks of a whole network: every layer in its place, and the chain end to end.

Per layer (core.gradcheck.check_layer): the layer alone, at the input shape it has in this
network, every element of its input and parameters, float64 central differences.

End to end: for random directions in every parameter tensor, the loss L(θ ± εv) through the
whole network against ⟨∂L/∂θ, v⟩ from backpropagation — this catches a wrong chain, not just a
wrong layer.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.gradcheck import check_layer
from core.losses import cross_entropy, grad_logits
from core.network import Network


@dataclass(frozen=True)
class ChainCheck:
    key: str  # "conv1.weight"
    max_rel_error: float
    checked: int  # directions tried


def check_layers(net: Network, batch: int = 2, seed: int = 0):
    """[(node, LayerCheck)] for every layer of ``net``, in float64."""
    return [(node, check_layer(node.layer, node.in_shape, batch=batch, seed=seed + node.index))
            for node in net.nodes]


def check_chain(net: Network, batch: int = 4, directions: int = 3, seed: int = 0,
                eps: float = 1e-5) -> list[ChainCheck]:
    """End-to-end check of every parameter tensor through the loss, in float64.

    For unit directions v (half along the gradient, half random), the directional derivative
    (L(θ + εv) − L(θ − εv)) / 2ε is
    compared with ⟨∂L/∂θ, v⟩ from backpropagation. A direction spans every element of θ, so the
    derivative is large compared to the loss's round-off, unlike single tiny elements.
    """
    net = net.astype(np.float64)
    rng = np.random.default_rng(seed)
    x = rng.random((batch, *net.input_shape))
    y = rng.integers(0, net.n_classes, batch)

    def loss() -> float:
        return cross_entropy(net.forward(x)[0], y)[0]

    logits, caches = net.forward(x)
    _, probs = cross_entropy(logits, y)
    grads = net.backward(grad_logits(probs, y), caches)
    results = []
    for layer, ps in net.params.items():
        for k, p in ps.items():
            original = p.copy()
            worst = 0.0
            for _ in range(directions):
                # half along the gradient (so the derivative is as large as it gets), half random
                g = grads[layer][k]
                r = rng.standard_normal(p.shape)
                v = g / (np.linalg.norm(g) or 1.0) + r / np.linalg.norm(r)
                v /= np.linalg.norm(v)
                net.params[layer][k] = original + eps * v
                up = loss()
                net.params[layer][k] = original - eps * v
                down = loss()
                numeric = (up - down) / (2 * eps)
                analytic = float((grads[layer][k] * v).sum())
                worst = max(worst, abs(analytic - numeric) / max(abs(analytic), abs(numeric), 1e-10))
            net.params[layer][k] = original
            results.append(ChainCheck(f"{layer}.{k}", worst, directions))
    return results
