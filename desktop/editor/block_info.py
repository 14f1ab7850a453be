"""What each block of the canvas says about its layer (no Qt): output shape, parameters, problems.

Built from ``core.network.infer_shapes`` so that a spec that does not fit still gets a block per
layer, with the reason on the block that breaks, instead of an exception.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from core.network import infer_shapes
from core.registry import Registry
from core.spec import NetworkSpec
from core.view import shape_text


@dataclass(frozen=True)
class BlockInfo:
    """One layer as the canvas shows it."""

    name: str
    type: str
    type_name: str  # the plugin's display name ("Conv 2D"), or the id if the type is unknown
    category: str
    hp: dict[str, Any] = field(default_factory=dict)
    in_shape: tuple | None = None
    out_shape: tuple | None = None
    param_count: int | None = None
    error: str | None = None  # why the shapes do not fit (or the type is unknown)
    blocked_by: str | None = None  # the earlier layer whose error leaves this one without an input shape

    @property
    def shape_label(self) -> str:
        return shape_text(self.out_shape) if self.out_shape is not None else "?"

    @property
    def params_label(self) -> str:
        if self.param_count is None:
            return ""
        return f"{self.param_count:,} param{'s' if self.param_count != 1 else ''}".replace(",", " ")

    def summary(self) -> str:
        """One line: 'conv1 (conv2d) 6×24×24, 156 params' or the error."""
        if self.error:
            tail = f"error: {self.error}"
        elif self.blocked_by:
            tail = f"? (waits for {self.blocked_by})"
        else:
            tail = ", ".join(t for t in (self.shape_label, self.params_label) if t)
        return f"{self.name} ({self.type}) {tail}"


def _param_count(registry: Registry, type_id: str, hp: dict, in_shape: tuple) -> int | None:
    try:
        params = registry.get(type_id)(**hp).init_params(in_shape, np.random.default_rng(0))
        return int(sum(np.size(v) for v in params.values()))
    except Exception:  # noqa: BLE001 - a count we cannot get is left blank, never fatal
        return None


def block_infos(spec: NetworkSpec, registry: Registry) -> list[BlockInfo]:
    """One BlockInfo per layer of ``spec``, in order."""
    infos = []
    in_shape: tuple | None = tuple(spec.input_shape)
    culprit = None  # the first layer that does not fit: only it is marked as an error
    for entry, shape in zip(spec.layers, infer_shapes(spec, registry)):
        known = entry.type in registry
        cls = registry.get(entry.type) if known else None
        count = None
        if shape.out_shape is not None and in_shape is not None:
            count = _param_count(registry, entry.type, entry.hp, in_shape)
        infos.append(BlockInfo(
            name=entry.name, type=entry.type,
            type_name=cls.spec.name if cls else entry.type,
            category=cls.spec.category if cls else "Other",
            hp=dict(entry.hp), in_shape=in_shape, out_shape=shape.out_shape,
            param_count=count, error=shape.error if in_shape is not None else None,
            blocked_by=culprit if in_shape is None else None))
        if shape.out_shape is None and culprit is None:
            culprit = entry.name
        in_shape = shape.out_shape
    return infos


def loss_problem(spec: NetworkSpec, infos: list[BlockInfo]) -> str | None:
    """Why the loss cannot take the last layer's output, or None (mirrors core.network.Network)."""
    if not infos or infos[-1].out_shape is None:
        return None  # the broken block already says why
    out = infos[-1].out_shape
    if len(out) != 1:
        return f"the loss needs one score per class, the last layer outputs {shape_text(out)}: end with flatten + dense"
    if spec.classes and len(spec.classes) != out[0]:
        return f"{len(spec.classes)} classes, but the last layer outputs {out[0]} scores"
    return None
