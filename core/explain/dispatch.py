"""``explain``: which element was clicked, and who explains it.

The key says what kind of element it is; the layer it names says who explains it::

    "loss", "probs", "probs.grad"          the loss (core.explain.loss)
    "<last layer>.grad_out"                (ŷ − y)/N (core.explain.loss)
    "<layer>.out"                          the layer's explainer: forward
    "<layer>.grad_in"                      the layer's explainer: grad_in
    "<layer>.grad_out"                     the next layer's explainer: grad_in (the same array)
    "<layer>.<p>.grad"                     the layer's explainer: param_grad
    "<layer>.<p>.old / .step / .new"       the update, for every layer alike (core.explain.update)

The answer is finished here: the title in the lecture's notation, the recorded value, the
elements to highlight, and a "rounding" term when the engine added the numbers in float32.
Nothing raises: a missing array, a layer without an explainer and an explainer's own error all
become an Explanation with the layer's Formula text and a note.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from core.explain import loss as loss_terms
from core.explain.context import Context, NotRecordedError, explainer_of
from core.explain.terms import Derivation, Explanation, Term, fmt, ix
from core.explain.update import update
from core.notation import layer_formula
from core.view import is_error

# in float32 the engine's sums round; a difference up to this share of Σ|terms| is shown as a
# "rounding" term (anything larger is a real mismatch and is reported in the note)
ROUNDING_SHARE = 1e-4

_DIMS = {4: ("sample", "channel", "row", "col"), 2: ("sample", "unit"), 1: ("unit",)}
_WDIMS = {4: ("filter", "channel", "row", "col"), 2: ("out", "in"), 1: ("unit",)}


class _NoExplainerError(Exception):
    """The layer's class names no explainer."""


def _where(key: str, index: tuple) -> str:
    dims = (_WDIMS if (".weight" in key or ".bias" in key) else _DIMS).get(len(index))
    if dims is None:
        return ix(index)
    return "[" + ", ".join(f"{d} {int(i) + 1}" for d, i in zip(dims, index)) + "]"  # from 1, as ix


def _split_key(key: str, names: list[str]):
    """(layer index or None, rest) for "<layer>.<rest>" (the longest matching layer name)."""
    best = None
    for i, nm in enumerate(names):
        if key.startswith(nm + ".") and (best is None or len(nm) > len(names[best])):
            best = i
    if best is None:
        return None, key
    return best, key[len(names[best]) + 1:]


def _title(c: Context, key: str, k, rest: str, idx) -> str:
    where = _where(key, idx)
    dl = "∂L⁽ˢ⁾/∂" if c.per_sample else "∂L/∂"  # an error of the sample's own loss, or of the batch's
    fixed = {"probs": f"ŷ {where}", "probs.grad": f"{dl}ŷ {where}", "loss": "L (batch mean)"}
    if key in fixed:
        return fixed[key]
    if k is None:
        return f"{key}{ix(idx)}"
    at = c.layer(k)
    if rest == "out":
        return f"{at.out_sym} {where}   ({key})"
    if rest == "grad_in":
        return f"{dl}{at.in_sym} {where}   ({key})"
    if rest == "grad_out":
        return f"{dl}{at.out_sym} {where}   ({key})"
    if rest.endswith(".grad"):
        p = rest[:-5]
        sym = at.weight_sym(p) if at.name in c.wsym else p
        return f"∂L/∂{sym} {where}   ({key})"
    return f"{key} {where}"


def _layer_formula(c: Context, k: int | None, kind: str) -> str:
    """The layer's equation in this network's names (core.notation.layer_formula)."""
    if k is None or getattr(c.nodes[k].layer, "formula", None) is None:
        return ""
    fm = layer_formula(c.nodes, k)
    if kind == "forward":
        return fm.forward
    if kind.startswith("grad:"):
        return fm.grads.get(kind[5:], fm.backward)
    return fm.backward


def _layer_explainer(c: Context, k: int):
    ex = explainer_of(c.nodes[k].layer)
    if ex is None:
        raise _NoExplainerError
    return ex


_LOSS_KEYS = {"loss": lambda c, idx: loss_terms.loss(c), "probs": loss_terms.probs, "probs.grad": loss_terms.probs_grad}


def _dispatch(c: Context, key: str, k, rest: str, idx: tuple, lr) -> Derivation | None:
    """The Derivation of ``key[idx]``, or None when nobody explains it."""
    if key in _LOSS_KEYS:
        return _LOSS_KEYS[key](c, idx)
    if k is None:
        return None
    if rest == "grad_out":
        if k == len(c.nodes) - 1:
            return loss_terms.last_error(c, idx)
        d = _layer_explainer(c, k + 1).grad_in(c.layer(k + 1), idx)
        if d is not None:
            d.note = ((d.note + " " if d.note else "")
                      + f"(The same array as {c.names[k + 1]}.grad_in: the error the next layer sent back.)")
        return d
    for what in ("old", "step", "new"):
        if rest.endswith("." + what):
            return update(c, c.names[k], rest[:-len(what) - 1], what, idx, lr)
    if rest == "out":
        return _layer_explainer(c, k).forward(c.layer(k), idx)
    if rest == "grad_in":
        return _layer_explainer(c, k).grad_in(c.layer(k), idx)
    if rest.endswith(".grad"):
        return _layer_explainer(c, k).param_grad(c.layer(k), rest[:-5], idx)
    return None


def _related(terms, extra) -> dict:
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
    return related


def _add_rounding(terms: list, value, arr, note: str) -> tuple[list, str]:
    """In float32 a "rounding" term closes the gap to the recorded value; a real gap gets a ⚠ note."""
    total = math.fsum(t.product for t in terms)
    diff = value - total
    mass = math.fsum(abs(t.product) for t in terms)
    low = arr is not None and np.asarray(arr).dtype.itemsize < 8
    if diff and low and abs(diff) <= ROUNDING_SHARE * max(mass, abs(value)):
        # the engine added these numbers in float32; the exact sum differs by its rounding
        terms = terms + [Term(f"rounding ({np.asarray(arr).dtype} arithmetic)", (("rounding", diff),), diff, ())]
    elif abs(diff) > 1e-6 * max(abs(value), 1e-30) and abs(diff) > 1e-12 * mass:
        note = (note + " " if note else "") + (f"⚠ The terms add up to {fmt(total)}, not to the recorded "
                                               f"{fmt(value)}: the layer computed something else.")
    return terms, note


class OwnErrors(Mapping):
    """``arrays`` with every error (∂L/∂ŷ, ∂L/∂ a layer's output or input) of each sample's own loss
    L⁽ˢ⁾: N times the batch loss's, which the engine records. Parameter gradients stay the batch's."""

    def __init__(self, arrays):
        self._arrays = arrays
        self._scaled: dict = {}

    def __getitem__(self, key):
        a = self._arrays[key]
        if not is_error(key) or np.ndim(a) == 0:
            return a
        if key not in self._scaled:
            a = np.asarray(a)
            self._scaled[key] = a * a.dtype.type(len(a))
        return self._scaled[key]

    def __iter__(self):
        return iter(self._arrays)

    def __len__(self):
        return len(self._arrays)


def explain(record_arrays, params, nodes, key: str, index, lr: float | None = None, *,
            x=None, y=None, sample: int = 0, per_sample: bool = False) -> Explanation:
    """The formula of ``record_arrays[key][index]`` with its numbers; never raises.

    record_arrays: key -> array (an IterationRecord's or StepView's ``arrays``); params: layer ->
    name -> array; nodes: core.network.Node list; index: a full index (sample first for batch
    arrays); lr: the learning rate (for the update's α); x, y: the batch and its labels (for the
    first layer's input and the loss; else ``record_arrays["x"]``/``["y"]``, and y is read off
    ∂L/∂z of the last layer); sample: whose receptive field to list in ``related`` for
    batch-summed gradients (the focused sample). per_sample: explain an error (not a parameter
    gradient) as the lecture writes it for one sample, of its own loss L⁽ˢ⁾ (∂L/∂z⁽⁴⁾ = ŷ − y).
    """
    per_sample = per_sample and is_error(key)
    record_arrays = OwnErrors(record_arrays) if per_sample else record_arrays
    if index is None:
        index = ()
    index = tuple(int(i) for i in (index if isinstance(index, (tuple, list, np.ndarray)) else (index,)))
    try:
        c = Context(record_arrays, params, nodes, x, lr, sample, y, per_sample)
    except Exception as exc:  # noqa: BLE001 - never raises: a record it cannot read is explained as such
        return Explanation(key, index, key, "", None, note=f"cannot explain: {exc}", supported=False)
    k, rest = _split_key(key, c.names)
    value, arr = None, None
    try:
        arr = record_arrays.get(key)
        if arr is not None:
            value = float(np.asarray(arr)[index]) if index or np.ndim(arr) == 0 else float(np.asarray(arr))
    except Exception:  # noqa: BLE001 - an index out of range: shown as not available
        value = None
    layer = c.names[k] if k is not None else None
    kind = ("forward" if rest == "out" else "backward" if rest in ("grad_in", "grad_out")
            else f"grad:{rest[:-5]}" if rest.endswith(".grad") else "forward")

    def unsupported(note: str) -> Explanation:
        return Explanation(key, index, _title(c, key, k, rest, index), _layer_formula(c, k, kind), value,
                           note=note, layer=layer, supported=False)

    try:
        title = _title(c, key, k, rest, index)
        d = _dispatch(c, key, k, rest, index, lr)
    except NotRecordedError as exc:
        return unsupported(str(exc))
    except _NoExplainerError:
        owner = k + 1 if rest == "grad_out" else k
        lid = c.nodes[owner].type
        return unsupported(f"No explanation for this layer (type {lid}): its class names no explainer, so only "
                           "its equation is shown, without numbers (see docs/plugins.md, “The formula with its "
                           "numbers”).")
    except Exception as exc:  # noqa: BLE001 - a plugin's explainer may raise anything: a note, never a crash
        return unsupported(f"cannot explain this element: {type(exc).__name__}: {exc}")
    if d is None:
        lid = c.nodes[k].type if k is not None else ""
        return unsupported(f"No term-by-term formula for {key}" + (f" (layer type {lid})" if lid else "")
                           + ": the layer's own equation is shown.")
    terms, note, subst = list(d.terms), d.note, d.substituted
    related = _related(terms, d.related)
    if value is not None and terms:
        terms, note = _add_rounding(terms, value, arr, note)
    if value is not None and len(terms) > 1:
        subst = f"{subst} = {fmt(math.fsum(t.product for t in terms))}"
    return Explanation(key, index, title, d.equation, value, tuple(terms), tuple(d.factors), subst, related, note,
                       layer)
