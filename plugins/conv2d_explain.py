"""The convolution's elements with their numbers: plugins/conv2d.py's equations, term by term.

Forward, one output pixel: the bias plus one term per weight of the receptive field::

    z[n,f,i,j] = b[f] + Σ_c Σ_m Σ_n' g[f,c,m,n'] · a[n, c, i·s+m−p, j·s+n'−p]

Backward, one input pixel: every (filter, offset) whose window covers it, g · ∂L/∂z at that
window (the error "flows back through (u − m, v − n)")::

    ∂L/∂a[n,c,u,v] = Σ_f Σ_m Σ_n' g[f,c,m,n'] · ∂L/∂z[n,f,i,j]      u = i·s+m−p, v = j·s+n'−p

Weight and bias gradients are batch sums: one term per sample, that sample's sum over positions.
"""

from __future__ import annotations

import numpy as np

from core.explain import Derivation, Explainer, Term, factor_refs, factor_values, fmt, inner_sum, ix, term


class ConvExplainer(Explainer):
    """Explains conv2d's z, ∂L/∂a, ∂L/∂g and ∂L/∂b."""

    def forward(self, at, index):
        a, g, b = at.input(), at.param("weight"), at.param("bias")
        s, p = at.hp["stride"], at.hp["padding"]
        sn, f, i, jj = (int(t) for t in index)
        _, nc, kh, kw = g.shape
        h, w = a.shape[2], a.shape[3]
        gs, ins = at.weight_sym(), at.in_sym
        terms = [term(f"b{ix((f,))}", [("b", b[f])], [(at.param_key("bias"), (f,))])]
        for ch in range(nc):
            for m in range(kh):
                u = i * s + m - p
                if not 0 <= u < h:
                    continue
                for q in range(kw):
                    v = jj * s + q - p
                    if 0 <= v < w:
                        terms.append(term(f"{gs}{ix((f, ch, m, q))} · {ins}{ix((sn, ch, u, v))}",
                                          [(gs, g[f, ch, m, q]), (ins, a[sn, ch, u, v])],
                                          [(at.param_key("weight"), (f, ch, m, q)), (at.input_key, (sn, ch, u, v))]))
        return Derivation(
            f"{at.out_sym}ᵢⱼ = b + Σ_c Σₘ Σₙ {gs}[c,m,n] · {ins}[c, i·s + m − p, j·s + n − p]   (s = {s}, p = {p})",
            terms, f"= {fmt(b[f])} + Σ {len(terms) - 1} terms",
            f"The receptive field: a {kh}×{kw} window in each of the {nc} input maps.")

    def expand_grad_in(self, at, index, factors):
        """∂L/∂a[n,ch,u,v] = Σ_f Σ_m Σ_q g[f,ch,m,q] · ∂L/∂z[n,f,i,j'] with u = i·s + m − p."""
        s, p = at.hp["stride"], at.hp["padding"]
        g, dz = at.param("weight"), at.grad_out()
        sn, ch, u, v = (int(t) for t in index)
        nf, _, kh, kw = g.shape
        ho, wo = dz.shape[2], dz.shape[3]
        gs, zs = at.weight_sym(), at.out_sym
        fvals, frefs = factor_values(factors), factor_refs(factors)
        terms = []
        for f in range(nf):
            for m in range(kh):
                iu = u + p - m
                if iu < 0 or iu % s or iu // s >= ho:
                    continue
                for q in range(kw):
                    iv = v + p - q
                    if iv < 0 or iv % s or iv // s >= wo:
                        continue
                    i, jj = iu // s, iv // s
                    terms.append(term(f"{gs}{ix((f, ch, m, q))} · ∂L/∂{zs}{ix((sn, f, i, jj))}",
                                      [(gs, g[f, ch, m, q]), (f"∂L/∂{zs}", dz[sn, f, i, jj]), *fvals],
                                      [(at.param_key("weight"), (f, ch, m, q)), (at.grad_out_key, (sn, f, i, jj)),
                                       *frefs]))
        shift = "i − m, j − n" if (s, p) == (1, 0) else f"(i + {p} − m)/{s}, (j + {p} − n)/{s}"
        return Derivation(f"Σ_f Σₘ Σₙ {gs}[f,c,m,n] · ∂L/∂{zs}[f, {shift}]", terms,
                          f"Σ {len(terms)} terms = {fmt(inner_sum(terms))}")

    def grad_in(self, at, index):
        e = self.expand_grad_in(at, index, [])
        return Derivation(f"∂L/∂{at.in_sym}[c,i,j] = {e.equation}", e.terms, f"= {e.substituted}",
                          "Cross-correlation forward, so the error flows back through (u − m, v − n); the "
                          "lecture's slide writes (i + m)(j + n) for its flipped kernel. The f′ factor belongs to "
                          "the activation.")

    def param_grad(self, at, param, index):
        s, pad = at.hp["stride"], at.hp["padding"]
        dz, a = at.grad_out(), at.input()
        n, ho, wo = dz.shape[0], dz.shape[2], dz.shape[3]
        h, w = a.shape[2], a.shape[3]
        sample = min(max(int(at.sample), 0), n - 1)
        zs, ins = at.out_sym, at.in_sym
        if param == "weight":
            f, ch, m, q = (int(t) for t in index)
            ap = np.pad(np.asarray(a[:, ch], dtype=np.float64), ((0, 0), (pad, pad), (pad, pad)))
            win = ap[:, m: m + s * (ho - 1) + 1: s, q: q + s * (wo - 1) + 1: s]  # (N, Ho, Wo)
            per = (win * np.asarray(dz[:, f], dtype=np.float64)).sum(axis=(1, 2))
            label = f"Σᵢ Σⱼ ∂L/∂{zs}[{{sn}},{f + 1},i,j] · {ins}[{{sn}},{ch + 1},i+{m},j+{q}]"
            related = {at.grad_out_key: [(sample, f, i, j) for i in range(ho) for j in range(wo)],
                       at.input_key: [(sample, ch, i * s + m - pad, j * s + q - pad) for i in range(ho)
                                      for j in range(wo) if 0 <= i * s + m - pad < h and 0 <= j * s + q - pad < w]}
            eq = (f"∂L/∂{at.weight_sym()}ₘₙ = Σ over samples Σᵢ Σⱼ ∂L/∂{zs}ᵢⱼ · {ins}₍ᵢ₊ₘ₎₍ⱼ₊ₙ₎   "
                  "(per filter f and input channel c)")
        elif param == "bias":
            f = int(index[0])
            per = np.asarray(dz[:, f], dtype=np.float64).sum(axis=(1, 2))
            label = f"Σᵢ Σⱼ ∂L/∂{zs}[{{sn}},{f + 1},i,j]"
            related = {at.grad_out_key: [(sample, f, i, j) for i in range(ho) for j in range(wo)]}
            eq = f"∂L/∂b[f] = Σ over samples Σᵢ Σⱼ ∂L/∂{zs}[f,i,j]"
        else:
            return None
        terms = [Term(f"sample {sn + 1}: " + label.format(sn=sn + 1), (("Σ over positions", float(per[sn])),),
                      float(per[sn])) for sn in range(n)]
        note = (f"Batch-averaged: ∂L/∂{zs} already carries the 1/N of the mean loss (N = {n}), so the "
                f"per-sample sums just add up. Highlighted: sample {sample}.")
        return Derivation(eq, terms, f"= Σ {n} per-sample sums", note, related=related)
