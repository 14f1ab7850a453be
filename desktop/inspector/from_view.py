"""InspectItems and UpdateItems from a StepView by array key, Qt-free: the lecture's names,
the axes' names and a caption, for the window (or the demo) to hand to the inspector.

Per-sample keys give the focused sample's own quantity as the lecture writes it
(``StepView.sample_value``: N·∂L/∂z[s] for errors, named ∂L⁽ˢ⁾/∂z); parameter keys give the
whole parameter (gradients: the batch mean, named ∂L/∂g).
"""

from __future__ import annotations

import numpy as np

from core.view import StepView, is_error, shape_text
from desktop.inspector.item import InspectItem, UpdateItem

_PARAM_AXES = {4: ("filter", "channel", "row", "col"), 2: ("out", "in")}
_MAP_AXES = {3: ("channel", "row", "col"), 2: ("row", "col"), 1: ("unit",)}


def _map_axes(ndim: int) -> tuple[str, ...]:
    return _MAP_AXES.get(ndim, tuple(f"axis {k + 1}" for k in range(ndim)))


def param_axes(layer_is_conv: bool, ndim: int) -> tuple[str, ...]:
    if ndim == 1:
        return ("filter",) if layer_is_conv else ("unit",)
    return _PARAM_AXES.get(ndim, tuple(f"axis {k + 1}" for k in range(ndim)))


def _layer_index(view: StepView, layer: str) -> int | None:
    return next((i for i, n in enumerate(view.nodes) if n.name == layer), None)


def _param_symbol(view: StepView, layer: str, param: str) -> str:
    w = view.weight_symbols.get(layer)
    if w is None:
        return f"{layer}.{param}"
    return w.unicode if param == "weight" else ("b" + w.unicode[1:] if param == "bias" else f"{param}{w.unicode[1:]}")


def _input_symbol(view: StepView, k: int) -> str:
    return "x" if k == 0 else view.output_symbols[view.nodes[k - 1].name].unicode


def _is_conv(view: StepView, layer: str) -> bool:
    k = _layer_index(view, layer)
    return k is not None and view.nodes[k].layer.spec.category == "Convolution"


def _param_item(view: StepView, key: str, selected) -> InspectItem | None:
    stem, _, suffix = key.rpartition(".")
    layer, _, param = stem.rpartition(".")
    if not view.is_param_key(key):
        layer, param, suffix = stem, suffix, ""  # "<layer>.<param>": the parameter now
        a = view.params.get(layer, {}).get(param)
    else:
        a = view.arrays.get(key)
    if a is None:
        return None
    sym = _param_symbol(view, layer, param)
    axes = param_axes(_is_conv(view, layer), a.ndim)
    what = "filters" if a.ndim == 4 else ("weights (out × in)" if a.ndim == 2 else "biases")
    n = view.batch_size
    if suffix == "":
        name, caption = sym, f"{layer}'s {what} {sym} ({shape_text(a.shape)}), as they are now"
    elif suffix == "grad":
        name = f"∂L/∂{sym}"
        caption = (f"∂L/∂{sym} ({shape_text(a.shape)}): the batch gradient, the mean of the "
                   f"N = {n} samples' own ∂L⁽ˢ⁾/∂{sym}; the update uses it")
    else:
        label = {"old": f"old {sym}", "step": f"−α·∂L/∂{sym}", "new": f"new {sym}"}[suffix]
        name, caption = label, f"{label} of the update, α = {view.lr:g} ({shape_text(a.shape)})"
    return InspectItem(key, name, a, axes, selected, signed=True, caption=caption)


def item_for(view: StepView, key: str, selected: tuple | None = None, sample: int | None = None) -> InspectItem | None:
    """The InspectItem for ``key`` in ``view`` ("conv1.weight", "fc2.weight.grad", "sig1.grad_in",
    "pool1.out", "probs", "x"), None if the view does not hold it (yet).

    ``sample`` (default: the view's focus) picks the sample of per-sample keys; ``selected`` is an
    element of the returned item's array (0-based, without the sample)."""
    stem, _, suffix = key.rpartition(".")
    if view.is_param_key(key) or (stem in view.params and suffix in view.params[stem]):
        return _param_item(view, key, selected)
    s = view.focus if sample is None else int(sample)
    n = view.batch_size
    if key == "x":
        if view.x is None:
            return None
        s = min(s, len(view.x) - 1)
        a = view.x[s]
        return InspectItem("x", "x", a, _MAP_AXES[a.ndim], selected, (("sample", s),), signed=bool(np.min(a) < 0),
                           caption=f"the input x of sample {s + 1}")
    a = view.sample_value(key, s)
    if a is None:
        return None
    s = min(s, n - 1)
    axes = ("class",) if key.startswith("probs") else _map_axes(a.ndim)
    label = f" (label {view.classes[int(view.y[s])]})" if view.y is not None and view.classes else ""
    if key == "probs":
        return InspectItem(key, "ŷ", a, axes, selected, (("sample", s),), signed=False,
                           caption=f"ŷ = softmax(z) of sample {s + 1}{label}", classes=view.classes)
    if key == "probs.grad":
        return InspectItem(key, "∂L⁽ˢ⁾/∂ŷ", a, axes, selected, (("sample", s),), signed=True,
                           caption=f"∂L⁽ˢ⁾/∂ŷ = −y/ŷ of sample {s + 1}{label}: its own loss's gradient",
                           classes=view.classes)
    layer, _, part = key.rpartition(".")
    k = _layer_index(view, layer)
    if k is None:
        return None
    out = view.output_symbols[layer].unicode
    last = k == len(view.nodes) - 1
    classes = view.classes if last and a.ndim == 1 and len(view.classes) == a.size else ()
    if is_error(key):
        of = out if part == "grad_out" else _input_symbol(view, k)
        name = f"∂L⁽ˢ⁾/∂{of}"
        if last and part == "grad_out":
            caption = f"{name} = ŷ − y of sample {s + 1}{label}: its own output error, as the lecture writes it"
        else:
            caption = f"{name} of sample {s + 1}: its own error, N·∂L/∂{of} of the batch loss (N = {n})"
        return InspectItem(key, name, a, axes, selected, (("sample", s),), signed=True, caption=caption,
                           classes=classes)
    signed = bool(a.size and np.nanmin(a) < 0)
    name = out if part == "out" else f"{layer}.{part}"
    what = "output" if part == "out" else part
    return InspectItem(key, name, a, axes, selected, (("sample", s),), signed=signed,
                       caption=f"{name}, {layer}'s {what} for sample {s + 1} ({shape_text(a.shape)})", classes=classes)


def update_for(view: StepView, layer: str, param: str = "weight", selected: tuple | None = None) -> UpdateItem | None:
    """The update of ``layer.param``: the engine's old/step/new after the update phase, or before
    it the pending SGD step −α·∂L/∂θ once the gradient exists (None before that)."""
    base = f"{layer}.{param}"
    sym = _param_symbol(view, layer, param)
    if f"{base}.new" in view.arrays:
        old, step, new = (view.arrays[f"{base}.{p}"] for p in ("old", "step", "new"))
        applied, optimizer = True, view.optimizer
        note = "applied in the update phase"
    else:
        grad = view.arrays.get(f"{base}.grad")
        old = view.params.get(layer, {}).get(param)
        if grad is None or old is None:
            return None
        step = (-view.lr * grad.astype(np.float64)).astype(grad.dtype)
        new = (old + step).astype(old.dtype)
        applied, optimizer = False, "sgd"
        note = "pending: SGD's step, applied in the update phase"
    axes = param_axes(_is_conv(view, layer), old.ndim)
    return UpdateItem(base, sym, view.lr, old, step, new, axes, applied, optimizer, selected,
                      caption=f"new {sym} = old {sym} − α·∂L/∂{sym}, α = {view.lr:g} ({note})")
