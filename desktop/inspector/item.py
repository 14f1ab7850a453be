"""What the inspector is asked to show, Qt-free: one array (InspectItem) or one update (UpdateItem).

The caller (a panel click, the window) names everything: the array's key in the StepView, its
lecture name and the names of its axes; indices are 0-based here and shown 1-based on screen.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from desktop.inspector.numbers import value_text


def _frozen(a) -> np.ndarray:
    a = np.asarray(a)
    if a.flags.writeable:
        a = a.copy()
        a.setflags(write=False)
    return a


@dataclass(frozen=True)
class InspectItem:
    """One array to see large.

    key       the array's key, e.g. "conv1.weight", "sig1.grad_in", "fc2.weight.grad"
    name      its lecture name, e.g. "g⁽¹⁾", "∂L⁽ˢ⁾/∂z⁽²⁾"
    array     (F,), (H, W), (C, H, W) or (F, C, kh, kw); kept read-only
    axes      one name per axis, e.g. ("filter", "channel", "row", "col")
    selected  an element of ``array`` (0-based, as long as array.ndim), or None
    prefix    leading index parts that ``array`` is a slice of, 0-based: (("sample", 3),) for the
              focused sample's own map; shown "sample 4"
    signed    diverging colours with levels symmetric around 0 (gradients, weights); else a
              sequential scale from 0 (activations)
    caption   one line above the array, e.g. "conv1's filters, the weights now"
    classes   names for the indices of a vector's one axis (the output's class names), shown
              beside the 1-based number: "unit 7 (class 6)"
    """

    key: str
    name: str
    array: np.ndarray
    axes: tuple[str, ...]
    selected: tuple[int, ...] | None = None
    prefix: tuple[tuple[str, int], ...] = ()
    signed: bool = True
    caption: str = ""
    classes: tuple[str, ...] = ()

    def __post_init__(self):
        a = _frozen(self.array)
        if a.ndim not in (1, 2, 3, 4):
            raise ValueError(f"{self.key}: the inspector shows 1- to 4-D arrays, not shape {a.shape}")
        object.__setattr__(self, "array", a)
        object.__setattr__(self, "axes", tuple(self.axes))
        object.__setattr__(self, "prefix", tuple((str(n), int(i)) for n, i in self.prefix))
        object.__setattr__(self, "classes", tuple(str(c) for c in self.classes))
        if len(self.axes) != a.ndim:
            raise ValueError(f"{self.key}: {len(self.axes)} axis names for a {a.ndim}-D array")
        if self.selected is not None:
            sel = tuple(int(i) for i in self.selected)
            if len(sel) != a.ndim or not all(0 <= i < n for i, n in zip(sel, a.shape)):
                raise ValueError(f"{self.key}: selected {sel} is not an element of shape {a.shape}")
            object.__setattr__(self, "selected", sel)

    def full_index(self, index: tuple) -> tuple[int, ...]:
        """The element's index in the view's array ``key``: the prefix (the sample) first."""
        return tuple(i for _, i in self.prefix) + tuple(int(i) for i in index)

    def where(self, index: tuple) -> str:
        """"[sample 4, filter 3, row 2, col 5]": every part 1-based."""
        parts = [f"{n} {i + 1}" for n, i in self.prefix]
        parts += [f"{n} {int(i) + 1}" for n, i in zip(self.axes, index)]
        if self.classes and len(index) == 1 and 0 <= int(index[0]) < len(self.classes):
            parts[-1] += f" (class {self.classes[int(index[0])]})"
        return "[" + ", ".join(parts) + "]"

    def element_text(self, index: tuple) -> str:
        """"g⁽¹⁾[filter 3, channel 1, row 2, col 5] = −0.1234" for the 0-based ``index``."""
        return f"{self.name}{self.where(index)} = {value_text(self.array[tuple(int(i) for i in index)])}"


@dataclass(frozen=True)
class UpdateItem:
    """One parameter's update θ_new = θ_old + step, with step = −α·∂L/∂θ for SGD.

    key       the parameter, e.g. "conv1.weight" (clicks report "<key>.old", ".step", ".new")
    symbol    its lecture name, e.g. "g⁽¹⁾", "W⁽²⁾", "b⁽¹⁾"
    lr        α
    old, step, new   arrays of one shape (as the engine's "<key>.old/.step/.new")
    axes      one name per axis
    applied   True once the update phase ran; False for the pending step before it
    optimizer "sgd" (step = −α·∂L/∂θ) or another optimiser's name (its own step)
    selected  an element (0-based) or None
    caption   one line above
    """

    key: str
    symbol: str
    lr: float
    old: np.ndarray
    step: np.ndarray
    new: np.ndarray
    axes: tuple[str, ...]
    applied: bool = True
    optimizer: str = "sgd"
    selected: tuple[int, ...] | None = None
    caption: str = ""
    diff: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        old, step, new = (_frozen(a) for a in (self.old, self.step, self.new))
        if not old.shape == step.shape == new.shape:
            raise ValueError(f"{self.key}: old {old.shape}, step {step.shape} and new {new.shape} differ")
        for name, a in (("old", old), ("step", step), ("new", new)):
            object.__setattr__(self, name, a)
        # new − old in float64 (exact for float32 operands): equal to the step up to the rounding of old + step
        object.__setattr__(self, "diff", _frozen(new.astype(np.float64) - old.astype(np.float64)))
        object.__setattr__(self, "axes", tuple(self.axes))
        if self.selected is not None:
            object.__setattr__(self, "selected", tuple(int(i) for i in self.selected))

    @property
    def step_name(self) -> str:
        return f"−α·∂L/∂{self.symbol}" if self.optimizer == "sgd" else f"the {self.optimizer} step"

    @property
    def mismatch(self) -> float:
        """max |(new − old) − step|: 0 up to float rounding when new = old + step."""
        d = np.abs(self.diff - self.step.astype(np.float64))
        return float(np.nanmax(d)) if d.size else 0.0

    @property
    def consistent(self) -> bool:
        """new − old equals the step but for the rounding of old + step (a few ulps of new)."""
        dtype = self.new.dtype if np.issubdtype(self.new.dtype, np.floating) else np.float64
        bound = 4 * float(np.finfo(dtype).eps) * max(float(np.nanmax(np.abs(self.new), initial=0.0)), 1e-300)
        return self.mismatch <= bound

    def part(self, which: str) -> InspectItem:
        """One of "old", "step", "new", "diff" as an InspectItem (its name and key)."""
        names = {"old": f"old {self.symbol}", "step": self.step_name, "new": f"new {self.symbol}",
                 "diff": f"new {self.symbol} − old {self.symbol}"}
        keys = {"old": f"{self.key}.old", "step": f"{self.key}.step", "new": f"{self.key}.new",
                "diff": f"{self.key}.new"}
        array = self.diff if which == "diff" else getattr(self, which)
        return InspectItem(keys[which], names[which], array, self.axes, self.selected, signed=True)
