"""Every value with its formula: the lecture's equation for one element, with its numbers.

``explain(arrays, params, nodes, key, index)`` takes the arrays of one iteration (an
IterationRecord's or a StepView's, keys as in core.stepper.Snapshot), the parameters, the
network's nodes, an array key and a full index (sample first for batch arrays), and returns an
:class:`Explanation`: the equation in the lecture's symbols (core.notation: x, z⁽ˡ⁾, f(z⁽ˡ⁾), a⁽ˡ⁾,
g⁽ᶜ⁾, W⁽ᵈ⁾, ŷ), every term with its numbers substituted, their sum, the value the array holds, and
``related``: the elements each term reads (the receptive field, the pooling route), by array key,
for panels to highlight.

The terms always add up to the displayed value (up to rounding): a factor that multiplies the
whole sum — the activation's f′, a pooling route — is shown once in ``factors`` and is also
included in every term's product. For example the error at a pixel of the first sigmoid's input,
in the lecture's network (conv1 → sig1 → pool1 → conv2)::

    ∂L/∂z⁽¹⁾ᵤᵥ = [ (u, v) is the max of its pool window (i, j) ]
                 · (Σ_f Σₘ Σₙ g⁽²⁾[f, c, m, n] ∂L/∂z⁽²⁾[f, i − m, j − n]) · f(z⁽¹⁾ᵤᵥ)(1 − f(z⁽¹⁾ᵤᵥ))

Batch-summed quantities (∂L/∂g, ∂L/∂W, ∂L/∂b) are listed as one term per sample: that sample's
sum over positions (∂L/∂z already carries the 1/N of the mean loss). Forward values are explained
too (z = b + Σ g·a over the receptive field, f(z), the window's max, …), and so are the loss, ŷ,
∂L/∂ŷ, ŷ − y and the update (old − α·∂L/∂θ = new, or the optimiser's step).

Which parameters: after the update phase, ``params`` hold the new weights while the forward and
backward passes used the old ones; the record's "<layer>.<p>.old" arrays are used when present.

A key that is not covered (an intermediate, a user's plugin layer) gives an Explanation with the
layer's Formula text and no terms; ``explain`` never raises.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from core.notation import output_symbols, weight_symbols

MAX_TERMS = 20000  # beyond this an expansion stops at the recorded value (one leaf term)
# in float32 the engine's sums round; a difference up to this share of Σ|terms| is shown as a
# "rounding" term (anything larger is a real mismatch and is reported in the note)
ROUNDING_SHARE = 1e-4

_ACT_IDS = ("sigmoid", "tanh", "relu")


@dataclass(frozen=True)
class Term:
    """One summand: its label, the numbers it multiplies, their product, the elements it reads."""

    label: str
    values: tuple[tuple[str, float], ...]
    product: float
    refs: tuple[tuple[str, tuple], ...] = ()


@dataclass(frozen=True)
class Explanation:
    """The formula of one element, with numbers. ``total`` (Σ products) equals ``value``."""

    key: str
    index: tuple
    title: str  # the element in the lecture's notation, e.g. "∂L/∂z⁽¹⁾ [sample 0, channel 2, row 5, col 7]"
    equation: str  # the general equation (Unicode, lecture symbols)
    value: float | None  # what the array holds at ``index`` (None if not recorded)
    terms: tuple[Term, ...] = ()
    factors: tuple[tuple[str, float], ...] = ()  # common factors, already inside every product
    substituted: str = ""  # the equation with its numbers: "= 1 · (Σ 400 terms = …) · 0.2411 = …"
    related: dict = field(default_factory=dict)  # array key -> [index tuples]
    note: str = ""
    layer: str | None = None
    supported: bool = True

    @property
    def total(self) -> float | None:
        """Σ of the terms' products (exact summation), None without terms."""
        if not self.terms:
            return None
        return math.fsum(t.product for t in self.terms)

    def adds_up(self, rtol: float = 1e-6) -> bool:
        """True when the terms add up to the displayed value within ``rtol`` (relative)."""
        if self.total is None or self.value is None:
            return False
        scale = max(abs(self.value), 1e-300)
        return abs(self.total - self.value) <= rtol * scale or self.total == self.value


class _MissingError(Exception):
    """An array the formula needs is not recorded (yet)."""


def _ix(index) -> str:
    return "[" + ",".join(str(int(i)) for i in index) + "]"


def _f(v: float) -> str:
    v = float(v)
    if v == 0 or (1e-3 <= abs(v) < 1e4):
        return f"{v:.6g}"
    return f"{v:.4e}"


_DIMS = {4: ("sample", "channel", "row", "col"), 2: ("sample", "unit"), 1: ("unit",)}
_WDIMS = {4: ("filter", "channel", "row", "col"), 2: ("out", "in"), 1: ("unit",)}


def _where(key: str, index: tuple) -> str:
    dims = (_WDIMS if (".weight" in key or ".bias" in key) else _DIMS).get(len(index))
    if dims is None:
        return _ix(index)
    return "[" + ", ".join(f"{d} {int(i)}" for d, i in zip(dims, index)) + "]"


class _Ctx:
    def __init__(self, arrays, params, nodes, x, lr, sample, y=None):
        self.arrays, self.params, self.nodes = arrays, params or {}, list(nodes)
        self.x, self.lr, self.sample = x, lr, sample
        self.y = y if y is not None else arrays.get("y")
        self.names = [n.name for n in self.nodes]
        self.outs = output_symbols(self.nodes)
        self.wsym = weight_symbols(self.nodes)

    # --- arrays -------------------------------------------------------------------------------

    def get(self, key: str) -> np.ndarray:
        a = self.arrays.get(key)
        if a is None:
            raise _MissingError(f"{key} is not recorded yet: step further through the iteration")
        return a

    def labels(self) -> np.ndarray | None:
        """The batch's labels: given, or read off ∂L/∂z of the last layer (ŷ − 1 < 0 only at the label)."""
        if self.y is not None:
            return np.asarray(self.y)
        gz = self.arrays.get(f"{self.names[-1]}.grad_out")
        return None if gz is None else np.argmin(gz, axis=1)

    def inp_key(self, k: int) -> str:
        return f"{self.names[k - 1]}.out" if k > 0 else "x"

    def inp(self, k: int) -> np.ndarray:
        if k > 0:
            return self.get(self.inp_key(k))
        x = self.x if self.x is not None else self.arrays.get("x", self.arrays.get("input"))
        if x is None:
            raise _MissingError("the batch x is not available")
        return x

    def param(self, k: int, p: str) -> np.ndarray:
        name = self.names[k]
        old = self.arrays.get(f"{name}.{p}.old")
        if old is not None:
            return old
        try:
            return self.params[name][p]
        except KeyError:
            raise _MissingError(f"parameter {name}.{p} is not available") from None

    def gout(self, k: int) -> np.ndarray:
        return self.get(f"{self.names[k]}.grad_out")

    # --- symbols ------------------------------------------------------------------------------

    def in_sym(self, k: int) -> str:
        return self.outs[k - 1].unicode if k > 0 else "x"

    def out_sym(self, k: int) -> str:
        return self.outs[k].unicode

    def w_sym(self, k: int, p: str = "weight") -> str:
        s = self.wsym.get(self.names[k])
        base = s.unicode if s else f"{self.names[k]}.weight"
        return base if p == "weight" else ("b" + base[1:] if s else f"{self.names[k]}.{p}")

    def lid(self, k: int) -> str:
        return getattr(getattr(self.nodes[k].layer, "spec", None), "id", "")


def _prod(values) -> float:
    p = 1.0
    for _, v in values:
        p *= float(v)
    return p


def _term(label, values, refs=()) -> Term:
    values = tuple((n, float(v)) for n, v in values)
    return Term(label, values, _prod(values), tuple(refs))


def _act_value(lid: str, z: float) -> float:
    if lid == "sigmoid":
        return 1.0 / (1.0 + math.exp(-z)) if z > -700 else 0.0
    if lid == "tanh":
        return math.tanh(z)
    return max(0.0, z)


def _act_deriv(lid: str, a: float) -> float:
    if lid == "sigmoid":
        return a * (1.0 - a)
    if lid == "tanh":
        return 1.0 - a * a
    return 1.0 if a > 0 else 0.0


def _deriv_text(lid: str, zs: str) -> str:
    if lid == "sigmoid":
        return f"f({zs})(1 − f({zs}))"
    if lid == "tanh":
        return f"(1 − f({zs})²)"
    return f"[{zs} > 0]"


def _act_text(lid: str) -> str:
    return {"sigmoid": "1 / (1 + exp(−z))", "tanh": "tanh(z)", "relu": "max(0, z)"}[lid]


# --- the error at a layer's output, expanded down to the next weighted layer or the loss ----------

class _Exp:
    """Terms (with common factors multiplied in) and the equation fragment they came from."""

    def __init__(self, terms, text, subst, factors=()):
        self.terms, self.text, self.subst, self.factors = terms, text, subst, tuple(factors)


def _error_of_output(c: _Ctx, k: int, idx: tuple, factors: list, depth: int = 0) -> _Exp:
    """∂L/∂(output of node k)[idx] as terms, each multiplied by ``factors`` ((name, value, refs))."""
    n = len(c.nodes)
    fvals = [(nm, v) for nm, v, _ in factors]
    frefs = [r for _, _, rs in factors for r in rs]
    if k == n - 1:
        return _softmax_error(c, idx, fvals, frefs)
    j = k + 1
    lid = c.lid(j)
    if depth > 8:
        return _leaf(c, k, idx, fvals, frefs)
    if lid == "conv2d":
        return _conv_grad_in_terms(c, j, idx, fvals, frefs)
    if lid == "dense":
        return _dense_grad_in_terms(c, j, idx, fvals, frefs)
    if lid in ("maxpool2d", "avgpool2d"):
        hp = c.nodes[j].layer.hp
        kk, s = hp["kernel_size"], hp["stride"]
        a = c.inp(j)
        out_h, out_w = c.nodes[j].out_shape[1:]
        sn, ch, u, v = idx
        terms, texts, substs = [], [], []
        for i, jj, (wr, wc) in _windows_containing(u, v, kk, s, out_h, out_w):
            window = [(sn, ch, i * s + m, jj * s + q) for m in range(kk) for q in range(kk)]
            if lid == "maxpool2d":
                vals = a[sn, ch, i * s: i * s + kk, jj * s: jj * s + kk]
                first = int(np.argmax(vals))  # the first maximum, as the layer routes
                route = 1.0 if (wr * kk + wc) == first else 0.0
                name = "route"
                refs = [(c.inp_key(j), w) for w in window]
                sub = _error_of_output(c, j, (sn, ch, i, jj), factors + [(name, route, refs)], depth + 1)
                texts.append(f"[({u},{v}) is the max of pool window ({i},{jj})] · ({sub.text})")
                substs.append(f"{int(route)} · ({sub.subst})")
            else:
                name = "1/k²"
                sub = _error_of_output(c, j, (sn, ch, i, jj), factors + [(name, 1.0 / (kk * kk), [])], depth + 1)
                texts.append(f"(1/{kk * kk}) · ({sub.text})")
                substs.append(f"{_f(1.0 / (kk * kk))} · ({sub.subst})")
            terms += sub.terms
        if not texts:  # not under any window (a border the windows skip): no error reaches it
            return _Exp([_term(f"no pooling window covers ({u},{v})", [("error", 0.0), *fvals], frefs)],
                        "0 (no pooling window covers this position)", "0")
        return _Exp(terms, " + ".join(texts), " + ".join(substs))
    if c.nodes[j].layer.spec.category == "Reshape" and lid == "flatten":
        shape = c.nodes[j].in_shape
        flat = int(np.ravel_multi_index(tuple(int(t) for t in idx[1:]), shape))
        sub = _error_of_output(c, j, (idx[0], flat), factors, depth + 1)
        return _Exp(sub.terms, sub.text, sub.subst)
    if lid in _ACT_IDS:
        a = float(c.get(f"{c.names[j]}.out")[idx])
        d = _act_deriv(lid, a)
        sub = _error_of_output(c, j, idx, factors + [(f"f′({c.names[j]})", d, [(f"{c.names[j]}.out", idx)])],
                               depth + 1)
        return _Exp(sub.terms, f"({sub.text}) · {_deriv_text(lid, c.in_sym(j))}", f"({sub.subst}) · {_f(d)}")
    return _leaf(c, k, idx, fvals, frefs)


def _leaf(c: _Ctx, k: int, idx, fvals, frefs) -> _Exp:
    key = f"{c.names[k]}.grad_out"
    v = float(c.get(key)[idx])
    lab = f"∂L/∂{c.out_sym(k)}{_ix(idx)}"
    return _Exp([_term(lab, [(lab, v), *fvals], [(key, tuple(idx)), *frefs])], f"∂L/∂{c.out_sym(k)}", _f(v))


def _softmax_error(c: _Ctx, idx, fvals, frefs) -> _Exp:
    sn, i = int(idx[0]), int(idx[1])
    probs = c.get("probs")
    y = c.labels()
    n = probs.shape[0]
    p = float(probs[sn, i])
    if y is None:
        raise _MissingError("the labels y are not available")
    yi = float(int(y[sn]) == i)
    terms = [_term(f"(ŷ[{sn},{i}] − y[{sn},{i}]) / N",
                   [("ŷ − y", p - yi), ("1/N", 1.0 / n), *fvals], [("probs", (sn, i)), *frefs])]
    return _Exp(terms, "(ŷ − y)/N", f"({_f(p)} − {int(yi)})/{n}")


def _conv_grad_in_terms(c: _Ctx, j: int, idx, fvals, frefs) -> _Exp:
    """∂L/∂a[n,ch,u,v] = Σ_f Σ_m Σ_q g[f,ch,m,q] · ∂L/∂z[n,f,i,j'] with u = i·s + m − p."""
    hp = c.nodes[j].layer.hp
    s, p = hp["stride"], hp["padding"]
    g = c.param(j, "weight")
    dz = c.gout(j)
    sn, ch, u, v = (int(t) for t in idx)
    nf, _, kh, kw = g.shape
    ho, wo = dz.shape[2], dz.shape[3]
    gs, zs, name = c.w_sym(j), c.out_sym(j), c.names[j]
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
                gv, dv = float(g[f, ch, m, q]), float(dz[sn, f, i, jj])
                terms.append(_term(f"{gs}[{f},{ch},{m},{q}] · ∂L/∂{zs}[{sn},{f},{i},{jj}]",
                                   [(gs, gv), (f"∂L/∂{zs}", dv), *fvals],
                                   [(f"{name}.weight", (f, ch, m, q)), (f"{name}.grad_out", (sn, f, i, jj)), *frefs]))
    shift = "i − m, j − n" if (s, p) == (1, 0) else f"(i + {p} − m)/{s}, (j + {p} − n)/{s}"
    text = f"Σ_f Σₘ Σₙ {gs}[f,c,m,n] · ∂L/∂{zs}[f, {shift}]"
    inner = math.fsum(t.values[0][1] * t.values[1][1] for t in terms)
    return _Exp(terms, text, f"Σ {len(terms)} terms = {_f(inner)}")


def _dense_grad_in_terms(c: _Ctx, j: int, idx, fvals, frefs) -> _Exp:
    """∂L/∂a[n,jj] = Σ_i W[i,jj] · ∂L/∂z[n,i]."""
    w = c.param(j, "weight")
    dz = c.gout(j)
    sn, jj = int(idx[0]), int(idx[1])
    ws, zs, name = c.w_sym(j), c.out_sym(j), c.names[j]
    terms = [_term(f"{ws}[{i},{jj}] · ∂L/∂{zs}[{sn},{i}]",
                   [(ws, w[i, jj]), (f"∂L/∂{zs}", dz[sn, i]), *fvals],
                   [(f"{name}.weight", (i, jj)), (f"{name}.grad_out", (sn, i)), *frefs])
             for i in range(w.shape[0])]
    inner = math.fsum(t.values[0][1] * t.values[1][1] for t in terms)
    return _Exp(terms, f"Σᵢ {ws}ᵢⱼ · ∂L/∂{zs}ᵢ", f"Σ {len(terms)} terms = {_f(inner)}")


def _windows_containing(u, v, k, s, out_h, out_w):
    """(i, j, (row, col) of (u, v) inside the window) for every pooling window containing (u, v)."""
    for i in range(max(0, (u - k) // s), min(out_h, u // s + 1)):
        m = u - i * s
        if not 0 <= m < k:
            continue
        for jj in range(max(0, (v - k) // s), min(out_w, v // s + 1)):
            q = v - jj * s
            if 0 <= q < k:
                yield i, jj, (m, q)


# --- one function per kind of key ---------------------------------------------------------------

def _explain_grad_in(c: _Ctx, k: int, key: str, idx: tuple):
    lid = c.lid(k)
    lhs = f"∂L/∂{c.in_sym(k)}"
    node = c.nodes[k]
    if lid == "conv2d":
        e = _conv_grad_in_terms(c, k, idx, [], [])
        return (f"{lhs}[c,i,j] = {e.text}", e.terms, (), f"= {e.subst}",
                "Cross-correlation forward, so the error flows back through (u − m, v − n); the lecture's "
                "slide writes (i + m)(j + n) for its flipped kernel. The f′ factor belongs to the activation.")
    if lid == "dense":
        e = _dense_grad_in_terms(c, k, idx, [], [])
        return (f"{lhs}ⱼ = {e.text}", e.terms, (), f"= {e.subst}",
                "Wᵀ carries the error back; the f′ factor belongs to the activation layer.")
    if lid in _ACT_IDS:
        a = float(c.get(f"{node.name}.out")[idx])
        d = _act_deriv(lid, a)
        fac = (f"f′ = {_deriv_text(lid, c.in_sym(k))}", d)
        e = _error_of_output(c, k, idx, [("f′", d, [(f"{node.name}.out", idx)])])
        if len(e.terms) > MAX_TERMS:
            e = _leaf(c, k, idx, [("f′", d)], [(f"{node.name}.out", idx)])
        zs = c.in_sym(k)
        eq = f"{lhs} = ∂L/∂{c.out_sym(k)} · {_deriv_text(lid, zs)}\n     = ({e.text}) · {_deriv_text(lid, zs)}"
        note = {"sigmoid": f"f′(z) = f(z)(1 − f(z)) with f({zs}) = {_f(a)}",
                "tanh": f"f′(z) = 1 − f(z)² with f({zs}) = {_f(a)}",
                "relu": f"f′(z) = 1 where z > 0, else 0 (f({zs}) = {_f(a)})"}[lid]
        return eq, e.terms, (fac,), f"= ({e.subst}) · {_f(d)}", note
    if lid in ("maxpool2d", "avgpool2d"):
        hp = node.layer.hp
        kk, s = hp["kernel_size"], hp["stride"]
        a = c.inp(k)
        dz = c.gout(k)
        sn, ch, u, v = (int(t) for t in idx)
        out_h, out_w = node.out_shape[1:]
        terms, subst = [], []
        ps = c.out_sym(k)
        for i, jj, (wr, wc) in _windows_containing(u, v, kk, s, out_h, out_w):
            window = [(sn, ch, i * s + m, jj * s + q) for m in range(kk) for q in range(kk)]
            refs = [(c.inp_key(k), w) for w in window] + [(f"{node.name}.grad_out", (sn, ch, i, jj))]
            dv = float(dz[sn, ch, i, jj])
            if lid == "maxpool2d":
                first = int(np.argmax(a[sn, ch, i * s: i * s + kk, jj * s: jj * s + kk]))
                route = 1.0 if wr * kk + wc == first else 0.0
                terms.append(_term(f"[({u},{v}) is the max of window ({i},{jj})] · ∂L/∂{ps}[{sn},{ch},{i},{jj}]",
                                   [("route", route), (f"∂L/∂{ps}", dv)], refs))
                subst.append(f"{int(route)} · {_f(dv)}")
            else:
                terms.append(_term(f"(1/{kk * kk}) · ∂L/∂{ps}[{sn},{ch},{i},{jj}]",
                                   [("1/k²", 1.0 / (kk * kk)), (f"∂L/∂{ps}", dv)], refs))
                subst.append(f"{_f(1.0 / (kk * kk))} · {_f(dv)}")
        if lid == "maxpool2d":
            eq = (f"{lhs}ᵤᵥ = Σ over windows (i, j) containing (u, v) of "
                  f"[(u, v) is the window's (first) max] · ∂L/∂{ps}ᵢⱼ")
            note = "Max pooling learns nothing: the error goes back only to where each window's maximum came from."
        else:
            eq = f"{lhs}ᵤᵥ = Σ over windows (i, j) containing (u, v) of (1/k²) · ∂L/∂{ps}ᵢⱼ"
            note = "Average pooling shares each window's error equally among its k² positions."
        if not terms:
            return (eq, [_term(f"no pooling window covers ({u},{v})", [("error", 0.0)])], (), "= 0",
                    "No pooling window covers this position: no error reaches it.")
        return eq, terms, (), "= " + " + ".join(subst), note
    if lid == "flatten":
        shape = node.in_shape
        flat = int(np.ravel_multi_index(tuple(int(t) for t in idx[1:]), shape))
        dv = float(c.gout(k)[idx[0], flat])
        lab = f"∂L/∂{c.out_sym(k)}[{idx[0]},{flat}]"
        return (f"{lhs}[c,i,j] = ∂L/∂vec[(c·H + i)·W + j]   (a reshape)",
                [_term(lab, [(lab, dv)], [(f"{node.name}.grad_out", (int(idx[0]), flat))])], (),
                f"= {_f(dv)}", f"Flatten only reshapes: element {flat} of the vector, H = {shape[1]}, W = {shape[2]}.")
    return None


def _explain_param_grad(c: _Ctx, k: int, p: str, idx: tuple):
    lid = c.lid(k)
    name = c.names[k]
    zs = c.out_sym(k)
    dz = c.gout(k)
    a = c.inp(k)
    n = dz.shape[0]
    sample = min(max(int(c.sample), 0), n - 1)
    terms = []
    if lid == "conv2d":
        hp = c.nodes[k].layer.hp
        s, pad = hp["stride"], hp["padding"]
        ho, wo = dz.shape[2], dz.shape[3]
        h, w = a.shape[2], a.shape[3]
        if p == "weight":
            f, ch, m, q = (int(t) for t in idx)
            ap = np.pad(np.asarray(a[:, ch], dtype=np.float64), ((0, 0), (pad, pad), (pad, pad)))
            win = ap[:, m: m + s * (ho - 1) + 1: s, q: q + s * (wo - 1) + 1: s]  # (N, Ho, Wo)
            d = np.asarray(dz[:, f], dtype=np.float64)
            per = (win * d).sum(axis=(1, 2))
            ins = c.in_sym(k)
            for sn in range(n):
                terms.append(Term(f"sample {sn}: Σᵢ Σⱼ ∂L/∂{zs}[{sn},{f},i,j] · {ins}[{sn},{ch},i+{m},j+{q}]",
                                  (("Σ over positions", float(per[sn])),), float(per[sn]), ()))
            refs = {f"{name}.grad_out": [(sample, f, i, j) for i in range(ho) for j in range(wo)],
                    c.inp_key(k): [(sample, ch, i * s + m - pad, j * s + q - pad) for i in range(ho)
                                   for j in range(wo) if 0 <= i * s + m - pad < h and 0 <= j * s + q - pad < w]}
            gs = c.w_sym(k)
            eq = f"∂L/∂{gs}ₘₙ = Σ over samples Σᵢ Σⱼ ∂L/∂{zs}ᵢⱼ · {ins}₍ᵢ₊ₘ₎₍ⱼ₊ₙ₎   (per filter f and input channel c)"
        else:
            f = int(idx[0])
            per = np.asarray(dz[:, f], dtype=np.float64).sum(axis=(1, 2))
            for sn in range(n):
                terms.append(Term(f"sample {sn}: Σᵢ Σⱼ ∂L/∂{zs}[{sn},{f},i,j]",
                                  (("Σ over positions", float(per[sn])),), float(per[sn]), ()))
            refs = {f"{name}.grad_out": [(sample, f, i, j) for i in range(ho) for j in range(wo)]}
            eq = f"∂L/∂b[f] = Σ over samples Σᵢ Σⱼ ∂L/∂{zs}[f,i,j]"
        note = (f"Batch-averaged: ∂L/∂{zs} already carries the 1/N of the mean loss (N = {n}), so the "
                f"per-sample sums just add up. Highlighted: sample {sample}.")
        return eq, terms, (), f"= Σ {n} per-sample sums", note, refs
    if lid == "dense":
        ins = c.in_sym(k)
        if p == "weight":
            i, jj = int(idx[0]), int(idx[1])
            for sn in range(n):
                terms.append(_term(f"sample {sn}: {ins}[{sn},{jj}] · ∂L/∂{zs}[{sn},{i}]",
                                   [(ins, a[sn, jj]), (f"∂L/∂{zs}", dz[sn, i])],
                                   [(c.inp_key(k), (sn, jj)), (f"{name}.grad_out", (sn, i))]))
            ws = c.w_sym(k)
            eq = f"∂L/∂{ws}ᵢⱼ = Σ over samples {ins}ⱼ · ∂L/∂{zs}ᵢ"
        else:
            i = int(idx[0])
            for sn in range(n):
                terms.append(_term(f"sample {sn}: ∂L/∂{zs}[{sn},{i}]", [(f"∂L/∂{zs}", dz[sn, i])],
                                   [(f"{name}.grad_out", (sn, i))]))
            eq = f"∂L/∂bᵢ = Σ over samples ∂L/∂{zs}ᵢ"
        note = f"Batch-averaged: ∂L/∂{zs} already carries the 1/N of the mean loss (N = {n})."
        refs = None
        return eq, terms, (), f"= Σ {n} samples", note, refs
    return None


def _explain_forward(c: _Ctx, k: int, idx: tuple):
    lid = c.lid(k)
    node = c.nodes[k]
    name = c.names[k]
    zs, ins = c.out_sym(k), c.in_sym(k)
    if lid == "conv2d":
        a = c.inp(k)
        g, b = c.param(k, "weight"), c.param(k, "bias")
        hp = node.layer.hp
        s, p = hp["stride"], hp["padding"]
        sn, f, i, jj = (int(t) for t in idx)
        _, nc, kh, kw = g.shape
        h, w = a.shape[2], a.shape[3]
        gs = c.w_sym(k)
        terms = [_term(f"b[{f}]", [("b", b[f])], [(f"{name}.bias", (f,))])]
        for ch in range(nc):
            for m in range(kh):
                u = i * s + m - p
                if not 0 <= u < h:
                    continue
                for q in range(kw):
                    v = jj * s + q - p
                    if not 0 <= v < w:
                        continue
                    terms.append(_term(f"{gs}[{f},{ch},{m},{q}] · {ins}[{sn},{ch},{u},{v}]",
                                       [(gs, g[f, ch, m, q]), (ins, a[sn, ch, u, v])],
                                       [(f"{name}.weight", (f, ch, m, q)), (c.inp_key(k), (sn, ch, u, v))]))
        return (f"{zs}ᵢⱼ = b + Σ_c Σₘ Σₙ {gs}[c,m,n] · {ins}[c, i·s + m − p, j·s + n − p]   (s = {s}, p = {p})",
                terms, (), f"= {_f(b[f])} + Σ {len(terms) - 1} terms",
                f"The receptive field: a {kh}×{kw} window in each of the {nc} input maps.")
    if lid == "dense":
        a = c.inp(k)
        wm, b = c.param(k, "weight"), c.param(k, "bias")
        sn, i = int(idx[0]), int(idx[1])
        ws = c.w_sym(k)
        terms = [_term(f"b[{i}]", [("b", b[i])], [(f"{name}.bias", (i,))])]
        terms += [_term(f"{ws}[{i},{j}] · {ins}[{sn},{j}]", [(ws, wm[i, j]), (ins, a[sn, j])],
                        [(f"{name}.weight", (i, j)), (c.inp_key(k), (sn, j))]) for j in range(wm.shape[1])]
        return (f"{zs}ᵢ = Σⱼ {ws}ᵢⱼ {ins}ⱼ + bᵢ", terms, (), f"= {_f(b[i])} + Σ {len(terms) - 1} terms", "")
    if lid in _ACT_IDS:
        z = float(c.inp(k)[idx])
        val = _act_value(lid, z)
        lab = f"f({ins}{_ix(idx)}) = {_act_text(lid)}"
        return (f"{zs} = f({ins}) = {_act_text(lid).replace('z', ins)}",
                [Term(lab, ((ins, z),), val, ((c.inp_key(k), tuple(int(t) for t in idx)),))], (),
                f"= f({_f(z)}) = {_f(val)}", "")
    if lid in ("maxpool2d", "avgpool2d"):
        a = c.inp(k)
        hp = node.layer.hp
        kk, s = hp["kernel_size"], hp["stride"]
        sn, ch, i, jj = (int(t) for t in idx)
        window = [(sn, ch, i * s + m, jj * s + q) for m in range(kk) for q in range(kk)]
        vals = [(f"{ins}{_ix(w[2:])}", float(a[w])) for w in window]
        refs = tuple((c.inp_key(k), w) for w in window)
        if lid == "maxpool2d":
            first = int(np.argmax([v for _, v in vals]))
            t = Term(f"max of window ({i},{jj}) = {ins}{_ix(window[first][2:])}", tuple(vals), vals[first][1],
                     (refs[first],) + refs)
            return (f"pool({ins})ᵢⱼ = maxₘ,ₙ {ins}₍ᵢₛ₊ₘ₎₍ⱼₛ₊ₙ₎", [t], (),
                    f"= max({', '.join(_f(v) for _, v in vals)})",
                    f"The maximum sits at {window[first][2:]}: that is where the error will be routed back.")
        terms = [_term(f"(1/{kk * kk}) · {nm}", [("1/k²", 1.0 / (kk * kk)), (nm, v)], [r])
                 for (nm, v), r in zip(vals, refs)]
        return (f"pool({ins})ᵢⱼ = (1/k²) Σₘ Σₙ {ins}₍ᵢₛ₊ₘ₎₍ⱼₛ₊ₙ₎", terms, (), f"= mean of {len(terms)} values", "")
    if lid == "flatten":
        shape = node.in_shape
        sn, flat = int(idx[0]), int(idx[1])
        src = (sn, *(int(t) for t in np.unravel_index(flat, shape)))
        v = float(c.inp(k)[src])
        return (f"vec({ins})[(c·H + i)·W + j] = {ins}[c,i,j]",
                [Term(f"{ins}{_ix(src)}", ((ins, v),), v, ((c.inp_key(k), src),))], (), f"= {_f(v)}",
                f"Flatten only reshapes: element {flat} is channel {src[1]}, row {src[2]}, col {src[3]}.")
    return None


def _explain_update(c: _Ctx, name: str, p: str, what: str, idx: tuple, lr):
    old = c.get(f"{name}.{p}.old")
    step = c.get(f"{name}.{p}.step")
    grad = c.arrays.get(f"{name}.{p}.grad")
    k = c.names.index(name)
    sym = c.w_sym(k, p) if name in c.wsym else f"{name}.{p}"
    ov, sv = float(old[idx]), float(step[idx])
    refs = [(f"{name}.{p}.old", idx), (f"{name}.{p}.step", idx)]
    lr_grad = None if lr is None or grad is None else lr * float(grad[idx])
    sgd = lr_grad is not None and abs(sv + lr_grad) <= 1e-5 * max(abs(sv), abs(lr_grad), 1e-30) + 1e-7 * abs(ov)
    if sgd:
        gv = float(grad[idx])
        step_term = _term(f"−α · ∂L/∂{sym}{_ix(idx)}", [("−α", -lr), (f"∂L/∂{sym}", gv)],
                          [(f"{name}.{p}.grad", idx)])
        eq_step = f"−α · ∂L/∂{sym}"
    else:
        step_term = _term(f"the optimiser's step{_ix(idx)}", [("step", sv)], refs[1:])
        eq_step = "step (the optimiser's move)"
    def rounded(terms, target):
        # new − old is taken in the network's dtype: in float32 it carries the rounding of ``old``
        diff = target - math.fsum(t.product for t in terms)
        if diff and abs(diff) <= 1e-6 * (abs(ov) + abs(sv)):
            terms = terms + [Term(f"rounding ({old.dtype}: new − old)", (("rounding", diff),), diff, ())]
        return terms

    if what == "new":
        terms = rounded([_term(f"{sym}{_ix(idx)} (old)", [("old", ov)], refs[:1]), step_term],
                        float(c.get(f"{name}.{p}.new")[idx]))
        subst = f"= {_f(ov)} + ({_f(step_term.product)})"
        rule = (f"{sym} ← {sym} {'− α · ∂L/∂' + sym if sgd else '+ step'}   "
                f"(new = old {'− α·grad' if sgd else '+ step'})")
        return rule, \
            terms, subst, f"α = {lr:g}" if sgd else "The optimiser's step (momentum or Adam), recorded as new − old."
    if what == "step":
        return f"step = {eq_step}", rounded([step_term], sv), f"= {_f(step_term.product)}", f"α = {lr:g}" if sgd else ""
    return f"{sym} (old): the value before the update", \
        [_term(f"{sym}{_ix(idx)}", [("old", ov)], refs[:1])], f"= {_f(ov)}", ""


def _layer_formula(c: _Ctx, k: int | None, kind: str) -> str:
    if k is None:
        return ""
    fm = getattr(c.nodes[k].layer, "formula", None)
    if fm is None:
        return ""
    if kind == "forward":
        return fm.forward
    if kind.startswith("grad:"):
        return fm.grads.get(kind[5:], fm.backward)
    return fm.backward


def _split_key(key: str, names: list[str]):
    """(layer index or None, rest) for "<layer>.<rest>" (the longest matching layer name)."""
    best = None
    for i, nm in enumerate(names):
        if key.startswith(nm + ".") and (best is None or len(nm) > len(names[best])):
            best = i
    if best is None:
        return None, key
    return best, key[len(names[best]) + 1:]


def _title(c: _Ctx, key: str, k, rest: str, idx) -> str:
    where = _where(key, idx)
    if key == "probs":
        return f"ŷ {where}"
    if key == "probs.grad":
        return f"∂L/∂ŷ {where}"
    if key == "loss":
        return "L (batch mean)"
    if k is None:
        return f"{key}{_ix(idx)}"
    if rest == "out":
        return f"{c.out_sym(k)} {where}   ({key})"
    if rest == "grad_in":
        return f"∂L/∂{c.in_sym(k)} {where}   ({key})"
    if rest == "grad_out":
        return f"∂L/∂{c.out_sym(k)} {where}   ({key})"
    if rest.endswith(".grad"):
        p = rest[:-5]
        sym = c.w_sym(k, p) if c.names[k] in c.wsym else p
        return f"∂L/∂{sym} {where}   ({key})"
    return f"{key} {where}"


def explain(record_arrays, params, nodes, key: str, index, lr: float | None = None, *,  # noqa: C901 - split in #9
            x=None, y=None,
            sample: int = 0) -> Explanation:
    """The formula of ``record_arrays[key][index]`` with its numbers; never raises.

    record_arrays: key -> array (an IterationRecord's or StepView's ``arrays``); params: layer ->
    name -> array; nodes: core.network.Node list; index: a full index (sample first for batch
    arrays); lr: the learning rate (for the update's α); x, y: the batch and its labels (for the
    first layer's input and the loss; else ``record_arrays["x"]``/``["y"]``, and y is read off
    ∂L/∂z of the last layer); sample: whose receptive field to list in ``related`` for
    batch-summed gradients (the focused sample).
    """
    if index is None:
        index = ()
    index = tuple(int(i) for i in (index if isinstance(index, (tuple, list, np.ndarray)) else (index,)))
    try:
        c = _Ctx(record_arrays, params, nodes, x, lr, sample, y)
    except Exception as exc:  # noqa: BLE001 - a broken node list must not break a click
        return Explanation(key, index, key, "", None, note=f"cannot explain: {exc}", supported=False)
    k, rest = _split_key(key, c.names)
    value, arr = None, None
    try:
        arr = record_arrays.get(key)
        if arr is not None:
            value = float(np.asarray(arr)[index]) if index or np.ndim(arr) == 0 else float(np.asarray(arr))
    except Exception:  # noqa: BLE001 - an index out of range: shown as not available
        value = None
    title = _title(c, key, k, rest, index)
    layer = c.names[k] if k is not None else None
    kind = ("forward" if rest == "out" else "backward" if rest in ("grad_in", "grad_out")
            else f"grad:{rest[:-5]}" if rest.endswith(".grad") else "forward")
    try:
        result = _dispatch(c, key, k, rest, index, lr)
    except _MissingError as exc:
        return Explanation(key, index, title, _layer_formula(c, k, kind), value, note=str(exc), layer=layer,
                           supported=False)
    except Exception as exc:  # noqa: BLE001 - never raise from a click
        return Explanation(key, index, title, _layer_formula(c, k, kind), value,
                           note=f"cannot explain this element: {type(exc).__name__}: {exc}", layer=layer,
                           supported=False)
    if result is None:
        lid = c.lid(k) if k is not None else ""
        note = (f"No term-by-term formula for {key}" + (f" (layer type {lid})" if lid else "")
                + ": the layer's own equation is shown.")
        return Explanation(key, index, title, _layer_formula(c, k, kind), value, note=note, layer=layer,
                           supported=False)
    eq, terms, factors, subst, note, extra = result
    related: dict = {}
    for t in terms:
        for rk, ri in t.refs:
            lst = related.setdefault(rk, [])
            ri = tuple(int(i) for i in ri)
            if ri not in lst:
                lst.append(ri)
    for rk, lst in (extra or {}).items():
        have = related.setdefault(rk, [])
        have.extend(i for i in lst if i not in have)
    terms = list(terms)
    if value is not None and terms:
        total = math.fsum(t.product for t in terms)
        diff = value - total
        mass = math.fsum(abs(t.product) for t in terms)
        low = arr is not None and np.asarray(arr).dtype.itemsize < 8
        if diff and low and abs(diff) <= ROUNDING_SHARE * max(mass, abs(value)):
            # the engine added these numbers in float32; the exact sum differs by its rounding
            terms.append(Term(f"rounding ({np.asarray(arr).dtype} arithmetic)", (("rounding", diff),), diff, ()))
        elif abs(diff) > 1e-6 * max(abs(value), 1e-30) and abs(diff) > 1e-12 * mass:
            note = (note + " " if note else "") + (f"⚠ The terms add up to {_f(total)}, not to the recorded "
                                                   f"{_f(value)}: the layer computed something else.")
    if value is not None and len(terms) > 1:
        subst = f"{subst} = {_f(math.fsum(t.product for t in terms))}"
    return Explanation(key, index, title, eq, value, tuple(terms), tuple(factors), subst, related, note, layer)


def _dispatch(c: _Ctx, key, k, rest, idx, lr):  # noqa: C901 - to be split along its seams (#9)
    """(equation, terms, factors, substituted, note, extra related) or None when unsupported."""
    n = len(c.nodes)
    if key == "loss":
        probs, y = c.get("probs"), c.labels()
        if y is None:
            raise _MissingError("the labels y are not available")
        nb = len(y)
        terms = [_term(f"−log ŷ[{s},{int(y[s])}] / N", [("−log ŷ", -math.log(max(float(probs[s, int(y[s])]), 1e-300))),
                                                       ("1/N", 1.0 / nb)], [("probs", (s, int(y[s])))])
                 for s in range(nb)]
        return ("L = −(1/N) Σₛ Σᵢ yᵢ log ŷᵢ = −(1/N) Σₛ log ŷ[s, label]", terms, (), f"= Σ {nb} samples",
                "The batch mean of the cross-entropy.", None)
    if key == "probs":
        z = np.asarray(c.get(f"{c.names[-1]}.out")[idx[0]], dtype=np.float64)
        e = np.exp(z - z.max())
        v = float(e[idx[1]] / e.sum())
        zs = c.out_sym(n - 1)
        return (f"ŷᵢ = exp({zs}ᵢ) / Σⱼ exp({zs}ⱼ)",
                [Term(f"exp({zs}[{idx[0]},{idx[1]}]) / Σⱼ exp({zs}[{idx[0]},j])", ((zs, float(z[idx[1]])),), v,
                      tuple((f"{c.names[-1]}.out", (idx[0], j)) for j in range(len(z))))], (),
                f"= {_f(v)}", "Softmax turns the scores into probabilities.", None)
    if key == "probs.grad":
        probs = c.get("probs")
        nb = probs.shape[0]
        p = float(probs[idx])
        v = float(c.get(key)[idx])
        if v == 0:
            t = Term(f"−y[{idx[0]},{idx[1]}] / (N ŷ) with y = 0", (("y", 0.0),), 0.0, (("probs", idx),))
        else:
            t = _term(f"−1 / (N · ŷ[{idx[0]},{idx[1]}])", [("−1/N", -1.0 / nb), ("1/ŷ", 1.0 / p)], [("probs", idx)])
        return ("∂L/∂ŷᵢ = −yᵢ / (N ŷᵢ)", [t], (), f"= {_f(t.product)}",
                "Shown, not used: the engine goes straight to ∂L/∂z = ŷ − y.", None)
    if k is None:
        return None
    if rest == "out":
        r = _explain_forward(c, k, idx)
        return None if r is None else (*r, None)
    if rest == "grad_out":
        if k == n - 1:
            e = _softmax_error(c, idx, [], [])
            zs = c.out_sym(k)
            return (f"∂L/∂{zs}ᵢ = (ŷᵢ − yᵢ) / N", e.terms, (), f"= {e.subst}",
                    "Softmax and cross-entropy together: the error is the prediction minus the one-hot label, "
                    "divided by the batch size (the mean loss).", None)
        r = _explain_grad_in(c, k + 1, f"{c.names[k + 1]}.grad_in", idx)
        if r is None:
            return None
        eq, terms, factors, subst, note = r
        return (eq, terms, factors, subst, (note + " " if note else "")
                + f"(The same array as {c.names[k + 1]}.grad_in: the error the next layer sent back.)", None)
    if rest == "grad_in":
        r = _explain_grad_in(c, k, key, idx)
        return None if r is None else (*r, None)
    if rest.endswith(".grad"):
        r = _explain_param_grad(c, k, rest[:-5], idx)
        return r
    for what in ("old", "step", "new"):
        if rest.endswith("." + what):
            eq, terms, subst, note = _explain_update(c, c.names[k], rest[:-len(what) - 1], what, idx, lr)
            return eq, terms, (), subst, note, None
    return None
