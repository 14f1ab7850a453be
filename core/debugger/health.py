"""Training health per layer: saturated and dead units, update-to-weight ratio, norms.

Read from one iteration's arrays (core.stepper.Snapshot keys). With a = a layer's output over the
batch, N samples, U units per sample (every element of a (C, H, W) map counts as a unit):

    saturated fraction (sigmoid)   #{a : a < 0.02 or a > 0.98} / (N·U)
    saturated fraction (tanh)      #{a : |a| > 0.98} / (N·U)
    dead fraction (ReLU)           #{units u : aₙᵤ = 0 for every n} / U
    update-to-weight ratio         ‖Δθ‖ / ‖θ‖  with Δθ = the update's step (".step"), θ = ".old";
                                   ‖·‖ over all the layer's parameters together (Frobenius)
    norms                          ‖A‖ = √(Σ A²) of the whole batch array

A saturated sigmoid passes almost no gradient (f′ = a(1 − a) < 0.02); a dead ReLU passes none.
An update-to-weight ratio far from ~1e-3 means the learning rate is off (too small or too big).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

SATURATION_MARGIN = 0.02
SATURATING = ("sigmoid", "tanh")


def norm(a) -> float:
    """‖A‖ = √(Σ A²), the Frobenius norm of the whole array (float64 accumulation)."""
    a = np.asarray(a, dtype=np.float64)
    return float(np.sqrt(np.sum(a * a)))


def saturated_mask(a, kind: str = "sigmoid", margin: float = SATURATION_MARGIN) -> np.ndarray:
    """True where an activation value is within ``margin`` of an asymptote.

    sigmoid: a < margin or a > 1 − margin;  tanh: |a| > 1 − margin.  a: any shape, (N, ...).
    """
    a = np.asarray(a)
    if kind == "sigmoid":
        return (a < margin) | (a > 1 - margin)
    if kind == "tanh":
        return np.abs(a) > 1 - margin
    raise ValueError(f"saturation is defined for sigmoid and tanh, not {kind!r}")


def saturated_fraction(a, kind: str = "sigmoid", margin: float = SATURATION_MARGIN) -> float:
    """Share of activation values within ``margin`` of an asymptote (see :func:`saturated_mask`)."""
    a = np.asarray(a)
    if a.size == 0:
        return 0.0
    return float(np.mean(saturated_mask(a, kind, margin)))


def dead_mask(a) -> np.ndarray:
    """Per unit (a sample's output shape), True if it is 0 for every sample of the batch.

    a: (N, ...) a ReLU's output (never negative); a unit is one element of a sample's output.
    """
    return np.all(np.asarray(a) <= 0, axis=0)


def dead_fraction(a) -> float:
    """Share of units whose output is 0 for every sample of the batch: #{u : aₙᵤ = 0 ∀n} / U."""
    a = np.asarray(a)
    if a.ndim == 0 or a.shape[0] == 0:
        return 0.0
    return float(np.mean(dead_mask(a)))


def update_ratio(steps: Iterable, olds: Iterable) -> float:
    """‖Δθ‖ / ‖θ‖ over several parameter arrays taken together; inf if ‖θ‖ = 0 and Δθ ≠ 0."""
    num = np.sqrt(sum(norm(s) ** 2 for s in steps))
    den = np.sqrt(sum(norm(o) ** 2 for o in olds))
    if den == 0:
        return 0.0 if num == 0 else float("inf")
    return float(num / den)


@dataclass(frozen=True)
class LayerHealth:
    """One layer's figures; None where the iteration has not produced the array (yet)."""

    layer: str
    type: str
    saturated: float | None = None  # sigmoid/tanh layers
    dead: float | None = None  # ReLU layers
    update_ratio: float | None = None  # weighted layers, after the update phase
    act_norm: float | None = None  # ‖a‖ of "<layer>.out"
    grad_norm: float | None = None  # ‖∂L/∂θ‖ of the layer's parameter gradients together
    grad_in_norm: float | None = None  # ‖∂L/∂(input)‖, "<layer>.grad_in"


def layer_list(layers) -> list[tuple[str, str]]:
    """(name, type) pairs from core.network.Node objects, (name, type) pairs or a {name: type} map."""
    if isinstance(layers, Mapping):
        return [(str(k), str(v)) for k, v in layers.items()]
    out = []
    for item in layers:
        if isinstance(item, tuple):
            out.append((str(item[0]), str(item[1])))
        else:
            out.append((item.name, item.type))
    return out


def _param_keys(arrays: Mapping, layer: str, suffix: str) -> list[str]:
    prefix = f"{layer}."
    return sorted(k for k in arrays if k.startswith(prefix) and k.endswith(suffix)
                  and k.count(".") == 2)


METRICS = ("saturated", "dead", "update_ratio", "act_norm", "grad_norm", "grad_in_norm")  # LayerHealth's


def _figure(name: str, typ: str, arrays: Mapping[str, np.ndarray], metric: str) -> float | None:
    """One of METRICS for layer ``name`` of type ``typ``, computing only what it needs."""
    if metric in ("saturated", "dead", "act_norm"):
        out = arrays.get(f"{name}.out")
        if out is None:
            return None
        if metric == "saturated":
            return saturated_fraction(out, typ) if typ in SATURATING else None
        if metric == "dead":
            return dead_fraction(out) if typ == "relu" else None
        return norm(out)
    if metric == "update_ratio":
        steps = _param_keys(arrays, name, ".step")
        olds = [k[: -len(".step")] + ".old" for k in steps]
        if not steps or not all(o in arrays for o in olds):
            return None
        return update_ratio([arrays[k] for k in steps], [arrays[o] for o in olds])
    if metric == "grad_norm":
        grads = [arrays[k] for k in _param_keys(arrays, name, ".grad")]
        return float(np.sqrt(sum(norm(g) ** 2 for g in grads))) if grads else None
    gin = arrays.get(f"{name}.grad_in")  # grad_in_norm
    return None if gin is None else norm(gin)


def layer_health(layers, arrays: Mapping[str, np.ndarray]) -> list[LayerHealth]:
    """Health figures for every layer, in order. ``layers``: nodes, (name, type) pairs or a dict."""
    return [LayerHealth(name, typ, *(_figure(name, typ, arrays, m) for m in METRICS))
            for name, typ in layer_list(layers)]


def health_metric(layers, arrays: Mapping, layer: str, metric: str) -> float | None:
    """One figure of METRICS for ``layer`` (None if the layer is not in ``layers``)."""
    typ = dict(layer_list(layers)).get(layer)
    return None if typ is None else _figure(layer, typ, arrays, metric)
