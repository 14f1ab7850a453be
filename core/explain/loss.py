"""The loss end of the network: L, ŷ = softmax(z), ∂L/∂ŷ and the error (ŷ − y)/N.

Softmax cross-entropy is the network's loss, not a layer, so its formulas live here::

    L = −(1/N) Σₛ log ŷ[s, label]      ŷᵢ = exp(zᵢ) / Σⱼ exp(zⱼ)      ∂L/∂zᵢ = (ŷᵢ − yᵢ) / N

Each function takes the core.explain.context.Context and a full index and returns a Derivation.
"""

from __future__ import annotations

import math

import numpy as np

from core.explain.terms import Derivation, Term, factor_refs, factor_values, fmt, ix, term


def _labels(c):
    from core.explain.context import NotRecordedError

    y = c.labels()
    if y is None:
        raise NotRecordedError("the labels y are not available")
    return y


def softmax_error(c, idx, factors=()) -> Derivation:
    """∂L/∂z[s, i] of the last layer, (ŷ − y)/N, times ``factors`` (one term); the sample's own
    loss's, ŷ − y, when the context explains per sample (``c.per_sample``)."""
    sn, i = int(idx[0]), int(idx[1])
    probs = c.get("probs")
    y = _labels(c)
    n = probs.shape[0]
    p = float(probs[sn, i])
    yi = float(int(y[sn]) == i)
    if c.per_sample:
        t = term(f"ŷ{ix((sn, i))} − y{ix((sn, i))}", [("ŷ − y", p - yi), *factor_values(factors)],
                 [("probs", (sn, i)), *factor_refs(factors)])
        return Derivation("ŷ − y", [t], f"{fmt(p)} − {int(yi)}")
    t = term(f"(ŷ{ix((sn, i))} − y{ix((sn, i))}) / N", [("ŷ − y", p - yi), ("1/N", 1.0 / n), *factor_values(factors)],
             [("probs", (sn, i)), *factor_refs(factors)])
    return Derivation("(ŷ − y)/N", [t], f"({fmt(p)} − {int(yi)})/{n}")


def last_error(c, idx) -> Derivation:
    """The key "<last layer>.grad_out": softmax and cross-entropy together."""
    e = softmax_error(c, idx)
    zs = c.outs[-1].unicode
    if c.per_sample:
        return Derivation(f"∂L⁽ˢ⁾/∂{zs}ᵢ = ŷᵢ − yᵢ", e.terms, f"= {e.substituted}",
                          "Softmax and cross-entropy together: the error of this sample's own loss is its "
                          "prediction minus its one-hot label, as the lecture derives it.")
    return Derivation(f"∂L/∂{zs}ᵢ = (ŷᵢ − yᵢ) / N", e.terms, f"= {e.substituted}",
                      "Softmax and cross-entropy together: the error is the prediction minus the one-hot label, "
                      "divided by the batch size (the mean loss).")


def loss(c) -> Derivation:
    """The key "loss": the batch mean of −log ŷ at each sample's label."""
    probs, y = c.get("probs"), _labels(c)
    nb = len(y)
    terms = [term(f"−log ŷ{ix((s, int(y[s])))} / N",
                  [("−log ŷ", -math.log(max(float(probs[s, int(y[s])]), 1e-300))), ("1/N", 1.0 / nb)],
                  [("probs", (s, int(y[s])))])
             for s in range(nb)]
    return Derivation("L = −(1/N) Σₛ Σᵢ yᵢ log ŷᵢ = −(1/N) Σₛ log ŷ[s, label]", terms, f"= Σ {nb} samples",
                      "The batch mean of the cross-entropy.")


def probs(c, idx) -> Derivation:
    """The key "probs": ŷ = softmax of the last layer's output."""
    last = c.names[-1]
    z = np.asarray(c.get(f"{last}.out")[idx[0]], dtype=np.float64)
    e = np.exp(z - z.max())
    v = float(e[idx[1]] / e.sum())
    zs = c.outs[-1].unicode
    t = Term(f"exp({zs}{ix(idx)}) / Σⱼ exp({zs}[{idx[0] + 1},j])", ((zs, float(z[idx[1]])),), v,
             tuple((f"{last}.out", (idx[0], j)) for j in range(len(z))))
    return Derivation(f"ŷᵢ = exp({zs}ᵢ) / Σⱼ exp({zs}ⱼ)", [t], f"= {fmt(v)}",
                      "Softmax turns the scores into probabilities.")


def probs_grad(c, idx) -> Derivation:
    """The key "probs.grad": ∂L/∂ŷ = −y/(N ŷ), shown for the lecture's step 1 (not used by the engine)."""
    p_all = c.get("probs")
    nb = p_all.shape[0]
    p = float(p_all[idx])
    v = float(c.get("probs.grad")[idx])
    if c.per_sample:  # the sample's own loss: −y/ŷ
        t = (Term(f"−y{ix(idx)} / ŷ with y = 0", (("y", 0.0),), 0.0, (("probs", idx),)) if v == 0 else
             term(f"−1 / ŷ{ix(idx)}", [("−1", -1.0), ("1/ŷ", 1.0 / p)], [("probs", idx)]))
        return Derivation("∂L⁽ˢ⁾/∂ŷᵢ = −yᵢ / ŷᵢ", [t], f"= {fmt(t.product)}",
                          "Shown, not used: the engine goes straight to ∂L/∂z = ŷ − y.")
    if v == 0:
        t = Term(f"−y{ix(idx)} / (N ŷ) with y = 0", (("y", 0.0),), 0.0, (("probs", idx),))
    else:
        t = term(f"−1 / (N · ŷ{ix(idx)})", [("−1/N", -1.0 / nb), ("1/ŷ", 1.0 / p)], [("probs", idx)])
    return Derivation("∂L/∂ŷᵢ = −yᵢ / (N ŷᵢ)", [t], f"= {fmt(t.product)}",
                      "Shown, not used: the engine goes straight to ∂L/∂z = ŷ − y.")
