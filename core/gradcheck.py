"""Finite-difference gradient checks of one layer, element by element.

A layer's backward pass is checked against the definition of the derivative. With a random
upstream gradient G and the scalar loss ``L = Σ out · G`` (so that ∂L/∂out = G)::

    analytic:  dx, grads = layer.backward(G, cache)
    numeric:   ∂L/∂θᵢ ≈ (L(θ + ε eᵢ) − L(θ − ε eᵢ)) / 2ε      (central difference, per element)

for every element θᵢ of the input ("input") and of every parameter ("weight", "bias", ...), in
float64.

Relative error of one element::

    rel_errorᵢ = |aᵢ − nᵢ| / max(|aᵢ|, |nᵢ|, FLOOR · scale, TINY)

``scale`` is the largest |a| or |n| of that target (the whole input, or the whole weight). A plain
``|a − n| / max(|a|, |n|)`` flags correct layers: the numeric derivative carries an absolute
rounding noise of about 1e-16 · |L| / ε (1e-10 to 1e-8 here), a large relative error for an element
whose true gradient happens to be near zero (8e-7 for the lecture's dense 256→120 weight, seed 0).
The floor measures such elements against the target's scale instead (FLOOR = 1e-2): the built-in
layers then stay below 1e-7, while a real mistake (a missing factor, a transposed or unflipped
kernel, a misrouted window) is an error of order 1 at the scale of the gradient and is flagged.
TINY = 1e-12 keeps an all-zero gradient from dividing by zero.

Two details keep the numeric side accurate: L(θ + ε) − L(θ − ε) is taken as Σ (out₊ − out₋) · G,
so outputs the perturbation does not touch cancel exactly instead of adding rounding noise; and the
step is the one actually taken, (θᵢ + ε) − (θᵢ − ε), not 2ε.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from core.errors import PluginError

FLOOR = 1e-2
TINY = 1e-12


@dataclass(frozen=True)
class TargetCheck:
    """Analytic and numeric gradient of one target ("input", "weight", ...) and their error."""

    name: str
    analytic: np.ndarray
    numeric: np.ndarray
    rel_error: np.ndarray

    @property
    def max_rel_error(self) -> float:
        return float(self.rel_error.max()) if self.rel_error.size else 0.0

    @property
    def worst_index(self) -> tuple:
        """Index of the element with the largest relative error (() for an empty target)."""
        if not self.rel_error.size:
            return ()
        return tuple(int(i) for i in np.unravel_index(np.argmax(self.rel_error), self.rel_error.shape))


@dataclass(frozen=True)
class LayerCheck:
    """The result of :func:`check_layer`: one :class:`TargetCheck` per input and parameter."""

    layer: str
    in_shape: tuple
    eps: float
    targets: Mapping[str, TargetCheck] = field(default_factory=dict)

    def __getitem__(self, name: str) -> TargetCheck:
        return self.targets[name]

    @property
    def max_rel_error(self) -> dict:
        """Target name -> its largest relative error."""
        return {name: t.max_rel_error for name, t in self.targets.items()}

    @property
    def max_error(self) -> float:
        """The largest relative error over all targets."""
        return max((t.max_rel_error for t in self.targets.values()), default=0.0)

    @property
    def worst(self) -> tuple:
        """(target name, element index) of the largest relative error."""
        if not self.targets:
            return ("", ())
        t = max(self.targets.values(), key=lambda t: t.max_rel_error)
        return (t.name, t.worst_index)

    def passed(self, tol: float = 1e-6) -> bool:
        return self.max_error < tol

    def summary(self) -> str:
        """One line: the layer, its largest error per target and the worst element."""
        parts = ", ".join(f"{name} {err:.1e}" for name, err in self.max_rel_error.items())
        name, index = self.worst
        return (f"{self.layer} on {self.in_shape}: max rel error {self.max_error:.1e} ({parts}); "
                f"worst {name}{list(index)}")


def rel_error(analytic: np.ndarray, numeric: np.ndarray) -> np.ndarray:
    """Element-wise relative error, floored at FLOOR times the larger of the two arrays' scale."""
    a, n = np.abs(analytic), np.abs(numeric)
    scale = max(float(a.max(initial=0.0)), float(n.max(initial=0.0)))
    denom = np.maximum(np.maximum(a, n), max(FLOOR * scale, TINY))
    return np.abs(analytic - numeric) / denom


def check_layer(layer, in_shape, *, batch=2, seed=0, eps=1e-6, params=None, x=None) -> LayerCheck:
    """Compare ``layer.backward`` with central differences for every element, in float64.

    layer: a Layer instance; in_shape: per-sample input shape. ``x`` (batch-first) and ``params``
    default to a standard-normal batch of ``batch`` samples and ``layer.init_params`` (seeded by
    ``seed``); both are copied to float64, never changed. Raises PluginError when the layer returns
    gradients of the wrong shape or misses one.
    """
    rng = np.random.default_rng(seed)
    in_shape = tuple(in_shape)
    x = rng.standard_normal((batch, *in_shape)) if x is None else x
    x = np.array(x, dtype=np.float64)  # our own contiguous copy: perturbed in place below
    if params is None:
        params = layer.init_params(in_shape, rng)
    params = {k: np.array(v, dtype=np.float64) for k, v in params.items()}

    out, cache = layer.forward(x, params, True)
    g = rng.standard_normal(out.shape)
    dx, grads = layer.backward(g.copy(), cache)  # a copy: a layer may reuse dout's memory
    lid = getattr(getattr(layer, "spec", None), "id", type(layer).__name__)

    targets = {"input": (x, dx)}
    for name, value in params.items():
        if name not in grads:
            raise PluginError(f"{lid}: backward returned no gradient for parameter {name!r}")
        targets[name] = (value, grads[name])

    def outputs():
        return layer.forward(x, params, True)[0]

    checks = {}
    for name, (value, analytic) in targets.items():
        analytic = np.array(analytic, dtype=np.float64)
        if analytic.shape != value.shape:
            raise PluginError(
                f"{lid}: backward returned {name} gradient of shape {analytic.shape}, "
                f"expected {value.shape}"
            )
        # an output that is a view of the perturbed array (flatten of the input) must be copied
        # before the next perturbation changes it
        aliased = np.may_share_memory(outputs(), value)
        numeric = _central_differences(outputs, value, g, eps, copy=aliased)
        checks[name] = TargetCheck(name, analytic, numeric, rel_error(analytic, numeric))
    return LayerCheck(repr(layer), in_shape, eps, checks)


def _central_differences(outputs, value, g, eps, copy=False) -> np.ndarray:
    """∂(Σ outputs() · g)/∂value, one element at a time; ``value`` is perturbed in place and restored."""
    flat = value.reshape(-1)  # a view: value is our contiguous copy
    numeric = np.empty(flat.size)
    for i in range(flat.size):
        orig = flat[i]
        up, down = orig + eps, orig - eps
        flat[i] = up
        out_up = outputs()
        if copy:
            out_up = out_up.copy()
        flat[i] = down
        diff = outputs() - out_up  # before restoring: the output may be a view of value
        flat[i] = orig
        numeric[i] = np.vdot(diff, g) / (down - up)
    return numeric.reshape(value.shape)
