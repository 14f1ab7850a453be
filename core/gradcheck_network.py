"""Gradient checks of a whole network: every layer in its place, and the chain end to end.

Per layer (core.gradcheck.check_layer): the layer alone, at the input shape it has in this
network, every element of its input and parameters, float64 central differences.

End to end: for a few sampled elements θ of every parameter, the loss L(θ ± ε) through the whole
network against the ∂L/∂θ that backpropagation gives — this catches a wrong chain, not just a
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
    worst_index: tuple
    checked: int


def check_layers(net: Network, batch: int = 2, seed: int = 0):
    """[(node, LayerCheck)] for every layer of ``net``, in float64."""
    return [(node, check_layer(node.layer, node.in_shape, batch=batch, seed=seed + node.index))
            for node in net.nodes]


def check_chain(net: Network, batch: int = 4, samples: int = 12, seed: int = 0, eps: float = 1e-6) -> list[ChainCheck]:
    """End-to-end check of sampled parameter elements through the loss, in float64."""
    net = net.astype(np.float64)
    rng = np.random.default_rng(seed)
    x = rng.random((batch, *net.input_shape))
    y = rng.integers(0, net.n_classes, batch)

    def loss() -> float:
        return cross_entropy(net.forward(x)[0], y)[0]

    logits, caches = net.forward(x)
    _, probs = cross_entropy(logits, y)
    grads, _ = net.backward(grad_logits(probs, y), caches)
    results = []
    for layer, ps in net.params.items():
        for k, p in ps.items():
            flat = p.reshape(-1)  # a view: perturbing it perturbs the network's parameter
            picks = rng.choice(flat.size, size=min(samples, flat.size), replace=False)
            worst, worst_i = 0.0, 0
            for j in picks:
                old = flat[j]
                flat[j] = old + eps
                up = loss()
                flat[j] = old - eps
                down = loss()
                flat[j] = old
                numeric = (up - down) / (2 * eps)
                analytic = grads[layer][k].reshape(-1)[j]
                err = abs(analytic - numeric) / max(abs(analytic), abs(numeric), 1e-8)
                if err >= worst:
                    worst, worst_i = err, j
            results.append(ChainCheck(f"{layer}.{k}", float(worst), np.unravel_index(worst_i, p.shape), len(picks)))
    return results
