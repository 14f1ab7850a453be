"""Colour levels for maps, Qt-free: fixed, coarse and symmetric, so a colour means the same
value from step to step and the sign of a gradient is seen at once."""

from __future__ import annotations

import math

import numpy as np


def nice_ceil(v: float) -> float:
    """The smallest of 1, 2, 5 × 10ᵏ that is ≥ v: levels that change only in coarse steps."""
    if not np.isfinite(v) or v <= 0:
        return 1.0
    e = 10.0 ** math.floor(math.log10(v))
    for m in (1.0, 2.0, 5.0, 10.0):
        if v <= m * e * (1 + 1e-12):
            return m * e
    return 10.0 * e


def finite_range(a: np.ndarray) -> tuple[float, float]:
    """(min, max) over the finite values, (0, 0) if there are none."""
    a = np.asarray(a)
    if a.size == 0:
        return 0.0, 0.0
    lo, hi = float(np.min(a)), float(np.max(a))
    if math.isfinite(lo) and math.isfinite(hi):
        return lo, hi
    f = a[np.isfinite(a)]
    return (float(f.min()), float(f.max())) if f.size else (0.0, 0.0)


def symmetric_levels(a: np.ndarray) -> tuple[float, float]:
    lo, hi = finite_range(a)
    m = nice_ceil(max(-lo, hi))
    return -m, m


def bar_ticks(levels: tuple[float, float]) -> list[tuple[float, str]]:
    """A colour bar's labels: its ends, and zero between them."""
    lo, hi = levels
    ticks = [(lo, f"{lo:.2g}"), (hi, f"{hi:.2g}")]
    if lo < 0 < hi:
        ticks.insert(1, (0.0, "0"))
    return ticks
