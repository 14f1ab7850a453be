"""Pure edits of a NetworkSpec (no Qt): each takes a spec and returns a new one, or raises EditError.

The editor wraps every one of these in an undo command; keeping them pure makes undo exact (the
command stores the spec before and after) and lets tests check an edit without a window.
"""

from __future__ import annotations

import re
from typing import Any

from core.errors import BackstepError, HyperParamError
from core.registry import Registry
from core.spec import LayerEntry, NetworkSpec

# Short name stems for the built-in types, as the lecture names its layers (conv1, sig1, pool1, fc1).
NAME_STEMS = {"conv2d": "conv", "maxpool2d": "pool", "avgpool2d": "avgpool", "sigmoid": "sig",
              "dense": "fc", "flatten": "flat"}


# What an edit returns when the editor's confirm callback said no (nothing changed, nothing to fix).
CANCELLED = "cancelled: nothing changed"


class EditError(BackstepError):
    """An edit that cannot be made; the message says why, for the user."""


def name_stem(type_id: str) -> str:
    """conv2d -> conv, sigmoid -> sig; a plugin's id without a trailing '2d' otherwise."""
    return NAME_STEMS.get(type_id) or re.sub(r"\d+d$", "", type_id) or type_id


def unique_name(spec: NetworkSpec, type_id: str) -> str:
    """The stem followed by one more than the highest number any layer with that stem has (conv3)."""
    stem = name_stem(type_id)
    numbers = [int(m.group(1)) for e in spec.layers if (m := re.fullmatch(re.escape(stem) + r"(\d+)", e.name))]
    return f"{stem}{max(numbers, default=0) + 1}"


def name_problem(spec: NetworkSpec, name: str, index: int | None = None) -> str | None:
    """Why ``name`` cannot be the name of layer ``index`` (None = a new layer), or None if it can."""
    if not name.strip():
        return "a layer needs a name"
    if not name.replace("_", "").replace("-", "").isalnum():
        return f"{name!r}: use only letters, digits, '_' and '-'"
    if any(e.name == name for i, e in enumerate(spec.layers) if i != index):
        return f"another layer is already called {name!r}"
    return None


def _check_index(spec: NetworkSpec, index: int, what: str = "layer") -> None:
    if not 0 <= index < len(spec.layers):
        raise EditError(f"no {what} at position {index} (the network has {len(spec.layers)} layers)")


def add_layer(spec: NetworkSpec, registry: Registry, type_id: str, index: int | None = None,
              name: str | None = None) -> NetworkSpec:
    """Insert a ``type_id`` layer with its default hyperparameters before ``index`` (None: at the end)."""
    cls = registry.get(type_id)  # PluginError (a BackstepError) names the known ids
    layers = list(spec.layers)
    index = len(layers) if index is None else index
    if not 0 <= index <= len(layers):
        raise EditError(f"cannot insert at position {index} (the network has {len(layers)} layers)")
    name = unique_name(spec, type_id) if name is None else name
    problem = name_problem(spec, name)
    if problem:
        raise EditError(problem)
    hp = {k: schema.default for k, schema in cls.hyperparams.items()}
    layers.insert(index, LayerEntry(name, type_id, hp))
    return spec.replace_layers(layers)


def remove_layer(spec: NetworkSpec, index: int) -> NetworkSpec:
    _check_index(spec, index)
    if len(spec.layers) == 1:
        raise EditError("a network needs at least one layer")
    return spec.replace_layers(spec.layers[:index] + spec.layers[index + 1:])


def move_layer(spec: NetworkSpec, src: int, dst: int) -> NetworkSpec:
    """Take layer ``src`` out and put it back so that it ends up at position ``dst``."""
    _check_index(spec, src)
    _check_index(spec, dst, "position")
    layers = list(spec.layers)
    layers.insert(dst, layers.pop(src))
    return spec.replace_layers(layers)


def coerce_hyperparam(spec: NetworkSpec, registry: Registry, index: int, name: str, value: Any) -> Any:
    """``value`` validated by the layer's HyperParam schema; EditError with the schema's message."""
    _check_index(spec, index)
    entry = spec.layers[index]
    schema = registry.get(entry.type).hyperparams.get(name)
    if schema is None:
        raise EditError(f"{entry.name}: {entry.type} has no hyperparameter {name!r}")
    try:
        return schema.coerce(name, value)
    except HyperParamError as exc:
        raise EditError(str(exc)) from None


def set_hyperparam(spec: NetworkSpec, registry: Registry, index: int, name: str, value: Any) -> NetworkSpec:
    value = coerce_hyperparam(spec, registry, index, name, value)
    entry = spec.layers[index]
    layers = list(spec.layers)
    layers[index] = LayerEntry(entry.name, entry.type, {**entry.hp, name: value})
    return spec.replace_layers(layers)


def rename_layer(spec: NetworkSpec, index: int, new_name: str) -> NetworkSpec:
    _check_index(spec, index)
    problem = name_problem(spec, new_name, index)
    if problem:
        raise EditError(problem)
    entry = spec.layers[index]
    layers = list(spec.layers)
    layers[index] = LayerEntry(new_name, entry.type, dict(entry.hp))
    return spec.replace_layers(layers)
