"""The network spec file (format ``backstep.network/1``, JSON): read, validate, write.

    {"format": "backstep.network/1", "name": "Lecture CNN",
     "input": {"shape": [1, 28, 28]},
     "layers": [{"name": "conv1", "type": "conv2d", "out_channels": 6, "kernel_size": 5}, ...],
     "loss": {"type": "softmax_cross_entropy"},
     "classes": ["0", ..., "9"]}

Every error names the file and the field (``lecture.json: layers[3] (conv2): ...``). Type ids and
hyperparameters are checked against the registry when the Network is built (core.network).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.errors import SpecError
from core.losses import LOSSES

FORMAT = "backstep.network/1"


@dataclass(frozen=True)
class LayerEntry:
    """One layer of a spec: its unique name, its type id and its hyperparameters."""

    name: str
    type: str
    hp: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"name": self.name, "type": self.type, **self.hp}


@dataclass(frozen=True)
class NetworkSpec:
    name: str
    input_shape: tuple[int, ...]
    layers: tuple[LayerEntry, ...]
    loss: str = "softmax_cross_entropy"
    classes: tuple[str, ...] = ()
    source: str = "<spec>"  # file it came from, for messages

    def to_dict(self) -> dict:
        d = {"format": FORMAT, "name": self.name, "input": {"shape": list(self.input_shape)},
             "layers": [e.to_dict() for e in self.layers], "loss": {"type": self.loss}}
        if self.classes:
            d["classes"] = list(self.classes)
        return d

    def replace_layers(self, layers) -> NetworkSpec:
        return NetworkSpec(self.name, self.input_shape, tuple(layers), self.loss, self.classes, self.source)


def parse_spec(data: Any, source: str = "<spec>") -> NetworkSpec:  # noqa: C901 - one check per field, read top to bottom
    """Validate a decoded JSON object as a network spec; SpecError names ``source`` and the field."""
    def fail(where: str, why: str):
        raise SpecError(f"{source}: {where}: {why}")

    if not isinstance(data, dict):
        fail("top level", "expected a JSON object")
    fmt = data.get("format")
    if fmt != FORMAT:
        fail("format", f"expected {FORMAT!r}, got {fmt!r}")
    shape = data.get("input", {}).get("shape") if isinstance(data.get("input"), dict) else None
    if not (isinstance(shape, list) and shape and all(isinstance(s, int) and not isinstance(s, bool)
                                                       and s > 0 for s in shape)):
        fail("input.shape", f"expected a list of positive integers such as [1, 28, 28], got {shape!r}")
    layers = data.get("layers")
    if not isinstance(layers, list) or not layers:
        fail("layers", "expected a non-empty list of layers")
    entries, seen = [], set()
    for i, raw in enumerate(layers):
        if not isinstance(raw, dict):
            fail(f"layers[{i}]", "expected an object with 'name' and 'type'")
        name, type_id = raw.get("name"), raw.get("type")
        if not isinstance(name, str) or not name.strip():
            fail(f"layers[{i}].name", "missing or empty")
        if not name.replace("_", "").replace("-", "").isalnum():
            fail(f"layers[{i}].name", f"{name!r} may hold only letters, digits, '_' and '-'")
        if name in seen:
            fail(f"layers[{i}].name", f"duplicate layer name {name!r}")
        seen.add(name)
        if not isinstance(type_id, str) or not type_id:
            fail(f"layers[{i}] ({name}).type", "missing")
        entries.append(LayerEntry(name, type_id, {k: v for k, v in raw.items() if k not in ("name", "type")}))
    loss = data.get("loss", {"type": "softmax_cross_entropy"})
    loss_type = loss.get("type") if isinstance(loss, dict) else None
    if loss_type not in LOSSES:
        fail("loss.type", f"{loss_type!r} is not one of {', '.join(LOSSES)}")
    classes = data.get("classes", [])
    if not (isinstance(classes, list) and all(isinstance(c, str) for c in classes)):
        fail("classes", "expected a list of class names")
    if len(set(classes)) != len(classes):
        fail("classes", "class names must be unique")
    name = data.get("name", Path(source).stem)
    if not isinstance(name, str):
        fail("name", "expected text")
    return NetworkSpec(name, tuple(shape), tuple(entries), loss_type, tuple(classes), source)


def load_spec(path: str | Path) -> NetworkSpec:
    """Read and validate a spec file; SpecError (exit 2) for a missing, empty or malformed file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SpecError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise SpecError(f"{path}: is a folder, expected a network spec (.json)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(f"{path}: cannot read: {exc}") from None
    if not text.strip():
        raise SpecError(f"{path}: the file is empty")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SpecError(f"{path}: not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}") from None
    return parse_spec(data, str(path))


def spec_json(spec: NetworkSpec) -> str:
    return json.dumps(spec.to_dict(), indent=1) + "\n"
