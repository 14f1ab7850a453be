"""The recorded iteration as an explainer sees it: arrays, parameters, nodes, symbols.

``Context`` wraps one iteration's arrays (keys as in core.stepper.Snapshot: "<layer>.out",
"<layer>.grad_out", "<layer>.grad_in", "<layer>.<param>.grad", "probs", …), the parameters and
the network's nodes. ``Context.layer(k)`` gives a :class:`LayerContext`, the view of node ``k``
that a layer's explainer works with: its input, output, error and parameters by name, and its
symbols in the lecture's notation (core.notation).

The chain: ``error_of_output(k, idx, factors)`` is ∂L/∂(output of node k)[idx] as terms. It asks
the next layer's explainer to expand the error at that layer's input (``expand_grad_in``), which
either ends the expansion at a weighted layer (conv: Σ g · ∂L/∂z) or passes it on (an
activation's f′, a pooling route, a reshape); the last layer's error is the softmax's
(ŷ − y)/N. A layer that cannot expand (no explainer, or one without ``expand_grad_in``) ends
the expansion at its recorded ∂L/∂(output): still exact, just less deep.
"""

from __future__ import annotations

import numpy as np

from core.explain.terms import Derivation, factor_refs, factor_values, fmt, ix, term
from core.notation import output_symbols, weight_symbols

MAX_DEPTH = 8  # layers an expansion passes through before it stops at a recorded error


class NotRecordedError(Exception):
    """An array the formula needs is not recorded (yet)."""


def explainer_of(layer):
    """The layer's explainer (core.explain.Explainer), or None if its class defines none."""
    ex = getattr(type(layer), "explainer", None)
    return ex() if isinstance(ex, type) else ex


class Context:
    """One iteration's arrays, parameters and nodes, for the explainers."""

    def __init__(self, arrays, params, nodes, x=None, lr=None, sample=0, y=None, per_sample=False):
        self.per_sample = per_sample  # errors are each sample's own loss's (N × the batch loss's)
        self.arrays, self.params, self.nodes = arrays, params or {}, list(nodes)
        self.x, self.lr, self.sample = x, lr, sample
        self.y = y if y is not None else arrays.get("y")
        self.names = [n.name for n in self.nodes]
        self.outs = output_symbols(self.nodes)
        self.wsym = weight_symbols(self.nodes)

    def get(self, key: str) -> np.ndarray:
        """The recorded array ``key``; NotRecordedError if it is not (yet) recorded."""
        a = self.arrays.get(key)
        if a is None:
            raise NotRecordedError(f"{key} is not recorded yet: step further through the iteration")
        return a

    def labels(self) -> np.ndarray | None:
        """The batch's labels: given, or read off ∂L/∂z of the last layer (ŷ − 1 < 0 only at the label)."""
        if self.y is not None:
            return np.asarray(self.y)
        gz = self.arrays.get(f"{self.names[-1]}.grad_out")
        return None if gz is None else np.argmin(gz, axis=1)

    def layer(self, k: int, depth: int = 0) -> LayerContext:
        return LayerContext(self, k, depth)

    # --- the chain of errors, down from the loss -------------------------------------------------

    def error_of_output(self, k: int, idx: tuple, factors: list, depth: int = 0) -> Derivation:
        """∂L/∂(output of node k)[idx] as terms, each multiplied by ``factors`` ((name, value, refs))."""
        if k == len(self.nodes) - 1:
            from core.explain.loss import softmax_error

            return softmax_error(self, idx, factors)
        j = k + 1
        ex = explainer_of(self.nodes[j].layer)
        d = None if depth > MAX_DEPTH or ex is None else ex.expand_grad_in(self.layer(j, depth + 1), idx, factors)
        return d if d is not None else self.leaf(k, idx, factors)

    def leaf(self, k: int, idx: tuple, factors: list) -> Derivation:
        """The recorded ∂L/∂(output of node k)[idx] as one term, times ``factors``."""
        key = f"{self.names[k]}.grad_out"
        v = float(self.get(key)[idx])
        lab = f"∂L/∂{self.outs[k].unicode}{ix(idx)}"
        t = term(lab, [(lab, v), *factor_values(factors)], [(key, tuple(idx)), *factor_refs(factors)])
        return Derivation(f"∂L/∂{self.outs[k].unicode}", [t], fmt(v))


class LayerContext:
    """Node ``k`` of the network as its explainer sees it (``at`` in the explainers).

    Arrays (each raises NotRecordedError while not recorded): ``input()`` — a⁽ˡ⁾, the previous layer's
    output or the batch x; ``output()``; ``grad_out()`` — ∂L/∂(output); ``param(p)`` — the
    parameter the passes used (before the update). Their keys: ``input_key``, ``output_key``,
    ``grad_out_key``, ``param_key(p)``. Symbols: ``in_sym``, ``out_sym``, ``weight_sym(p)``.
    """

    def __init__(self, ctx: Context, k: int, depth: int = 0):
        self.ctx, self.k, self.depth = ctx, k, depth
        self.node = ctx.nodes[k]
        self.name = self.node.name
        self.layer = self.node.layer
        self.hp = getattr(self.layer, "hp", {})
        self.sample = ctx.sample  # the focused sample (for highlighting batch-summed gradients)

    @property
    def input_key(self) -> str:
        return f"{self.ctx.names[self.k - 1]}.out" if self.k > 0 else "x"

    @property
    def output_key(self) -> str:
        return f"{self.name}.out"

    @property
    def grad_out_key(self) -> str:
        return f"{self.name}.grad_out"

    def param_key(self, p: str) -> str:
        return f"{self.name}.{p}"

    def input(self) -> np.ndarray:
        if self.k > 0:
            return self.ctx.get(self.input_key)
        c = self.ctx
        x = c.x if c.x is not None else c.arrays.get("x", c.arrays.get("input"))
        if x is None:
            raise NotRecordedError("the batch x is not available")
        return x

    def output(self) -> np.ndarray:
        return self.ctx.get(self.output_key)

    def grad_out(self) -> np.ndarray:
        return self.ctx.get(self.grad_out_key)

    def param(self, p: str) -> np.ndarray:
        """The parameter as the forward and backward passes saw it ("<layer>.<p>.old" after the update)."""
        old = self.ctx.arrays.get(f"{self.name}.{p}.old")
        if old is not None:
            return old
        try:
            return self.ctx.params[self.name][p]
        except KeyError:
            raise NotRecordedError(f"parameter {self.name}.{p} is not available") from None

    @property
    def in_sym(self) -> str:
        return self.ctx.outs[self.k - 1].unicode if self.k > 0 else "x"

    @property
    def out_sym(self) -> str:
        return self.ctx.outs[self.k].unicode

    def weight_sym(self, p: str = "weight") -> str:
        """g⁽ᶜ⁾ / W⁽ᵈ⁾ for the weight, b⁽…⁾ for the bias, "<layer>.<p>" for anything else."""
        s = self.ctx.wsym.get(self.name)
        if s is None:
            return f"{self.name}.{p}"
        return s.unicode if p == "weight" else "b" + s.unicode[1:]

    def error_of_output(self, idx: tuple, factors: list) -> Derivation:
        """∂L/∂(this layer's output)[idx], expanded through the layers after it, times ``factors``."""
        return self.ctx.error_of_output(self.k, idx, factors, self.depth)

    def leaf(self, idx: tuple, factors: list) -> Derivation:
        """The recorded ∂L/∂(this layer's output)[idx] as one term, times ``factors``."""
        return self.ctx.leaf(self.k, idx, factors)
