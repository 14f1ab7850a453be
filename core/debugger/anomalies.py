"""The first anomaly: every recorded tensor counted into NaN, ±Inf, zeros, subnormal and saturated
values, and the first tensor that went bad, in time and then in the network.

Counts per tensor (TensorBoard Debugger V2 counts −, 0, +, ±Inf and NaN the same way)::

    nan, posinf, neginf       np.isnan, a = +inf, a = −inf
    zero, negative, positive  of the finite values
    subnormal                 0 < |a| < np.finfo(dtype).tiny: numbers the CPU handles in a slow
                              path (a float32 product of them can take ~100× longer), so they
                              also explain a slowdown
    saturated                 sigmoid/tanh outputs near an asymptote, core.debugger.health's rule
    dead                      ReLU units 0 for every sample of the batch (health's rule), in units

Order in time: iterations in turn; inside one, the stepper's phases (forward:<layer> in network
order, loss, backward:<layer> from the last layer, update); inside a phase, the network's order
(parameters before the output; ∂L/∂(output) before ∂L/∂(input) and ∂L/∂θ). A record that is a
merged iteration (Timeline.arrays_at) has each key put at the phase that produced it
(:func:`phase_of`); a phase snapshot's keys belong to its own phase.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from core.debugger.health import dead_mask, layer_list, layer_objects, saturated_mask

NAN, POSINF, NEGINF = "NaN", "+Inf", "−Inf"
SUBNORMAL, SATURATED, DEAD = "subnormal", "saturated", "dead"
BAD = (NAN, POSINF, NEGINF)  # what makes a tensor "gone bad"
ALERT_KINDS = (*BAD, SUBNORMAL, SATURATED, DEAD)
SATURATED_ALERT = 0.5  # a saturation or dead-unit alert when more than this share is
DEAD_ALERT = 0.5
_UPDATE = (".old", ".step", ".new")
_BACKWARD = (".grad_out", ".grad_in", ".grad")


@dataclass(frozen=True)
class TensorCounts:
    """Counts over one tensor's values. ``saturated`` (values) and ``dead`` (units, of ``units``)
    are None where the rule does not apply (not an output of that kind of layer)."""

    key: str
    dtype: str
    size: int
    nan: int = 0
    posinf: int = 0
    neginf: int = 0
    zero: int = 0
    negative: int = 0
    positive: int = 0
    subnormal: int = 0
    saturated: int | None = None
    dead: int | None = None
    units: int | None = None

    @property
    def nonfinite(self) -> int:
        return self.nan + self.posinf + self.neginf


def count_tensor(a, key: str = "", layer_type: str | None = None) -> TensorCounts:
    """Count ``a``'s values; ``layer_type`` (of the layer whose ``.out`` this is) adds the
    saturation (sigmoid, tanh) or dead-unit (relu) count."""
    a = np.asarray(a)
    if a.dtype.kind not in "fiu":  # booleans (masks) and anything else: nothing to count
        return TensorCounts(key, str(a.dtype), int(a.size))
    finite = np.isfinite(a)
    all_finite = bool(finite.all())
    nan = 0 if all_finite else int(np.isnan(a).sum())
    posinf = 0 if all_finite else int((a == np.inf).sum())
    neginf = 0 if all_finite else int((a == -np.inf).sum())
    vals = a if all_finite else a[finite]
    zero = int((vals == 0).sum())
    negative = int((vals < 0).sum())
    subnormal = 0
    if a.dtype.kind == "f":
        subnormal = int(((vals != 0) & (np.abs(vals) < np.finfo(a.dtype).tiny)).sum())
    saturated = dead = units = None
    if layer_type is not None:  # the layer's own rules (core.api.Layer.saturated / .inactive)
        sat = saturated_mask(a, layer_type)
        if sat is not None:
            saturated = int(np.sum(sat))
        elif a.ndim >= 1 and a.shape[0]:
            mask = dead_mask(a, layer_type)
            if mask is not None:
                dead, units = int(mask.sum()), int(mask.size)
    return TensorCounts(key, str(a.dtype), int(a.size), nan, posinf, neginf, zero, negative,
                        int(vals.size) - zero - negative, subnormal, saturated, dead, units)


@dataclass(frozen=True)
class Alert:
    """One alert: at ``iteration`` (0-based), ``phase``, tensor ``key``, ``count`` values (units
    for "dead") of ``of`` are ``what`` (one of ALERT_KINDS)."""

    iteration: int
    phase: str
    key: str
    what: str
    count: int
    of: int

    @property
    def where(self) -> tuple[int, str, str, str]:
        """(iteration, phase, key, what)."""
        return self.iteration, self.phase, self.key, self.what

    @property
    def text(self) -> str:
        unit = "units" if self.what == DEAD else "values"
        return f"{self.what}: {self.count:,} of {self.of:,} {unit}"


def alerts_of(counts: TensorCounts, kinds: Sequence[str] = ALERT_KINDS) -> list[tuple[str, int, int]]:
    """(what, count, of) for every alert kind in ``kinds`` that ``counts`` trips."""
    found = []
    for what, n in ((NAN, counts.nan), (POSINF, counts.posinf), (NEGINF, counts.neginf),
                    (SUBNORMAL, counts.subnormal)):
        if what in kinds and n:
            found.append((what, n, counts.size))
    if SATURATED in kinds and counts.saturated is not None and counts.saturated > SATURATED_ALERT * counts.size:
        found.append((SATURATED, counts.saturated, counts.size))
    if DEAD in kinds and counts.dead is not None and counts.units and counts.dead > DEAD_ALERT * counts.units:
        found.append((DEAD, counts.dead, counts.units))
    return found


# --- where each tensor belongs in time --------------------------------------------------------------

def phase_order(layers) -> list[str]:
    """The stepper's phases of one iteration, in order."""
    names = [n for n, _ in layer_list(layers)]
    return [f"forward:{n}" for n in names] + ["loss"] + [f"backward:{n}" for n in reversed(names)] + ["update"]


def _layer_of(key: str, names: Sequence[str]) -> str | None:
    for n in sorted(names, key=len, reverse=True):  # "conv1" must not take "conv10"'s keys
        if key.startswith(n + "."):
            return n
    return None


def phase_of(key: str, layers, arrays: Mapping | None = None) -> tuple[str, int]:
    """(phase that produced ``key``, its rank inside the phase) for a merged iteration's key.

    ``arrays`` (the iteration's) tells a parameter at the iteration's start ("conv1.weight": it has
    a ".grad" or ".old" beside it) from an intermediate of inspect() ("pool1.argmax"); without it
    "weight" and "bias" are taken for parameters.
    """
    names = [n for n, _ in layer_list(layers)]
    if key in ("probs", "loss"):
        return "loss", 0 if key == "probs" else 1
    if key == "probs.grad":
        return f"backward:{names[-1]}", 0
    if key.endswith(_UPDATE):
        return "update", 0
    layer = _layer_of(key, names)
    if layer is None:
        return "loss", 2  # an unknown key: after the forward pass, before the backward
    rest = key[len(layer) + 1:]
    if rest == "grad_out":
        return f"backward:{layer}", 1
    if rest.endswith(".grad"):
        return f"backward:{layer}", 2
    if rest == "grad_in":
        return f"backward:{layer}", 3
    if rest == "out":
        return f"forward:{layer}", 1
    # a parameter at the iteration's start ("conv1.weight", Timeline.params_at: what the forward
    # uses, so before its output) or an intermediate from inspect() ("pool1.argmax": after it)
    if arrays is not None:
        is_param = f"{key}.grad" in arrays or f"{key}.old" in arrays
    else:
        is_param = rest in ("weight", "bias")
    return f"forward:{layer}", 0 if is_param else 2


def ordered(arrays: Mapping[str, np.ndarray], layers, phase: str | None = None) -> list[tuple[str, str]]:
    """(phase, key) of ``arrays`` in time order; ``phase`` given: every key is of that phase."""
    order = {p: i for i, p in enumerate(phase_order(layers))}
    names = [n for n, _ in layer_list(layers)]
    position = {n: i for i, n in enumerate(names)}
    items = []
    for key in arrays:
        p, rank = phase_of(key, layers, arrays)
        layer = _layer_of(key, names)
        items.append(((order.get(phase or p, len(order)), rank, position.get(layer, -1), key), phase or p, key))
    return [(p, k) for _, p, k in sorted(items)]


def _records(records) -> Iterator[tuple[int, str | None, Mapping]]:
    for rec in records:
        if len(rec) == 3:
            yield int(rec[0]), rec[1], rec[2]
        else:
            yield int(rec[0]), None, rec[1]


def scan(records: Iterable, layers) -> Iterator[tuple[int, str, str, TensorCounts]]:
    """(iteration, phase, key, counts) of every tensor, in time order.

    ``records``: ``(iteration, arrays)`` (a merged iteration) or ``(iteration, phase, arrays)``
    (one phase's snapshot) items, oldest first.
    """
    objects = layer_objects(layers)  # (built once, not per tensor)
    names = list(objects)
    for it, phase, arrays in _records(records):
        for p, key in ordered(arrays, layers, phase):
            layer = _layer_of(key, names)
            kind = objects.get(layer) if key == f"{layer}.out" else None
            yield it, p, key, count_tensor(arrays[key], key, kind)


def alerts(records: Iterable, layers, kinds: Sequence[str] = ALERT_KINDS) -> list[Alert]:
    """Every alert over ``records``, in time order (see :func:`scan`)."""
    return [Alert(it, p, key, what, n, of) for it, p, key, c in scan(records, layers)
            for what, n, of in alerts_of(c, kinds)]


def first_anomaly(records: Iterable, layers, kinds: Sequence[str] = BAD) -> Alert | None:
    """The first tensor that went bad (NaN or ±Inf by default), in time then in network order;
    ``.where`` is (iteration, phase, key, what). None if every tensor is clean."""
    for it, p, key, c in scan(records, layers):
        found = alerts_of(c, kinds)
        if found:
            what, n, of = found[0]
            return Alert(it, p, key, what, n, of)
    return None
