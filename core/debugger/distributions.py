"""Distributions over time: per tensor, a histogram at every recorded iteration, and the
gradient flow through the layers.

Input is plain data, whatever recorded it: a sequence of ``(iteration, arrays)`` pairs, where
``arrays`` maps keys as in core.stepper.Snapshot ("conv1.out", "conv1.grad_out",
"conv1.weight.grad", "conv1.weight.old"...) and, optionally, the parameters at the iteration's
start as ``"conv1.weight"`` (core.debugger.timeline.Timeline.params_at). :func:`timeline_records`
builds that sequence from a Timeline.

Histograms (TensorBoard's "distributions"): every iteration of one tensor is counted into the same
bins, ``edges`` from the smallest to the largest finite value over all iterations, so that a
column of counts means the same thing at every iteration; ``counts[t]`` is exactly
``np.histogram(a_t, bins=edges)[0]``. Alongside, the percentiles TensorBoard draws as bands
(0, 6.68, 15.87, 30.85, 50, 69.15, 84.13, 93.32, 100: the median, ±1σ, ±2σ, ±3σ of a normal, and
the extremes). NaN and ±Inf are left out of both and counted apart.

Gradient flow, per layer: mean |∂L/∂(output)| (for a conv or dense layer its ∂L/∂z; for a sigmoid
∂L/∂f(z)), mean |∂L/∂(input)| and mean |∂L/∂θ| over all its parameters' elements. Through a
sigmoid ∂L/∂z = ∂L/∂f · f(z)(1 − f(z)) and f(z)(1 − f(z)) ≤ 1/4, so ∂L/∂z shrinks at every sigmoid
on the way back: the vanishing gradient, in numbers. Gradients are of the batch-mean loss, so
they carry the factor 1/N.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from core.debugger.health import layer_list

DEFAULT_BINS = 30
PERCENTILES = (0.0, 6.68, 15.87, 30.85, 50.0, 69.15, 84.13, 93.32, 100.0)
ARRAY_SUFFIXES = ("out", "grad_out", "grad_in")
UPDATE_SUFFIXES = ("old", "step", "new")
KINDS = ("weights", "gradients", "activations", "errors")  # what distribution_keys groups keys into


@dataclass(frozen=True, eq=False)
class HistogramSeries:
    """One tensor over T iterations in B shared bins.

    ``edges`` float64 (B+1,); ``counts`` int64 (T, B); ``percentiles`` float64 (T, len(PERCENTILES))
    (nan where an iteration has no finite value); ``nonfinite`` int64 (T,): NaN and ±Inf left out.
    """

    key: str
    iterations: tuple[int, ...]
    edges: np.ndarray
    counts: np.ndarray
    percentiles: np.ndarray
    nonfinite: np.ndarray

    @property
    def centres(self) -> np.ndarray:
        return (self.edges[:-1] + self.edges[1:]) / 2


def _finite(a) -> np.ndarray:
    a = np.asarray(a).ravel()
    return a if np.isfinite(a).all() else a[np.isfinite(a)]


def shared_edges(arrays: Sequence[np.ndarray], bins: int = DEFAULT_BINS) -> np.ndarray:
    """``bins + 1`` equal-width edges from the smallest to the largest finite value of all
    ``arrays`` (±0.5 around the value if they are all equal; [0, 1] if there is none)."""
    lo, hi = np.inf, -np.inf
    for a in arrays:
        f = _finite(a)
        if f.size:
            lo, hi = min(lo, float(f.min())), max(hi, float(f.max()))
    if not np.isfinite(lo):
        lo, hi = 0.0, 1.0
    elif lo == hi:
        lo, hi = lo - 0.5, hi + 0.5
    return np.linspace(lo, hi, int(bins) + 1)


def histogram_series(arrays: Sequence[np.ndarray], iterations: Sequence[int] | None = None, key: str = "",
                     bins: int = DEFAULT_BINS, edges: np.ndarray | None = None) -> HistogramSeries:
    """Histograms of ``arrays`` (one per iteration, any shapes) in shared bins (:func:`shared_edges`
    unless ``edges`` is given)."""
    arrays = [np.asarray(a) for a in arrays]
    iterations = tuple(range(len(arrays))) if iterations is None else tuple(int(i) for i in iterations)
    edges = shared_edges(arrays, bins) if edges is None else np.asarray(edges, dtype=np.float64)
    counts = np.zeros((len(arrays), len(edges) - 1), np.int64)
    pct = np.full((len(arrays), len(PERCENTILES)), np.nan)
    nonfinite = np.zeros(len(arrays), np.int64)
    for t, a in enumerate(arrays):
        f = _finite(a)
        nonfinite[t] = a.size - f.size
        counts[t] = np.histogram(f, bins=edges)[0]
        if f.size:
            pct[t] = np.percentile(f.astype(np.float64), PERCENTILES)
    return HistogramSeries(key, iterations, edges, counts, pct, nonfinite)


def tensor_series(records: Sequence[tuple[int, Mapping]], key: str) -> tuple[list[int], list[np.ndarray]]:
    """(iterations, arrays) of ``key`` over ``records``, skipping iterations without it."""
    its, arrays = [], []
    for it, arrays_at in records:
        a = arrays_at.get(key)
        if a is not None:
            its.append(int(it))
            arrays.append(a)
    return its, arrays


def distribution(records: Sequence[tuple[int, Mapping]], key: str, bins: int = DEFAULT_BINS) -> HistogramSeries:
    """The :class:`HistogramSeries` of one tensor key over the recorded iterations."""
    its, arrays = tensor_series(records, key)
    return histogram_series(arrays, its, key, bins)


def param_names(layer: str, arrays: Mapping) -> list[str]:
    """The layer's parameter names seen in ``arrays`` (from "<layer>.<p>.grad" or ".old"/".new")."""
    prefix, names = f"{layer}.", []
    for k in arrays:
        if k.startswith(prefix) and k.count(".") == 2:
            p, _, suffix = k[len(prefix):].partition(".")
            if suffix in ("grad", *UPDATE_SUFFIXES) and p not in names:
                names.append(p)
    return names


def distribution_keys(layers, records: Sequence[tuple[int, Mapping]]) -> dict[str, dict[str, list[str]]]:
    """Per layer (network order), per kind (KINDS), the tensor keys the records hold.

    weights: the parameters at the iteration's start ("<layer>.<p>", or "<layer>.<p>.old" when the
    record has no plain parameter keys); gradients: "<layer>.<p>.grad"; activations: "<layer>.out";
    errors: "<layer>.grad_out" (∂L/∂ of the layer's output).
    """
    seen: dict[str, None] = {}  # (ordered: parameters in the order the layer gives them)
    for _, arrays in records:
        seen.update(dict.fromkeys(arrays))
    out = {}
    for name, _type in layer_list(layers):
        params = param_names(name, seen)
        weights = [f"{name}.{p}" if f"{name}.{p}" in seen else f"{name}.{p}.old" for p in params]
        groups = {"weights": [k for k in weights if k in seen],
                  "gradients": [f"{name}.{p}.grad" for p in params if f"{name}.{p}.grad" in seen],
                  "activations": [k for k in (f"{name}.out",) if k in seen],
                  "errors": [k for k in (f"{name}.grad_out",) if k in seen]}
        out[name] = {kind: keys for kind, keys in groups.items() if keys}
    return out


class Distributions(Mapping):
    """Tensor key -> HistogramSeries over ``records``, each computed on first access and kept.

    The keys are those of :func:`distribution_keys`, in network order: weights, gradients,
    activations, errors of the first layer, then of the next...
    """

    def __init__(self, layers, records: Sequence[tuple[int, Mapping]], bins: int = DEFAULT_BINS):
        self.records = list(records)
        self.bins = bins
        self.by_layer = distribution_keys(layers, self.records)
        self._keys = [k for kinds in self.by_layer.values() for keys in kinds.values() for k in keys]
        self._cache: dict[str, HistogramSeries] = {}

    def __getitem__(self, key: str) -> HistogramSeries:
        if key not in self._keys:
            raise KeyError(key)
        if key not in self._cache:
            self._cache[key] = distribution(self.records, key, self.bins)
        return self._cache[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)


def timeline_records(timeline, iterations: Sequence[int] | None = None) -> list[tuple[int, dict]]:
    """``(iteration, arrays)`` for recorded iterations of a core.debugger.timeline.Timeline (all by
    default): its arrays (recorded or replayed) plus the parameters at the iteration's start."""
    its = timeline.iterations() if iterations is None else iterations
    return [(i, {**timeline.params_at(i), **timeline.arrays_at(i)}) for i in its]


# --- gradient flow --------------------------------------------------------------------------------

def mean_abs(a) -> float:
    """mean |a| over every element (float64 accumulation)."""
    a = np.asarray(a)
    return float(np.mean(np.abs(a), dtype=np.float64)) if a.size else float("nan")


@dataclass(frozen=True)
class LayerFlow:
    """One layer's gradients in one iteration; None where the iteration has not produced them."""

    layer: str
    type: str
    grad_out: float | None  # mean |∂L/∂(output)|: ∂L/∂z for conv and dense
    grad_in: float | None  # mean |∂L/∂(input)| (the first layer does not compute it)
    param_grad: float | None  # mean |∂L/∂θ| over all the layer's parameter elements together
    param_grads: Mapping[str, float]  # per parameter name


def gradient_flow(layers, arrays: Mapping[str, np.ndarray]) -> list[LayerFlow]:
    """Mean absolute gradients per layer, network order, from one iteration's arrays."""
    rows = []
    for name, typ in layer_list(layers):
        grads = {p: arrays[f"{name}.{p}.grad"] for p in param_names(name, arrays) if f"{name}.{p}.grad" in arrays}
        total = sum(int(np.size(g)) for g in grads.values())
        combined = (sum(mean_abs(g) * np.size(g) for g in grads.values()) / total) if total else None
        rows.append(LayerFlow(
            name, typ,
            mean_abs(arrays[f"{name}.grad_out"]) if f"{name}.grad_out" in arrays else None,
            mean_abs(arrays[f"{name}.grad_in"]) if f"{name}.grad_in" in arrays else None,
            combined, {p: mean_abs(g) for p, g in grads.items()}))
    return rows


@dataclass(frozen=True, eq=False)
class GradientFlowSeries:
    """Gradient flow over T iterations, L layers: float64 (T, L) arrays, nan where not produced."""

    iterations: tuple[int, ...]
    layers: tuple[str, ...]
    types: tuple[str, ...]
    grad_out: np.ndarray
    grad_in: np.ndarray
    param_grad: np.ndarray

    def at(self, t: int) -> list[LayerFlow]:
        """Row ``t`` as LayerFlow objects (per-parameter figures not kept: empty)."""
        def v(a):
            return None if np.isnan(a) else float(a)
        return [LayerFlow(name, typ, v(self.grad_out[t, j]), v(self.grad_in[t, j]), v(self.param_grad[t, j]), {})
                for j, (name, typ) in enumerate(zip(self.layers, self.types))]


def gradient_flow_series(layers, records: Sequence[tuple[int, Mapping]]) -> GradientFlowSeries:
    """:func:`gradient_flow` at every recorded iteration."""
    names = layer_list(layers)  # ((name, type) pairs: nothing rebuilt per record)
    shape = (len(records), len(names))
    out, inp, par = np.full(shape, np.nan), np.full(shape, np.nan), np.full(shape, np.nan)
    for t, (_, arrays) in enumerate(records):
        for j, row in enumerate(gradient_flow(names, arrays)):
            for target, value in ((out, row.grad_out), (inp, row.grad_in), (par, row.param_grad)):
                if value is not None:
                    target[t, j] = value
    return GradientFlowSeries(tuple(int(i) for i, _ in records), tuple(n for n, _ in names),
                              tuple(t for _, t in names), out, inp, par)
