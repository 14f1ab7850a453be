"""The dense layer's elements with their numbers: plugins/dense.py's equations, term by term::

    z[n,i] = bᵢ + Σⱼ W[i,j] a[n,j]            ∂L/∂a[n,j] = Σᵢ W[i,j] ∂L/∂z[n,i]
    ∂L/∂W[i,j] = Σ over samples a[n,j] ∂L/∂z[n,i]      ∂L/∂bᵢ = Σ over samples ∂L/∂z[n,i]
"""

from __future__ import annotations

from core.explain import Derivation, Explainer, factor_refs, factor_values, fmt, inner_sum, ix, term


class DenseExplainer(Explainer):
    """Explains dense's z, ∂L/∂a, ∂L/∂W and ∂L/∂b."""

    def forward(self, at, index):
        a, wm, b = at.input(), at.param("weight"), at.param("bias")
        sn, i = int(index[0]), int(index[1])
        ws, ins = at.weight_sym(), at.in_sym
        terms = [term(f"b{ix((i,))}", [("b", b[i])], [(at.param_key("bias"), (i,))])]
        terms += [term(f"{ws}{ix((i, j))} · {ins}{ix((sn, j))}", [(ws, wm[i, j]), (ins, a[sn, j])],
                       [(at.param_key("weight"), (i, j)), (at.input_key, (sn, j))]) for j in range(wm.shape[1])]
        return Derivation(f"{at.out_sym}ᵢ = Σⱼ {ws}ᵢⱼ {ins}ⱼ + bᵢ", terms, f"= {fmt(b[i])} + Σ {len(terms) - 1} terms")

    def expand_grad_in(self, at, index, factors):
        """∂L/∂a[n,j] = Σ_i W[i,j] · ∂L/∂z[n,i]."""
        w, dz = at.param("weight"), at.grad_out()
        sn, jj = int(index[0]), int(index[1])
        ws, zs = at.weight_sym(), at.out_sym
        fvals, frefs = factor_values(factors), factor_refs(factors)
        terms = [term(f"{ws}{ix((i, jj))} · ∂L/∂{zs}{ix((sn, i))}", [(ws, w[i, jj]), (f"∂L/∂{zs}", dz[sn, i]), *fvals],
                      [(at.param_key("weight"), (i, jj)), (at.grad_out_key, (sn, i)), *frefs])
                 for i in range(w.shape[0])]
        return Derivation(f"Σᵢ {ws}ᵢⱼ · ∂L/∂{zs}ᵢ", terms, f"Σ {len(terms)} terms = {fmt(inner_sum(terms))}")

    def grad_in(self, at, index):
        e = self.expand_grad_in(at, index, [])
        return Derivation(f"∂L/∂{at.in_sym}ⱼ = {e.equation}", e.terms, f"= {e.substituted}",
                          "Wᵀ carries the error back; the f′ factor belongs to the activation layer.")

    def param_grad(self, at, param, index):
        dz, a = at.grad_out(), at.input()
        n = dz.shape[0]
        zs, ins = at.out_sym, at.in_sym
        if param == "weight":
            i, jj = int(index[0]), int(index[1])
            terms = [term(f"sample {sn + 1}: {ins}{ix((sn, jj))} · ∂L/∂{zs}{ix((sn, i))}",
                          [(ins, a[sn, jj]), (f"∂L/∂{zs}", dz[sn, i])],
                          [(at.input_key, (sn, jj)), (at.grad_out_key, (sn, i))]) for sn in range(n)]
            eq = f"∂L/∂{at.weight_sym()}ᵢⱼ = Σ over samples {ins}ⱼ · ∂L/∂{zs}ᵢ"
        elif param == "bias":
            i = int(index[0])
            terms = [term(f"sample {sn + 1}: ∂L/∂{zs}{ix((sn, i))}", [(f"∂L/∂{zs}", dz[sn, i])],
                          [(at.grad_out_key, (sn, i))]) for sn in range(n)]
            eq = f"∂L/∂bᵢ = Σ over samples ∂L/∂{zs}ᵢ"
        else:
            return None
        return Derivation(eq, terms, f"= Σ {n} samples",
                          f"Batch-averaged: ∂L/∂{zs} already carries the 1/N of the mean loss (N = {n}).")
