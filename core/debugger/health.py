"""Training health per layer: saturated and dead units, update-to-weight ratio, norms.

Read from one iteration's arrays (core.stepper.Snapshot keys). With a = a layer's output over the
batch, N samples, U units per sample (every element of a (C, H, W) map counts as a unit):

    saturated fraction             #{a : layer.saturated(a, 0.02)} / (N·U)
                                   (sigmoid: a < 0.02 or a > 0.98; tanh: |a| > 0.98)
    dead fraction                  #{units u : layer.inactive(aₙᵤ) for every n} / U   (ReLU: aₙᵤ ≤ 0)
    update-to-weight ratio         ‖Δθ‖ / ‖θ‖  with Δθ = the update's step (".step"), θ = ".old";
                                   ‖·‖ over all the layer's parameters together (Frobenius)
    norms                          ‖A‖ = √(Σ A²) of the whole batch array

A saturated sigmoid passes almost no gradient (f′ = a(1 − a) < 0.02); a dead ReLU passes none.
Which values count as saturated or inactive is the layer's own rule (core.api.Layer.saturated and
.inactive; a layer type without one has no such figure), so a user's activation can have them too.
An update-to-weight ratio far from ~1e-3 means the learning rate is off (too small or too big).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

SATURATION_MARGIN = 0.02


def norm(a) -> float:
    """‖A‖ = √(Σ A²), the Frobenius norm of the whole array (float64 accumulation)."""
    a = np.asarray(a, dtype=np.float64)
    return float(np.sqrt(np.sum(a * a)))


def _layer(kind, registry=None):
    """A layer object for ``kind``: a Layer as is, a type id as its class with default
    hyperparameters (from ``registry``, else the process's); None for an unknown id."""
    if not isinstance(kind, str):
        return kind
    from core.registry import default_registry

    reg = registry or default_registry()
    if kind not in reg:
        return None
    try:
        return reg.get(kind)()
    except Exception:  # noqa: BLE001 - a plugin whose defaults do not construct has no figures
        return None


def _saturated(layer, a: np.ndarray, margin: float) -> float | None:
    sat = None if layer is None else layer.saturated(a, margin)
    return None if sat is None else (float(np.mean(sat)) if a.size else 0.0)


def _dead(layer, a: np.ndarray) -> float | None:
    off = None if layer is None else layer.inactive(a)
    if off is None:
        return None
    return float(np.mean(np.all(off, axis=0))) if a.ndim and a.shape[0] else 0.0


def saturated_fraction(a, kind="sigmoid", margin: float = SATURATION_MARGIN) -> float:
    """Share of output values that the layer counts as saturated (its ``saturated(a, margin)``).

    kind: a Layer or a type id (sigmoid: a < margin or a > 1 − margin; tanh: |a| > 1 − margin);
    ValueError for a layer type that does not saturate. a: any shape, (N, ...).
    """
    v = _saturated(_layer(kind), np.asarray(a), margin)
    if v is None:
        raise ValueError(f"saturation is not defined for layer type {getattr(kind, 'spec', kind)!r}")
    return v


def dead_fraction(a, kind="relu") -> float:
    """Share of units inactive for every sample of the batch: #{u : inactive(aₙᵤ) ∀n} / U.

    a: (N, ...) the layer's output; a unit is one element of a sample's output. kind: a Layer or
    a type id whose ``inactive`` says where no gradient passes (ReLU: a ≤ 0).
    """
    v = _dead(_layer(kind), np.asarray(a))
    if v is None:
        raise ValueError(f"dead units are not defined for layer type {getattr(kind, 'spec', kind)!r}")
    return v


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
    saturated: float | None = None  # layers that saturate (sigmoid, tanh)
    dead: float | None = None  # layers whose units can die (ReLU)
    update_ratio: float | None = None  # weighted layers, after the update phase
    act_norm: float | None = None  # ‖a‖ of "<layer>.out"
    grad_norm: float | None = None  # ‖∂L/∂θ‖ of the layer's parameter gradients together
    grad_in_norm: float | None = None  # ‖∂L/∂(input)‖, "<layer>.grad_in"


def saturated_mask(a, kind="sigmoid", margin: float = SATURATION_MARGIN) -> np.ndarray | None:
    """Where ``a`` (a layer's output, any shape) is saturated by the layer's own rule, or None for a
    layer type that does not saturate. kind: a Layer or a type id."""
    layer = _layer(kind)
    return None if layer is None else layer.saturated(np.asarray(a), margin)


def dead_mask(a, kind="relu") -> np.ndarray | None:
    """Per unit (a sample's output shape), True where the layer passes no gradient for any sample
    of the batch (its ``inactive`` rule); None for a layer type whose units cannot die."""
    layer = _layer(kind)
    off = None if layer is None else layer.inactive(np.asarray(a))
    return None if off is None else np.all(off, axis=0)


def layer_list(layers) -> list[tuple[str, str]]:
    """(name, type) pairs from core.network.Node objects, (name, type or Layer) pairs or a map;
    no layer object is built."""
    return [(name, typ) for name, typ, _ in _layer_list(layers, build=False)]


def layer_objects(layers) -> dict[str, object]:
    """name -> the layer object whose rules (saturated, inactive) apply: a Node's own layer, a
    given Layer, or for a bare type id its class with default hyperparameters (None if unknown)."""
    return {name: obj for name, _, obj in _layer_list(layers)}


def _type_id(kind) -> str:
    return kind if isinstance(kind, str) else str(getattr(getattr(kind, "spec", None), "id", type(kind).__name__))


def _layer_list(layers, build: bool = True) -> list[tuple[str, str, object]]:
    """(name, type, layer object or None) from core.network.Node objects, (name, type id or Layer)
    pairs or a {name: type id or Layer} map; ``build``: make layer objects for bare type ids."""
    if isinstance(layers, Mapping):
        layers = list(layers.items())
    out = []
    for item in layers:
        if isinstance(item, tuple):
            kind = item[1] if not isinstance(item[1], str) else str(item[1])
            out.append((str(item[0]), _type_id(kind), _layer(kind) if build else None))
        else:
            out.append((item.name, item.type, item.layer))
    return out


def _param_keys(arrays: Mapping, layer: str, suffix: str) -> list[str]:
    prefix = f"{layer}."
    return sorted(k for k in arrays if k.startswith(prefix) and k.endswith(suffix)
                  and k.count(".") == 2)


METRICS = ("saturated", "dead", "update_ratio", "act_norm", "grad_norm", "grad_in_norm")  # LayerHealth's


def _figure(name: str, layer, arrays: Mapping[str, np.ndarray], metric: str) -> float | None:
    """One of METRICS for layer ``name`` (its Layer object, or None), computing only what it needs."""
    if metric in ("saturated", "dead", "act_norm"):
        out = arrays.get(f"{name}.out")
        if out is None:
            return None
        if metric == "act_norm":
            return norm(out)
        a = np.asarray(out)
        return _saturated(layer, a, SATURATION_MARGIN) if metric == "saturated" else _dead(layer, a)
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
    return [LayerHealth(name, typ, *(_figure(name, layer, arrays, m) for m in METRICS))
            for name, typ, layer in _layer_list(layers)]


def health_metric(layers, arrays: Mapping, layer: str, metric: str) -> float | None:
    """One figure of METRICS for ``layer`` (None if the layer is not in ``layers``)."""
    found = layer_objects(layers)
    if layer not in found:
        return None
    return _figure(layer, found[layer], arrays, metric)
