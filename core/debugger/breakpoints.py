"""Breakpoints: where (a layer's phase, an iteration) or when (a condition) a debug Run stops.

Every breakpoint is checked after each phase, against that phase's Snapshot and a BreakContext
(the focused sample, the layers' types, the iteration's arrays so far). ``check`` returns why it
hit — "conv2.weight.grad norm 3.2e-01 > 0.1 at backward:conv2" — or None.

Kinds (``to_dict()["kind"]``)::

    phase       at a layer and phase, e.g. "backward:conv2", "forward:sig1", "loss", "update"
    iteration   at iteration N (1-based), after its first phase
    nonfinite   NaN or Inf anywhere in the phase's arrays (and a DivergedError during a debug run)
    norm        ‖A‖ of the arrays whose key matches a pattern ("conv1.weight.grad", "*.grad_in")
                above or below a threshold, checked at the phase that produced them
    health      a layer's saturated / dead fraction (at its forward phase) or its
                update-to-weight ratio (at the update) above or below a threshold (core.debugger.health)
    wrong       the focused sample is predicted wrongly (at the loss phase)

``run_until_break`` is Run with breakpoints: phase by phase until the first hit.
"""

from __future__ import annotations

import fnmatch
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from typing import ClassVar

import numpy as np

from core.debugger import health as hl
from core.errors import BackstepError, DivergedError, short_repr

OPS = (">", "<")
OP_CHOICES = ((">", "above (>)"), ("<", "below (<)"))


def form(label: str, *, choices: tuple = (), source: str = "", help: str = "") -> dict:
    """A breakpoint field's form metadata (dataclass ``field(metadata=...)``), as HyperParam is a
    layer's: ``choices`` ((value, label), …) for a fixed list, ``source`` "phases" or "layers" for
    an editable list the window fills from the network."""
    return {"label": label, "choices": tuple(choices), "source": source, "help": help}


@dataclass(frozen=True)
class FormField:
    """One field of a breakpoint's form: what a dialog needs to build its widget."""

    name: str
    label: str
    type: type
    default: object
    choices: tuple = ()
    source: str = ""
    help: str = ""


def form_fields(cls: type) -> list[FormField]:
    """The fields of breakpoint class ``cls`` a user sets, in order (``enabled`` is not one)."""
    out = []
    for f in fields(cls):
        if "label" not in f.metadata:
            continue
        t = f.type if isinstance(f.type, type) else {"str": str, "int": int, "float": float}[str(f.type)]
        out.append(FormField(f.name, f.metadata["label"], t, f.default, f.metadata["choices"], f.metadata["source"],
                             f.metadata["help"]))
    return out


def _fmt(v: float) -> str:
    return f"{v:.1e}" if v != 0 and (abs(v) < 1e-2 or abs(v) >= 1e4) else f"{v:.3g}"


def _compare(value: float, op: str, threshold: float) -> bool:
    return value > threshold if op == ">" else value < threshold


@dataclass(frozen=True)
class BreakContext:
    """What a check may need beyond the snapshot."""

    focus: int = 0  # the focused sample of the batch
    layer_types: Mapping[str, str] = field(default_factory=dict)  # layer name -> type id ("sigmoid", …)
    layers: Mapping[str, object] = field(default_factory=dict)  # layer name -> the network's Layer object


@dataclass
class Breakpoint:
    """Base: an ``enabled`` flag, ``check``, ``describe`` and a dict form for sessions."""

    enabled: bool = field(default=True, kw_only=True)
    kind: ClassVar[str] = ""
    label: ClassVar[str] = ""  # what the kind is called in the Add-breakpoint dialog

    def check(self, snapshot, context: BreakContext | None = None) -> str | None:
        raise NotImplementedError

    def describe(self) -> str:
        raise NotImplementedError

    def to_dict(self) -> dict:
        d = {f.name: getattr(self, f.name) for f in fields(self)}
        return {"kind": self.kind, **d}

    @staticmethod
    def from_dict(d: Mapping) -> Breakpoint:
        """A breakpoint from its dict form; BreakpointError (a ValueError) naming the field that is
        missing its type: every field is checked against its declared type, as a session may hold
        anything."""
        if not isinstance(d, Mapping):
            raise BreakpointError(f"expected an object with a 'kind', got {short_repr(d)}")
        d = dict(d)
        kind = d.pop("kind", None)
        cls = KINDS.get(kind) if isinstance(kind, str) else None
        if cls is None:
            raise BreakpointError(f"unknown breakpoint kind {short_repr(kind)} (one of {', '.join(KINDS)})")
        types = {f.name: f.type for f in fields(cls)}
        unknown = set(d) - set(types)
        if unknown:
            raise BreakpointError(f"{kind} breakpoint: unknown field {short_repr(sorted(map(str, unknown))[0])}")
        for name, value in d.items():
            _check_field(kind, name, types[name], value)
        return cls(**d)


class BreakpointError(BackstepError, ValueError):
    """A breakpoint's saved form that does not describe one (a session's, usually)."""


_FIELD_TYPES = {"str": str, "int": int, "float": (int, float), "bool": bool}


def _check_field(kind: str, name: str, declared: str, value) -> None:
    want = _FIELD_TYPES.get(str(declared))
    if want is None:
        return
    ok = isinstance(value, want) and (want is bool or not isinstance(value, bool))
    if ok and declared == "float":
        ok = math.isfinite(float(value))
    if ok and declared == "int":
        ok = 0 <= value < 2**63
    if ok and declared == "str":
        ok = len(value) <= 1000
    if not ok:
        what = {"str": "text", "int": "a whole number ≥ 0", "float": "a finite number", "bool": "true or false"}
        raise BreakpointError(f"{kind} breakpoint: {name} must be {what[declared]}, got {short_repr(value)}")


@dataclass
class PhaseBreakpoint(Breakpoint):
    """Stop after ``phase`` ("backward:conv2", "forward:sig1", "loss", "update")."""

    phase: str = field(default="loss", metadata=form(
        "Phase", source="phases", help="forward:<layer>, backward:<layer>, loss or update"))
    kind: ClassVar[str] = "phase"
    label: ClassVar[str] = "At a layer's phase"

    def __post_init__(self):
        self.phase = str(self.phase).strip()
        k, _, layer = self.phase.partition(":")
        if not (self.phase in ("loss", "update") or (k in ("forward", "backward") and layer)):
            raise ValueError(f"{self.phase!r} is not a phase: forward:<layer>, backward:<layer>, loss or update")

    def check(self, snapshot, context=None):
        return f"reached {self.phase}" if snapshot.phase == self.phase else None

    def describe(self) -> str:
        return f"at {self.phase}"


@dataclass
class IterationBreakpoint(Breakpoint):
    """Stop at iteration ``iteration`` (1-based), after its first phase."""

    iteration: int = field(default=1, metadata=form("Iteration (1-based)"))
    kind: ClassVar[str] = "iteration"
    label: ClassVar[str] = "At an iteration"

    def check(self, snapshot, context=None):
        if snapshot.iteration + 1 == self.iteration and snapshot.phase_index == 0:
            return f"iteration {self.iteration} reached at {snapshot.phase}"
        return None

    def describe(self) -> str:
        return f"at iteration {self.iteration}"


@dataclass
class NonFiniteBreakpoint(Breakpoint):
    """Stop when any array of a phase holds NaN or Inf."""

    kind: ClassVar[str] = "nonfinite"
    label: ClassVar[str] = "NaN or Inf anywhere"

    def check(self, snapshot, context=None):
        for key, a in snapshot.arrays.items():
            a = np.asarray(a)
            if np.issubdtype(a.dtype, np.floating) and not np.isfinite(a).all():
                what = "NaN" if np.isnan(a).any() else "Inf"
                return f"{what} in {key} at {snapshot.phase}"
        return None

    def describe(self) -> str:
        return "on NaN or Inf"


@dataclass
class NormBreakpoint(Breakpoint):
    """Stop when ‖A‖ of an array whose key matches ``pattern`` is above (">") or below ("<") ``threshold``.

    ``pattern`` is an array key ("conv1.weight.grad", "fc1.out") or a glob ("*.grad_in"); it is
    checked at the phase that produced the array.
    """

    pattern: str = field(default="*.grad_in", metadata=form(
        "Array key", help="An array key (conv1.weight.grad, fc1.out) or a glob (*.grad_in, conv*.weight.grad)"))
    op: str = field(default=">", metadata=form("When", choices=OP_CHOICES))
    threshold: float = field(default=1.0, metadata=form("Threshold", help="A number: the norm ‖A‖"))
    kind: ClassVar[str] = "norm"
    label: ClassVar[str] = "Gradient / activation norm"

    def __post_init__(self):
        self.pattern = str(self.pattern).strip()
        if not self.pattern:
            raise ValueError("array key: say which array, e.g. conv1.weight.grad or *.grad_in")
        if self.op not in OPS:
            raise ValueError(f"norm breakpoint: op must be '>' or '<', got {self.op!r}")
        self.threshold = float(self.threshold)

    def check(self, snapshot, context=None):
        for key in sorted(snapshot.arrays):
            if fnmatch.fnmatchcase(key, self.pattern):
                v = hl.norm(snapshot.arrays[key])
                if _compare(v, self.op, self.threshold):
                    return f"{key} norm {_fmt(v)} {self.op} {_fmt(self.threshold)} at {snapshot.phase}"
        return None

    def describe(self) -> str:
        return f"when ‖{self.pattern}‖ {self.op} {_fmt(self.threshold)}"


HEALTH_METRICS = {"saturated": "saturated fraction", "dead": "dead ReLU fraction",
                  "update_ratio": "update/weight ratio"}


@dataclass
class HealthBreakpoint(Breakpoint):
    """Stop when a layer's ``metric`` (saturated, dead, update_ratio) is above/below ``threshold``.

    ``layer`` is a name or a glob ("*" for every layer the metric applies to). Saturated and dead
    fractions are checked at the layer's forward phase, the update ratio at the update.
    """

    layer: str = field(default="*", metadata=form("Layer", source="layers", help="A layer name or a glob; * for all"))
    metric: str = field(default="saturated", metadata=form("Figure", choices=tuple(HEALTH_METRICS.items())))
    op: str = field(default=">", metadata=form("When", choices=OP_CHOICES))
    threshold: float = field(default=0.5, metadata=form(
        "Threshold", help="A fraction (0.5 = 50 %) or, for the update/weight ratio, a ratio (1e-2)"))
    kind: ClassVar[str] = "health"
    label: ClassVar[str] = "Saturated / dead units, update ratio"

    def __post_init__(self):
        self.layer = str(self.layer).strip() or "*"
        if self.metric not in HEALTH_METRICS:
            raise ValueError(f"health breakpoint: metric must be one of {', '.join(HEALTH_METRICS)}, "
                             f"got {self.metric!r}")
        if self.op not in OPS:
            raise ValueError(f"health breakpoint: op must be '>' or '<', got {self.op!r}")
        self.threshold = float(self.threshold)

    def check(self, snapshot, context=None):
        types = dict(context.layer_types) if context is not None else {}
        # the network's own layer (its hyperparameters), else one built from the type id
        kinds = {**types, **(dict(context.layers) if context is not None else {})}
        if self.metric == "update_ratio":
            if snapshot.kind != "update":
                return None
            names = [n for n in types if fnmatch.fnmatchcase(n, self.layer)] or (
                [self.layer] if self.layer in {k.split(".")[0] for k in snapshot.arrays} else [])
            for n in names:
                v = hl.health_metric({n: kinds.get(n, "")}, snapshot.arrays, n, "update_ratio")
                if v is not None and _compare(v, self.op, self.threshold):
                    return f"{n} update/weight ratio {_fmt(v)} {self.op} {_fmt(self.threshold)} at update"
            return None
        if snapshot.kind != "forward" or not fnmatch.fnmatchcase(snapshot.layer or "", self.layer):
            return None
        layer = snapshot.layer
        v = hl.health_metric({layer: kinds.get(layer, "")}, snapshot.arrays, layer, self.metric)
        if v is not None and _compare(v, self.op, self.threshold):
            return (f"{snapshot.layer} {HEALTH_METRICS[self.metric]} {v:.1%} {self.op} {self.threshold:.1%} "
                    f"at {snapshot.phase}")
        return None

    def describe(self) -> str:
        t = f"{self.threshold:.1%}" if self.metric != "update_ratio" else _fmt(self.threshold)
        return f"when {self.layer} {HEALTH_METRICS[self.metric]} {self.op} {t}"


@dataclass
class WrongPredictionBreakpoint(Breakpoint):
    """Stop after the loss when the focused sample's prediction (argmax ŷ) differs from its label."""

    kind: ClassVar[str] = "wrong"
    label: ClassVar[str] = "Wrong prediction (focused sample)"

    def check(self, snapshot, context=None):
        if snapshot.kind != "loss" or "probs" not in snapshot.arrays:
            return None
        probs, y = snapshot.arrays["probs"], snapshot.y
        s = min(context.focus if context is not None else 0, len(y) - 1)
        pred = int(np.argmax(probs[s]))
        if pred != int(y[s]):
            return f"sample {s} of the batch predicted {pred}, label {int(y[s])} at loss"
        return None

    def describe(self) -> str:
        return "when the focused sample is predicted wrongly"


KINDS: dict[str, type[Breakpoint]] = {c.kind: c for c in (
    PhaseBreakpoint, IterationBreakpoint, NonFiniteBreakpoint, NormBreakpoint, HealthBreakpoint,
    WrongPredictionBreakpoint)}


@dataclass(frozen=True)
class Hit:
    """A breakpoint that hit: which, why, where (phase, 0-based iteration) and the snapshot."""

    breakpoint: Breakpoint
    reason: str
    phase: str | None
    iteration: int
    snapshot: object = None  # core.stepper.Snapshot, None for a DivergedError

    @property
    def message(self) -> str:
        return f"Breakpoint {self.breakpoint.describe()}: {self.reason} (iteration {self.iteration + 1})"


class BreakpointSet:
    """An ordered list of breakpoints; ``check`` returns the first hit."""

    def __init__(self, breakpoints=()):
        self._items: list[Breakpoint] = list(breakpoints)

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self):
        return iter(tuple(self._items))

    def __getitem__(self, i: int) -> Breakpoint:
        return self._items[i]

    def index(self, bp: Breakpoint) -> int:
        return next(i for i, b in enumerate(self._items) if b is bp)

    def add(self, bp: Breakpoint) -> Breakpoint:
        self._items.append(bp)
        return bp

    def replace(self, i: int, bp: Breakpoint) -> None:
        self._items[i] = bp

    def remove(self, bp: Breakpoint | int) -> None:
        del self._items[bp if isinstance(bp, int) else self.index(bp)]

    def clear(self) -> None:
        self._items.clear()

    def enable(self, bp: Breakpoint | int, on: bool = True) -> None:
        (self._items[bp] if isinstance(bp, int) else bp).enabled = bool(on)

    @property
    def enabled(self) -> list[Breakpoint]:
        return [b for b in tuple(self._items) if b.enabled]

    @property
    def any_enabled(self) -> bool:
        return bool(self.enabled)

    def check(self, snapshot, context: BreakContext | None = None) -> Hit | None:
        for bp in self.enabled:
            reason = bp.check(snapshot, context)
            if reason:
                return Hit(bp, reason, snapshot.phase, snapshot.iteration, snapshot)
        return None

    def to_list(self) -> list[dict]:
        return [b.to_dict() for b in self._items]

    @classmethod
    def from_list(cls, items) -> BreakpointSet:
        """Breakpoints from their saved list; BreakpointError naming the entry (``[2]: ...``) if one is bad."""
        if items is None:
            return cls()
        if not isinstance(items, (list, tuple)):
            raise BreakpointError(f"expected a list of breakpoints, got {short_repr(items)}")
        out = []
        for i, d in enumerate(items):
            try:
                out.append(Breakpoint.from_dict(d))
            except (ValueError, TypeError) as exc:
                raise BreakpointError(f"[{i}]: {exc}") from None
        return cls(out)


def parse_location(text: str) -> Breakpoint:
    """"backward:conv2", "forward:sig1", "loss", "update" or "iteration 5" as a breakpoint."""
    t = text.strip()
    if t.lower().startswith("iteration"):
        n = t[len("iteration"):].strip()
        if not n.isdigit() or int(n) < 1:
            raise ValueError(f"iteration breakpoint: a positive number is needed, got {n!r}")
        return IterationBreakpoint(int(n))
    kind, _, layer = t.partition(":")
    if t in ("loss", "update") or (kind in ("forward", "backward") and layer):
        return PhaseBreakpoint(t)
    raise ValueError(f"{text!r} is not a phase: say forward:<layer>, backward:<layer>, loss, update "
                     "or iteration <N>")


def context_for(stepper, focus: int = 0) -> BreakContext:
    nodes = stepper.net.nodes
    return BreakContext(focus, {n.name: n.type for n in nodes}, {n.name: n.layer for n in nodes})


def run_until_break(stepper, breakpoints: BreakpointSet, should_stop: Callable[[], bool] | None = None,
                    on_snapshot: Callable | None = None, *,
                    context: BreakContext | Callable[[], BreakContext] | None = None) -> Hit | None:
    """Run phase by phase, checking ``breakpoints`` after each phase; return the first Hit.

    Stops (returning None) when ``should_stop()`` is true at an iteration boundary (it is polled
    there, before each iteration, as Stepper.run does). After a hit the stepper stays just after
    the phase that hit: the next step continues from there. A DivergedError (NaN/Inf) is a hit
    of the first enabled NonFiniteBreakpoint if there is one (the stepper stays before the
    culprit phase, as Stepper.step_phase leaves it), otherwise it propagates.
    ``on_snapshot(snap)`` sees every snapshot (record it, draw it). With no enabled breakpoint
    this is simply Stepper.run (the fast path) until ``should_stop``.
    """
    if not breakpoints.any_enabled:
        stepper.run(should_stop=should_stop)
        return None
    default = context_for(stepper) if context is None else None
    while True:
        if stepper.position == 0:
            if should_stop is not None and should_stop():
                return None
        try:
            snap = stepper.step_phase()
        except DivergedError as exc:
            bp = next((b for b in breakpoints.enabled if isinstance(b, NonFiniteBreakpoint)), None)
            if bp is None:
                raise
            return Hit(bp, str(exc), exc.phase, stepper.iteration)
        if on_snapshot is not None:
            on_snapshot(snap)
        ctx = default or (context() if callable(context) else context)
        hit = breakpoints.check(snap, ctx)
        if hit is not None:
            return hit
