"""The explainer protocol: how a layer says what one of its elements is, with the numbers.

A layer class names its explainer in the class attribute ``explainer`` (an instance, or a
subclass that takes no arguments). The formula view asks it, by the kind of key clicked:

    key                     method                                  the layer's node ``at``
    "<layer>.out"           forward(at, index)                      its output element
    "<layer>.grad_in"       grad_in(at, index)                      ∂L/∂(its input) element
    "<layer>.<p>.grad"      param_grad(at, p, index)                ∂L/∂(parameter p) element
    (an earlier layer's)    expand_grad_in(at, index, factors)      ∂L/∂(its input) as part of a
                                                                    longer chain, times ``factors``

Each returns a core.explain.Derivation (the equation, its terms with their numbers, the
substituted equation, a note) or None for "not covered" — the formula view then shows the
layer's Formula text and says that there is no term-by-term formula. The terms must add up to
the recorded value: the formula view checks that and flags a mismatch. An exception is caught
and shown as "cannot explain this element"; a missing array (core.explain.NotRecordedError, raised
by ``at.input()`` & co.) as "not recorded yet". The update ("<layer>.<p>.old/step/new"), the
loss and ŷ are explained for every layer alike.

``expand_grad_in`` is what lets the error of an earlier layer be written out through this one:
an activation multiplies ``factors`` by its f′ and asks ``at.error_of_output``; a weighted layer
ends the chain with Σ weight · ∂L/∂(its output). Without it, a chain ends at the recorded error
of this layer's input — exact, just not expanded.
"""

from __future__ import annotations

from core.explain.terms import Derivation, Term, fmt, ix

MAX_TERMS = 20000  # beyond this an expansion stops at the recorded value (one leaf term)


class Explainer:
    """Base class: every method returns None (not covered). Override what your layer can explain."""

    def forward(self, at, index: tuple) -> Derivation | None:
        """The output element ``at.output()[index]`` (index: full, sample first)."""
        return None

    def grad_in(self, at, index: tuple) -> Derivation | None:
        """∂L/∂(input)[index]: the key "<layer>.grad_in" (and the previous layer's "grad_out")."""
        return None

    def param_grad(self, at, param: str, index: tuple) -> Derivation | None:
        """∂L/∂(parameter ``param``)[index], the batch sum (∂L/∂(output) already carries the 1/N)."""
        return None

    def expand_grad_in(self, at, index: tuple, factors: list) -> Derivation | None:
        """∂L/∂(input)[index] as terms for an earlier layer's formula, each times ``factors``
        ((name, value, refs) triples); ``equation`` and ``substituted`` are fragments."""
        return None


class Elementwise(Explainer):
    """An element-wise activation a = f(z): forward f(z), backward ∂L/∂z = ∂L/∂a · f′.

    Subclasses set ``f_text`` (f in terms of z, e.g. "1 / (1 + exp(−z))") and implement
    ``value(layer, z)`` and ``slope(layer, a)`` (f′ written with the output a, as the backward
    pass computes it: sigmoid a(1 − a)), ``slope_text(zs)`` and optionally ``slope_note``.
    """

    f_text = "f(z)"

    def value(self, layer, z: float) -> float:
        raise NotImplementedError

    def slope(self, layer, a: float) -> float:
        raise NotImplementedError

    def slope_text(self, zs: str) -> str:
        """f′ in the lecture's symbols, for the input symbol ``zs`` (e.g. "f(z⁽¹⁾)(1 − f(z⁽¹⁾))")."""
        return f"f′({zs})"

    def slope_note(self, zs: str, a: float) -> str:
        return f"f({zs}) = {fmt(a)}"

    def forward(self, at, index):
        ins = at.in_sym
        z = float(at.input()[index])
        val = self.value(at.layer, z)
        lab = f"f({ins}{ix(index)}) = {self.f_text}"
        t = Term(lab, ((ins, z),), val, ((at.input_key, tuple(int(t) for t in index)),))
        return Derivation(f"{at.out_sym} = f({ins}) = {self.f_text.replace('z', ins)}", [t],
                          f"= f({fmt(z)}) = {fmt(val)}")

    def grad_in(self, at, index):
        a = float(at.output()[index])
        d = self.slope(at.layer, a)
        zs = at.in_sym
        dt = self.slope_text(zs)
        factor = [("f′", d, [(at.output_key, index)])]
        e = at.error_of_output(index, factor)
        if len(e.terms) > MAX_TERMS:
            e = at.leaf(index, factor)
        eq = f"∂L/∂{zs} = ∂L/∂{at.out_sym} · {dt}\n     = ({e.equation}) · {dt}"
        return Derivation(eq, e.terms, f"= ({e.substituted}) · {fmt(d)}", self.slope_note(zs, a),
                          ((f"f′ = {dt}", d),))

    def expand_grad_in(self, at, index, factors):
        a = float(at.output()[index])
        d = self.slope(at.layer, a)
        sub = at.error_of_output(index, factors + [(f"f′({at.name})", d, [(at.output_key, index)])])
        return Derivation(f"({sub.equation}) · {self.slope_text(at.in_sym)}", sub.terms,
                          f"({sub.substituted}) · {fmt(d)}")

