"""Pooling's elements with their numbers (max and average pooling, plugins/maxpool2d.py and
plugins/avgpool2d.py), window by window::

    max:  pool(a)ᵢⱼ = maxₘ,ₙ a₍ᵢₛ₊ₘ₎₍ⱼₛ₊ₙ₎        ∂L/∂aᵤᵥ = Σ_(i,j) ∋ (u,v) [(u,v) is the first max] ∂L/∂pool(a)ᵢⱼ
    avg:  pool(a)ᵢⱼ = (1/k²) Σₘ Σₙ a₍ᵢₛ₊ₘ₎₍ⱼₛ₊ₙ₎   ∂L/∂aᵤᵥ = Σ_(i,j) ∋ (u,v) (1/k²) ∂L/∂pool(a)ᵢⱼ

The windows containing an input position are found by ``windows_containing``; a position no
window covers (a border the windows skip) receives no error.
"""

from __future__ import annotations

import numpy as np

from core.explain import Derivation, Explainer, Term, factor_refs, factor_values, fmt, ix, term


def windows_containing(u, v, k, s, out_h, out_w):
    """(i, j, (row, col) of (u, v) inside the window) for every pooling window containing (u, v)."""
    for i in range(max(0, (u - k) // s), min(out_h, u // s + 1)):
        m = u - i * s
        if not 0 <= m < k:
            continue
        for jj in range(max(0, (v - k) // s), min(out_w, v // s + 1)):
            q = v - jj * s
            if 0 <= q < k:
                yield i, jj, (m, q)


class PoolExplainer(Explainer):
    """Shared by both poolings: the windows, and what each window passes back (``share``)."""

    def share(self, at, sn, ch, i, jj, pos) -> tuple[str, float, str]:
        """(factor name, the share of window (i, jj)'s error that input ``pos`` gets, its condition text)."""
        raise NotImplementedError

    @staticmethod
    def _window(at, sn, ch, i, jj) -> list[tuple[int, int, int, int]]:
        """The input elements of window (i, jj) of sample sn, channel ch, row by row."""
        k, s = at.hp["kernel_size"], at.hp["stride"]
        return [(sn, ch, i * s + m, jj * s + q) for m in range(k) for q in range(k)]

    def _windows(self, at, index):
        k, s = at.hp["kernel_size"], at.hp["stride"]
        sn, ch, u, v = (int(t) for t in index)
        out_h, out_w = at.node.out_shape[1:]
        for i, jj, pos in windows_containing(u, v, k, s, out_h, out_w):
            yield i, jj, pos, self._window(at, sn, ch, i, jj)

    def expand_grad_in(self, at, index, factors):
        sn, ch, u, v = (int(t) for t in index)
        terms, texts, substs = [], [], []
        for i, jj, pos, window in self._windows(at, index):
            name, share, cond = self.share(at, sn, ch, i, jj, pos)
            refs = [(at.input_key, w) for w in window] if name == "route" else []
            sub = at.error_of_output((sn, ch, i, jj), factors + [(name, share, refs)])
            texts.append(f"{cond.format(u=u + 1, v=v + 1, i=i + 1, j=jj + 1)} · ({sub.equation})")
            substs.append(f"{int(share) if name == 'route' else fmt(share)} · ({sub.substituted})")
            terms += sub.terms
        if not texts:  # not under any window (a border the windows skip): no error reaches it
            t = term(f"no pooling window covers ({u + 1},{v + 1})", [("error", 0.0), *factor_values(factors)],
                     factor_refs(factors))
            return Derivation("0 (no pooling window covers this position)", [t], "0")
        return Derivation(" + ".join(texts), terms, " + ".join(substs))

    def grad_in(self, at, index):
        sn, ch, u, v = (int(t) for t in index)
        dz = at.grad_out()
        ps = at.out_sym
        terms, subst = [], []
        for i, jj, pos, window in self._windows(at, index):
            name, share, cond = self.share(at, sn, ch, i, jj, pos)
            refs = [(at.input_key, w) for w in window] + [(at.grad_out_key, (sn, ch, i, jj))]
            dv = float(dz[sn, ch, i, jj])
            terms.append(term(f"{cond.format(u=u + 1, v=v + 1, i=i + 1, j=jj + 1)} · ∂L/∂{ps}{ix((sn, ch, i, jj))}",
                              [(name, share), (f"∂L/∂{ps}", dv)], refs))
            subst.append(f"{int(share) if name == 'route' else fmt(share)} · {fmt(dv)}")
        eq, note = self.backward_text(f"∂L/∂{at.in_sym}", ps)
        if not terms:
            return Derivation(eq, [term(f"no pooling window covers ({u + 1},{v + 1})", [("error", 0.0)])], "= 0",
                              "No pooling window covers this position: no error reaches it.")
        return Derivation(eq, terms, "= " + " + ".join(subst), note)


class MaxPoolExplainer(PoolExplainer):
    """The window's maximum, and the error routed back to where it came from."""

    def share(self, at, sn, ch, i, jj, pos):
        k, s = at.hp["kernel_size"], at.hp["stride"]
        vals = at.input()[sn, ch, i * s: i * s + k, jj * s: jj * s + k]
        first = int(np.argmax(vals))  # the first maximum, as the layer routes
        return "route", 1.0 if pos[0] * k + pos[1] == first else 0.0, "[({u},{v}) is the max of window ({i},{j})]"

    def backward_text(self, lhs, ps):
        return (f"{lhs}ᵤᵥ = Σ over windows (i, j) containing (u, v) of [(u, v) is the window's (first) max] · "
                f"∂L/∂{ps}ᵢⱼ",
                "Max pooling learns nothing: the error goes back only to where each window's maximum came from.")

    def forward(self, at, index):
        a, ins = at.input(), at.in_sym
        sn, ch, i, jj = (int(t) for t in index)
        window = self._window(at, sn, ch, i, jj)
        vals = [(f"{ins}{ix(w[2:])}", float(a[w])) for w in window]
        refs = tuple((at.input_key, w) for w in window)
        first = int(np.argmax([v for _, v in vals]))
        t = Term(f"max of window ({i + 1},{jj + 1}) = {ins}{ix(window[first][2:])}", tuple(vals), vals[first][1],
                 (refs[first],) + refs)
        return Derivation(f"pool({ins})ᵢⱼ = maxₘ,ₙ {ins}₍ᵢₛ₊ₘ₎₍ⱼₛ₊ₙ₎", [t],
                          f"= max({', '.join(fmt(v) for _, v in vals)})",
                          f"The maximum sits at {ix(window[first][2:])}: that is where the error will be routed "
                          "back.")


class AvgPoolExplainer(PoolExplainer):
    """The window's mean, and the error shared equally among its k² positions."""

    def share(self, at, sn, ch, i, jj, pos):
        k = at.hp["kernel_size"]
        return "1/k²", 1.0 / (k * k), f"(1/{k * k})"

    def backward_text(self, lhs, ps):
        return (f"{lhs}ᵤᵥ = Σ over windows (i, j) containing (u, v) of (1/k²) · ∂L/∂{ps}ᵢⱼ",
                "Average pooling shares each window's error equally among its k² positions.")

    def forward(self, at, index):
        a, ins = at.input(), at.in_sym
        k = at.hp["kernel_size"]
        sn, ch, i, jj = (int(t) for t in index)
        window = self._window(at, sn, ch, i, jj)
        terms = [term(f"(1/{k * k}) · {ins}{ix(w[2:])}", [("1/k²", 1.0 / (k * k)), (f"{ins}{ix(w[2:])}", a[w])],
                      [(at.input_key, w)]) for w in window]
        return Derivation(f"pool({ins})ᵢⱼ = (1/k²) Σₘ Σₙ {ins}₍ᵢₛ₊ₘ₎₍ⱼₛ₊ₙ₎", terms, f"= mean of {len(terms)} values")
