"""How the inspector writes numbers, Qt-free: in a cell of a grid, and in the hover readout.

A grid's numbers share one format: the same decimals for every cell (so columns line up and a
small value looks small), chosen so the largest shows three significant digits; arrays of tiny
or huge values are written as mantissas with one power of ten for the whole grid ("4.61" with
×10⁻³ beside the colour bar). Minus signs are the typographic "−" (U+2212), as the lecture writes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from desktop.panels.levels import power_text, scale_exponent

MAX_DECIMALS = 5


def _minus(s: str) -> str:
    return s.replace("-", "−")


def value_text(v) -> str:
    """One value in full, for the hover readout: "−0.1234", "3.210e−05"."""
    v = float(v)
    if not math.isfinite(v):
        return "NaN" if math.isnan(v) else ("∞" if v > 0 else "−∞")
    if v == 0:
        return "0"  # (−0.0 too)
    if 1e-3 <= abs(v) < 1e4:
        return _minus(f"{v:.4f}")
    return _minus(f"{v:.3e}")


def finite_max_abs(*arrays) -> float:
    """max |v| over the finite values of all ``arrays`` (0 if none)."""
    m = 0.0
    for a in arrays:
        a = np.asarray(a, dtype=np.float64)
        if a.size:
            f = np.abs(a[np.isfinite(a)])
            if f.size:
                m = max(m, float(f.max()))
    return m


@dataclass(frozen=True)
class NumberFormat:
    """Cell text: v / 10^exponent with ``decimals`` decimals; exact zeros are "0"."""

    exponent: int = 0
    decimals: int = 3

    @property
    def factor(self) -> str:
        """"×10⁻³" when the numbers are scaled, else ""."""
        return power_text(self.exponent)

    def text(self, v) -> str:
        v = float(v)
        if v == 0:
            return "0"
        if not math.isfinite(v):
            return "NaN" if math.isnan(v) else ("∞" if v > 0 else "−∞")
        return _minus(f"{v / 10.0 ** self.exponent:.{self.decimals}f}")

    def value(self, text: str) -> float:
        """The number a cell's text stands for (its inverse, up to the rounding)."""
        return float(text.replace("−", "-")) * 10.0 ** self.exponent


def _decimals_for(m: float) -> int:
    """Decimals that give the magnitude m three significant digits (0 for m ≥ 100)."""
    if m <= 0 or not math.isfinite(m):
        return 0
    return min(max(2 - math.floor(math.log10(m)), 0), MAX_DECIMALS)


def number_format(values_max: float, resolution: float | None = None) -> NumberFormat:
    """The format of a grid whose largest |value| is ``values_max``: plain decimals for
    0.01 ≤ max < 10⁴, else mantissas in the power of ten of the max (its colour bar uses the same).
    ``resolution``: a change the numbers must show (the update's step, for old and new), in two
    significant digits where the decimals allow (at most MAX_DECIMALS).
    """
    e = scale_exponent(values_max)
    unit = 10.0 ** e
    d = _decimals_for(values_max / unit)
    if resolution is not None and resolution > 0 and math.isfinite(resolution):
        d = max(d, min(1 - math.floor(math.log10(resolution / unit)), MAX_DECIMALS))
    return NumberFormat(e, d)


def coarser(fmt: NumberFormat, values_max: float) -> list[NumberFormat]:
    """``fmt`` and the same with fewer decimals, down to two significant digits of the largest
    value: what a grid falls back to when its cells are too small for every digit."""
    shown = values_max / 10.0 ** fmt.exponent
    lowest = 0 if shown <= 0 or not math.isfinite(shown) else max(0, 1 - math.floor(math.log10(shown)))
    return [NumberFormat(fmt.exponent, d) for d in range(fmt.decimals, min(lowest, fmt.decimals) - 1, -1)]
