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

from core.errors import BackstepError, SpecError, short_repr
from core.files import regular_file
from core.losses import LOSSES

FORMAT = "backstep.network/1"
MAX_SPEC_BYTES = 16 * 2**20  # a spec is a few kilobytes; this is a hundred thousand layers
MAX_DEPTH = 32  # nesting of JSON objects and lists; a spec needs 4


def loads_checked(text: str, where: str, error: type[BackstepError] = SpecError) -> Any:
    """json.loads, with every way JSON can fail — syntax, nesting too deep for the parser, integers
    of thousands of digits — as one line naming ``where``; nesting deeper than MAX_DEPTH is refused."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise error(f"{where}: not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}") from None
    except RecursionError:
        raise error(f"{where}: JSON nested too deeply to read (at most {MAX_DEPTH} levels are allowed)") from None
    except ValueError as exc:  # the int-string conversion limit (sys.get_int_max_str_digits)
        raise error(f"{where}: not usable JSON: {' '.join(str(exc).split(';')[0].split())}") from None
    depth = json_depth(data)
    if depth > MAX_DEPTH:
        raise error(f"{where}: JSON nested {depth} levels deep, at most {MAX_DEPTH} are allowed")
    return data


def json_depth(data: Any) -> int:
    """How deeply lists and objects nest in decoded JSON (0 for a number), without recursion."""
    deepest, stack = 0, [(data, 1)]
    while stack:
        obj, depth = stack.pop()
        if isinstance(obj, dict):
            children = obj.values()
        elif isinstance(obj, list):
            children = obj
        else:
            continue
        deepest = max(deepest, depth)
        if depth > MAX_DEPTH:
            return depth
        stack.extend((c, depth + 1) for c in children)
    return deepest


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
        fail("format", f"expected {FORMAT!r}, got {short_repr(fmt)}")
    shape = data.get("input", {}).get("shape") if isinstance(data.get("input"), dict) else None
    if not (isinstance(shape, list) and shape and all(isinstance(s, int) and not isinstance(s, bool)
                                                       and s > 0 for s in shape)):
        fail("input.shape", f"expected a list of positive integers such as [1, 28, 28], got {short_repr(shape)}")
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
            fail(f"layers[{i}].name", f"{short_repr(name)} may hold only letters, digits, '_' and '-'")
        if name in seen:
            fail(f"layers[{i}].name", f"duplicate layer name {short_repr(name)}")
        seen.add(name)
        if not isinstance(type_id, str) or not type_id:
            fail(f"layers[{i}] ({name}).type", "missing")
        entries.append(LayerEntry(name, type_id, {k: v for k, v in raw.items() if k not in ("name", "type")}))
    loss = data.get("loss", {"type": "softmax_cross_entropy"})
    loss_type = loss.get("type") if isinstance(loss, dict) else None
    if loss_type not in LOSSES:
        fail("loss.type", f"{short_repr(loss_type)} is not one of {', '.join(LOSSES)}")
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
    """Read and validate a spec file; SpecError (exit 2) for a missing, empty or malformed file.

    Only a regular file is opened (a FIFO or /dev/zero is refused from its stat), and one larger
    than MAX_SPEC_BYTES is refused unread.
    """
    path = regular_file(path, SpecError, "a network spec (.json)")
    try:
        with open(path, "rb") as f:
            raw = f.read(MAX_SPEC_BYTES + 1)
    except OSError as exc:
        raise SpecError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if len(raw) > MAX_SPEC_BYTES:
        raise SpecError(f"{path}: larger than {MAX_SPEC_BYTES // 2**20} MB, too large for a network spec")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SpecError(f"{path}: not UTF-8 text (byte {exc.start}); a network spec is a JSON file") from None
    if not text.strip():
        raise SpecError(f"{path}: the file is empty")
    return parse_spec(loads_checked(text, str(path)), str(path))


def spec_json(spec: NetworkSpec) -> str:
    return json.dumps(spec.to_dict(), indent=1) + "\n"
