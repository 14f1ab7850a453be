"""A network's layers in the lecture's roles (Qt-free): its blocks, "conv 1", "dense 2", "pool 1",
the kind of each of its backward steps, and LaTeX for the names core.notation gives them.

The lecture's network has four blocks (a weighted layer and what follows it up to the next one):
a⁽¹⁾ = pool(f(g⁽¹⁾ * x)), a⁽²⁾ = pool(f(g⁽²⁾ * a⁽¹⁾)), a⁽³⁾ = f(W⁽¹⁾ a⁽²⁾), ŷ = softmax(W⁽²⁾ a⁽³⁾).
Other networks have other blocks; every step of the chapters asks for layers by role and says it
does not apply when the network has none.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.lecture.latex import unicode_to_latex
from core.notation import Quantity, backward_quantities, lecture_steps, output_symbols, weight_symbols

CATEGORY = {"conv": "Convolution", "dense": "Fully connected", "pool": "Pooling"}


def tex_symbol(unicode: str) -> str:
    """'z⁽³⁾' -> 'z^{(3)}', 'f(z⁽¹⁾)' -> 'f(z^{(1)})', 'ŷ' -> '\\hat{y}'."""
    return unicode_to_latex(unicode)


@dataclass(frozen=True)
class StepKind:
    """One of the network's numbered backward steps, and what the lecture's chain is for it."""

    number: int
    quantity: Quantity
    # "loss" ∂L/∂ŷ, "logits" ∂L/∂z of the last layer, "weight-dense"/"weight-conv",
    # "error-dense"/"error-conv" (∂L/∂z back through that weight), "other"
    kind: str
    node: int  # the node whose backward phase produces it
    weighted: int | None = None  # weight steps: the weighted node; error steps: the weighted node after z
    z_node: int | None = None  # error steps: the weighted node whose output is the z


class Roles:
    """Lookups over ``nodes`` (core.network.Node, in order)."""

    def __init__(self, nodes):
        self.nodes = list(nodes)
        self.symbols = output_symbols(self.nodes)
        self.weights = weight_symbols(self.nodes)
        self.weighted = [i for i, n in enumerate(self.nodes) if n.layer.weighted]

    # --- layers by role ------------------------------------------------------------------------

    def of(self, role: str) -> list[int]:
        if role == "activation":
            return [i for i, n in enumerate(self.nodes) if n.layer.init]
        cat = CATEGORY[role]
        return [i for i, n in enumerate(self.nodes) if n.layer.spec.category == cat]

    def resolve(self, ref: str) -> int | None:
        """'conv 1' -> index of the first conv layer; 'dense last'; None if there is no such layer."""
        role, _, which = ref.strip().partition(" ")
        found = self.of(role)
        if not found:
            return None
        if which in ("", "1"):
            return found[0]
        if which == "last":
            return found[-1]
        k = int(which)
        return found[k - 1] if 0 < k <= len(found) else None

    def blocks(self) -> list[list[int]]:
        """Node indices per block: a weighted node and the nodes after it up to the next weighted one.
        Nodes before the first weighted one belong to block 1."""
        out: list[list[int]] = []
        for i, n in enumerate(self.nodes):
            if n.layer.weighted or not out:
                out.append([i])
            else:
                out[-1].append(i)
        return out

    def symbol(self, i: int) -> str:
        """The lecture's name of node i's output as LaTeX (i = -1: the input x)."""
        return "x" if i < 0 else tex_symbol(self.symbols[i].unicode)

    def weight(self, i: int) -> str:
        return tex_symbol(self.weights[self.nodes[i].name].unicode)

    def phase(self, kind: str, i: int) -> str:
        return f"{kind}:{self.nodes[i].name}"

    # --- the backward steps ----------------------------------------------------------------------

    def steps(self) -> list[StepKind]:
        per_node = backward_quantities(self.nodes)
        where = {q.key: i for i, qs in enumerate(per_node) for q in qs}
        last = len(self.nodes) - 1
        out = []
        for q in lecture_steps(self.nodes):
            i = where[q.key]
            if q.key == "probs.grad":
                out.append(StepKind(q.step, q, "loss", i))
            elif q.key == f"{self.nodes[last].name}.grad_out":
                out.append(StepKind(q.step, q, "logits", i))
            elif q.key.endswith(".weight.grad"):
                cat = "conv" if self.nodes[i].layer.spec.category == "Convolution" else "dense"
                out.append(StepKind(q.step, q, f"weight-{cat}", i, weighted=i))
            else:  # ∂L/∂z of a weighted layer's output, from the node after it
                z_node = max(w for w in self.weighted if w < i)
                after = next((w for w in self.weighted if w > z_node), None)
                if after is None or not self.nodes[i].layer.init:
                    out.append(StepKind(q.step, q, "other", i, after, z_node))
                    continue
                cat = "conv" if self.nodes[after].layer.spec.category == "Convolution" else "dense"
                out.append(StepKind(q.step, q, f"error-{cat}", i, after, z_node))
        return out
