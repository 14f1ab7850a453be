"""What-if: replay one iteration with a weight, an input pixel, a label or the learning rate changed.

From an iteration-boundary state (``Stepper.state()``) and the batch of that iteration, the
iteration is computed twice on a private copy of the network — as it was, and with the edits —
exactly as the stepper computes it phase by phase::

    forward every layer → ŷ = softmax(z⁽⁴⁾), L → ∂L/∂z⁽⁴⁾ = (ŷ − y)/N → backward every layer → θ ← step(θ, ∂L/∂θ)

and both sets of arrays (Snapshot keys: "<layer>.out", "loss", "probs", "<layer>.grad_out",
"<layer>.<param>.grad", "<layer>.<param>.new", …) are returned with the largest difference of
each. The live stepper, its network and its optimiser are never touched.

What the lecture predicts, and the tests check: a label edit changes only that sample's row of
∂L/∂z⁽⁴⁾ (by (y_old − y_new)/N; the forward pass does not see labels); doubling α doubles the
SGD step; a weight edit g[f,c,m,n] += δ changes only map f of that conv's output, by δ times the
input window it multiplies.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np

from core.errors import BackstepError
from core.io import full_pass
from core.network import Network
from core.optim import make_optimizer
from core.snapshot import update_arrays


class EditError(BackstepError):
    """A what-if edit names a parameter, sample, element or value that does not exist."""


@dataclass(frozen=True)
class WeightEdit:
    """Set one element of a parameter: ``key`` "conv1.weight", ``index`` (0, 0, 2, 2)."""

    key: str
    index: tuple
    value: float

    def describe(self) -> str:
        return f"{self.key}{[i + 1 for i in self.index]} = {self.value:g}"  # (counted from 1, as shown)


@dataclass(frozen=True)
class PixelEdit:
    """Set one input element of sample ``sample``: ``index`` (c, h, w) for maps, (f,) for vectors."""

    sample: int
    index: tuple
    value: float

    def describe(self) -> str:
        return f"x of sample {self.sample + 1}{[i + 1 for i in self.index]} = {self.value:g}"


@dataclass(frozen=True)
class LabelEdit:
    """Give sample ``sample`` the label ``label``."""

    sample: int
    label: int

    def describe(self) -> str:
        return f"label of sample {self.sample + 1} = {self.label}"


@dataclass(frozen=True)
class LearningRateEdit:
    """Use the learning rate ``lr`` for this update."""

    lr: float

    def describe(self) -> str:
        return f"α = {self.lr:g}"


Edit = WeightEdit | PixelEdit | LabelEdit | LearningRateEdit


@dataclass(frozen=True)
class WhatIfResult:
    """The iteration as it was and as edited; ``diff`` is max |edited − original| per array key."""

    edits: tuple
    original: Mapping[str, np.ndarray]
    edited: Mapping[str, np.ndarray]
    diff: Mapping[str, float]
    x: np.ndarray
    y: np.ndarray
    x_edited: np.ndarray
    y_edited: np.ndarray
    lr: float
    lr_edited: float
    layers: tuple = field(default=())  # layer names in order

    @property
    def loss(self) -> tuple[float, float]:
        """(original, edited) batch loss."""
        return float(self.original["loss"]), float(self.edited["loss"])

    @property
    def probs(self) -> tuple[np.ndarray, np.ndarray]:
        return self.original["probs"], self.edited["probs"]

    def delta(self, key: str) -> np.ndarray:
        """edited − original for one array key (float64)."""
        return self.edited[key].astype(np.float64) - self.original[key].astype(np.float64)

    def changed(self, tol: float = 0.0) -> list[str]:
        """Keys whose arrays differ by more than ``tol``, in computation order."""
        return [k for k, d in self.diff.items() if not d <= tol]

    def gradient_keys(self) -> list[str]:
        """Every gradient key (∂L/∂ŷ, ∂L/∂out, ∂L/∂in, ∂L/∂θ), in backward order."""
        return [k for k in self.original if k.endswith((".grad", ".grad_out", ".grad_in"))]


def _apply(net: Network, params: dict, x: np.ndarray, y: np.ndarray, lr: float, edits: Sequence) -> tuple:
    """Copies of params, x, y and the lr with the edits applied; EditError for an impossible edit."""
    params = {lname: dict(ps) for lname, ps in params.items()}
    x, y = x.copy(), y.copy()
    for e in edits:
        if isinstance(e, WeightEdit):
            layer, _, name = e.key.rpartition(".")
            if layer not in params or name not in params[layer]:
                known = ", ".join(f"{lname}.{k}" for lname, ps in params.items() for k in ps)
                raise EditError(f"what-if: no parameter {e.key!r} (parameters: {known})")
            p = params[layer][name].copy()
            _set(p, e.index, e.value, e.key)
            params[layer][name] = p
        elif isinstance(e, PixelEdit):
            _check_sample(e.sample, len(x))
            _set(x[e.sample], e.index, e.value, f"input of sample {e.sample}")
        elif isinstance(e, LabelEdit):
            _check_sample(e.sample, len(y))
            if not (isinstance(e.label, (int, np.integer)) and 0 <= e.label < net.n_classes):
                raise EditError(f"what-if: label {e.label!r} is not a class index 0…{net.n_classes - 1}")
            y[e.sample] = e.label
        elif isinstance(e, LearningRateEdit):
            if not (isinstance(e.lr, (int, float)) and math.isfinite(e.lr) and e.lr > 0):
                raise EditError(f"what-if: the learning rate must be a positive number, got {e.lr!r}")
            lr = float(e.lr)
        else:
            raise EditError(f"what-if: unknown edit {e!r}")
    return params, x, y, lr


def _check_sample(sample: int, n: int) -> None:
    if not (0 <= sample < n):
        raise EditError(f"what-if: sample {sample} is not in the batch (0…{n - 1})")


def _set(a: np.ndarray, index, value, what: str) -> None:
    index = tuple(int(i) for i in np.atleast_1d(index))
    if len(index) != a.ndim or any(not (0 <= i < s) for i, s in zip(index, a.shape)):
        raise EditError(f"what-if: index {list(index)} is outside {what} of shape {a.shape}")
    if not math.isfinite(float(value)):
        raise EditError(f"what-if: the value must be a finite number, got {value!r}")
    a[index] = value


def replay_iteration(net: Network, params: dict, optimizer: dict, x: np.ndarray, y: np.ndarray,
                     lr: float | None = None) -> dict[str, np.ndarray]:
    """Every array of one iteration, computed as Stepper.step_phase does, on ``net``'s layers only.

    params: layer -> name -> array (in the dtype wanted); optimizer: the state's "optimizer" entry
    (name, lr, state); ``lr`` overrides its learning rate. Nothing passed in is modified.
    """
    with np.errstate(all="ignore"):  # an edit may make the step diverge: show it, do not raise
        arrays, grads = full_pass(net, x, y, params, intermediates=True)
        opt = make_optimizer(optimizer["name"], optimizer["lr"] if lr is None else lr)
        opt.set_state({k: np.array(v, copy=True) for k, v in optimizer["state"].items()})
        new = opt.step(params, grads)
    arrays.update(update_arrays(params, new))
    return {k: np.array(v, copy=True) for k, v in arrays.items()}  # no views into caches


def max_abs_diff(a: np.ndarray, b: np.ndarray) -> float:
    """max |b − a| in float64 over arrays of one shape; a NaN on either side counts as infinite."""
    d = np.abs(b.astype(np.float64) - a.astype(np.float64))
    return float(np.nan_to_num(d, nan=np.inf).max(initial=0.0))


def what_if(net: Network, state: dict, batch: tuple, edits: Sequence, dtype=None) -> WhatIfResult:
    """Replay the iteration that starts at ``state`` on ``batch`` = (x, y), as it was and with ``edits``.

    net: the network (its layers are used; its parameters are not read or changed — the state's
    are). dtype: the arithmetic (default: the network's; float64 for exact comparisons).
    """
    dtype = np.dtype(dtype or net.dtype)
    params = {lname: {k: np.array(v, dtype=dtype) for k, v in ps.items()} for lname, ps in state["params"].items()}
    x = np.array(batch[0], dtype=dtype)
    y = np.array(batch[1], dtype=np.int64)
    opt = state["optimizer"]
    lr = float(opt["lr"])
    edits = tuple(edits)
    params_e, x_e, y_e, lr_e = _apply(net, params, x, y, lr, edits)
    original = replay_iteration(net, params, opt, x, y)
    edited = replay_iteration(net, params_e, opt, x_e, y_e, lr_e)
    diff = {k: max_abs_diff(a, edited[k]) if a.shape == edited[k].shape else math.inf
            for k, a in original.items()}
    return WhatIfResult(edits, MappingProxyType(original), MappingProxyType(edited), MappingProxyType(diff),
                        x, y, x_e, y_e, lr, lr_e, tuple(n.name for n in net.nodes))
