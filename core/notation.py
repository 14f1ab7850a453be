"""The lecture's names for a network's values: x, z⁽ᵏ⁾, f(z⁽ᵏ⁾), a⁽ᵏ⁾, g⁽ᶜ⁾, W⁽ᵈ⁾, ŷ.

Weighted layers (conv, dense) are numbered k = 1, 2, … in order; their outputs are z⁽ᵏ⁾. Conv
filters are g⁽¹⁾, g⁽²⁾, … and dense weights W⁽¹⁾, W⁽²⁾, … (numbered separately, as the lecture
does). The output of the last layer of block k (before the next weighted layer) is a⁽ᵏ⁾.

Going backward, the quantities the lecture derives — ∂L/∂ŷ, every ∂L/∂z⁽ᵏ⁾ and every ∂L/∂g, ∂L/∂W —
are numbered as its steps; for the lecture's network these are its nine:
∂L/∂ŷ, ∂L/∂z⁽⁴⁾, ∂L/∂W⁽²⁾, ∂L/∂z⁽³⁾, ∂L/∂W⁽¹⁾, ∂L/∂z⁽²⁾, ∂L/∂g⁽²⁾, ∂L/∂z⁽¹⁾, ∂L/∂g⁽¹⁾.
"""

from __future__ import annotations

from dataclasses import dataclass

_SUP = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def sup(k: int) -> str:
    """(k) as a superscript: 3 -> '⁽³⁾'."""
    return f"⁽{str(k).translate(_SUP)}⁾"


@dataclass(frozen=True)
class Quantity:
    """One labelled array of a backward phase.

    key    the array's name in snapshots and trace files, e.g. "fc2.weight.grad", "sig3.grad_in"
    label  the lecture's notation, e.g. "∂L/∂W⁽²⁾";  ascii  the same as "dL/dW(2)"
    step   its number among the lecture's backward steps, or None (biases, routed errors)
    """

    key: str
    label: str
    ascii: str
    step: int | None = None


@dataclass(frozen=True)
class Symbol:
    unicode: str
    ascii: str


def _sym(base: str, k: int | None = None, wrap: str = "") -> Symbol:
    if k is None:
        return Symbol(base, base)
    u, a = f"{base}{sup(k)}", f"{base}({k})"
    return Symbol(f"{wrap}({u})" if wrap else u, f"{wrap}({a})" if wrap else a)


def output_symbols(nodes) -> list[Symbol]:
    """The lecture's name for each node's output (nodes: core.network.Node list)."""
    symbols, k = [], 0
    for i, node in enumerate(nodes):
        nxt = next((n for n in nodes[i + 1:] if n.layer.spec.category != "Reshape"), None)
        end_of_block = nxt is None or nxt.layer.weighted
        if node.layer.spec.category == "Reshape" and symbols:
            symbols.append(symbols[-1])  # flatten: the same values, another shape
        elif node.layer.weighted:
            k += 1
            symbols.append(_sym("z", k))
        elif k == 0:
            symbols.append(Symbol(f"{node.name}(x)", f"{node.name}(x)"))
        elif end_of_block:
            symbols.append(_sym("a", k))
        elif node.layer.init:  # an activation inside the block
            symbols.append(_sym("z", k, wrap="f"))
        else:
            symbols.append(Symbol(f"{node.name}(…{sup(k)})", f"{node.name}(...({k}))"))
    return symbols


def weight_symbols(nodes) -> dict[str, Symbol]:
    """Layer name -> the lecture's name of its weight: g⁽ᶜ⁾ for conv filters, W⁽ᵈ⁾ for dense."""
    counts: dict[str, int] = {}
    out = {}
    for node in nodes:
        if node.layer.weighted:
            base = "g" if node.layer.spec.category == "Convolution" else "W"
            counts[base] = counts.get(base, 0) + 1
            out[node.name] = _sym(base, counts[base])
    return out


def backward_quantities(nodes) -> list[list[Quantity]]:
    """For each node (in forward order), the labelled quantities its backward phase yields.

    The last node's phase starts at the loss: it also carries ∂L/∂ŷ and ∂L/∂z of the last layer.
    """
    outs = output_symbols(nodes)
    weights = weight_symbols(nodes)
    per_node: list[list[Quantity]] = [[] for _ in nodes]
    for i in range(len(nodes) - 1, -1, -1):
        node, qs = nodes[i], per_node[i]
        if i == len(nodes) - 1:
            qs.append(Quantity("probs.grad", "∂L/∂ŷ", "dL/dy_hat", 0))
            qs.append(Quantity(f"{node.name}.grad_out", f"∂L/∂{outs[i].unicode}", f"dL/d{outs[i].ascii}", 0))
        if node.name in weights:
            w = weights[node.name]
            qs.append(Quantity(f"{node.name}.weight.grad", f"∂L/∂{w.unicode}", f"dL/d{w.ascii}", 0))
            qs.append(Quantity(f"{node.name}.bias.grad", f"∂L/∂b{w.unicode[1:]}", f"dL/db{w.ascii[1:]}"))
        into = outs[i - 1] if i > 0 else Symbol("x", "x")
        is_z = into.unicode.startswith("z")
        qs.append(Quantity(f"{node.name}.grad_in", f"∂L/∂{into.unicode}", f"dL/d{into.ascii}", 0 if is_z else None))
    step = 0
    numbered = []
    for i in range(len(nodes) - 1, -1, -1):
        row = []
        for q in per_node[i]:
            if q.step == 0:
                step += 1
                q = Quantity(q.key, q.label, q.ascii, step)
            row.append(q)
        numbered.append(row)
    return numbered[::-1]


def lecture_steps(nodes) -> list[Quantity]:
    """The numbered backward quantities in the lecture's order."""
    per_node = backward_quantities(nodes)
    qs = [q for i in range(len(nodes) - 1, -1, -1) for q in per_node[i] if q.step]
    return sorted(qs, key=lambda q: q.step)


# the placeholders of a layer's core.api.Formula: weighted layers read a⁽ˡ⁾ and make z⁽ˡ⁺¹⁾ with
# g⁽ˡ⁾ or W⁽ˡ⁾; activations read z⁽ˡ⁾ and make a⁽ˡ⁾
_WEIGHTED_TOKENS = ("z⁽ˡ⁺¹⁾", "g⁽ˡ⁾", "W⁽ˡ⁾", "a⁽ˡ⁾")
_ACTIVATION_TOKENS = ("a⁽ˡ⁾", "z⁽ˡ⁾")
BIAS_NOTE = ("b: the bias, one number per {unit}: it shifts {out} and learns from ∂L/∂b = Σ ∂L/∂{out}. "
             "The lecture's layers have none; it is the weight of an input that is always 1.")


def layer_formula(nodes, i: int):
    """Node i's core.api.Formula in this network's own names: z⁽²⁾ = … g⁽²⁾ … a⁽¹⁾ for the second
    convolution, f(z⁽¹⁾) = 1 / (1 + exp(−z⁽¹⁾)) for a sigmoid after the first, x for the input
    of the first layer (the plugin's text uses the placeholders a⁽ˡ⁾, z⁽ˡ⁾, z⁽ˡ⁺¹⁾, g⁽ˡ⁾, W⁽ˡ⁾)."""
    from core.api import Formula

    nodes = list(nodes)
    node = nodes[i]
    f = getattr(node.layer, "formula", None) or Formula("", "")
    outs = output_symbols(nodes)
    src = outs[i - 1].unicode if i else "x"
    out = outs[i].unicode
    if node.layer.weighted:
        w = weight_symbols(nodes)[node.name].unicode
        names = dict(zip(_WEIGHTED_TOKENS, (out, w, w, src)))
    else:
        names = dict(zip(_ACTIVATION_TOKENS, (out, src)))

    def own(text: str) -> str:
        for token, name in names.items():
            text = text.replace(token, name)
        return text.replace(f"{out} = {out} = ", f"{out} = ")  # "a⁽ˡ⁾ = f(z⁽ˡ⁾) = …" where a is f(z)

    return Formula(own(f.forward), own(f.backward), {k: own(v) for k, v in f.grads.items()})
