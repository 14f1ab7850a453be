"""The update phase: θ ← θ − α ∂L/∂θ (the lecture's rule), or an optimiser's step.

For any parameter of any layer the record holds "<layer>.<p>.old", ".step" (new − old) and
".new"; with the gradient and α the step is recognised as SGD's −α·∂L/∂θ, otherwise it is shown
as the optimiser's step (momentum, Adam). In float32, new − old carries the rounding of ``old``,
shown as a "rounding" term so the terms still add up.
"""

from __future__ import annotations

import math

from core.explain.terms import Derivation, Term, fmt, ix, term


def _rounded(terms, target, ov, sv, dtype):
    # new − old is taken in the network's dtype: in float32 it carries the rounding of ``old``
    diff = target - math.fsum(t.product for t in terms)
    if diff and abs(diff) <= 1e-6 * (abs(ov) + abs(sv)):
        terms = terms + [Term(f"rounding ({dtype}: new − old)", (("rounding", diff),), diff, ())]
    return terms


def update(c, name: str, p: str, what: str, idx: tuple, lr) -> Derivation:
    """"<name>.<p>.<what>" with ``what`` one of old, step, new."""
    old = c.get(f"{name}.{p}.old")
    step = c.get(f"{name}.{p}.step")
    grad = c.arrays.get(f"{name}.{p}.grad")
    sym = c.layer(c.names.index(name)).weight_sym(p) if name in c.wsym else f"{name}.{p}"
    ov, sv = float(old[idx]), float(step[idx])
    refs = [(f"{name}.{p}.old", idx), (f"{name}.{p}.step", idx)]
    lr_grad = None if lr is None or grad is None else lr * float(grad[idx])
    sgd = lr_grad is not None and abs(sv + lr_grad) <= 1e-5 * max(abs(sv), abs(lr_grad), 1e-30) + 1e-7 * abs(ov)
    if sgd:
        step_term = term(f"−α · ∂L/∂{sym}{ix(idx)}", [("−α", -lr), (f"∂L/∂{sym}", float(grad[idx]))],
                         [(f"{name}.{p}.grad", idx)])
        eq_step = f"−α · ∂L/∂{sym}"
    else:
        step_term = term(f"the optimiser's step{ix(idx)}", [("step", sv)], refs[1:])
        eq_step = "step (the optimiser's move)"
    if what == "new":
        terms = _rounded([term(f"{sym}{ix(idx)} (old)", [("old", ov)], refs[:1]), step_term],
                         float(c.get(f"{name}.{p}.new")[idx]), ov, sv, old.dtype)
        rule = (f"{sym} ← {sym} {'− α · ∂L/∂' + sym if sgd else '+ step'}   "
                f"(new = old {'− α·grad' if sgd else '+ step'})")
        note = f"α = {lr:g}" if sgd else "The optimiser's step (momentum or Adam), recorded as new − old."
        return Derivation(rule, terms, f"= {fmt(ov)} + ({fmt(step_term.product)})", note)
    if what == "step":
        return Derivation(f"step = {eq_step}", _rounded([step_term], sv, ov, sv, old.dtype),
                          f"= {fmt(step_term.product)}", f"α = {lr:g}" if sgd else "")
    return Derivation(f"{sym} (old): the value before the update",
                      [term(f"{sym}{ix(idx)}", [("old", ov)], refs[:1])], f"= {fmt(ov)}")
