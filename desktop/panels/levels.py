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


_SUP = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")
# what a panel's 40 px colour-bar axis holds at the default font, in digit widths ("-0.05", "-2e-3")
SHORT = 4.1


def label_width(label: str) -> float:
    """A label's width in digit widths: minus signs and points are about half a digit wide."""
    return sum(0.55 if ch in "-−.+" else 1.0 for ch in label)


def _decimal(v: float, d: int) -> str:
    s = f"{v:.{d}f}"
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def _scientific(v: float, d: int) -> str:
    if v == 0:
        return "0"
    mantissa, exponent = f"{v:.{d}e}".split("e")
    if "." in mantissa:
        mantissa = mantissa.rstrip("0").rstrip(".")
    return f"{mantissa}e{int(exponent)}"


def _fits(values: list[float], labels: list[str], tol: float) -> bool:
    """Distinct, and each within ``tol`` of its value (as read back)."""
    return len(set(labels)) == len(labels) and all(abs(float(t) - v) <= tol for v, t in zip(values, labels))


def tick_labels(values: list[float], minus: str = "-") -> list[str]:
    """The shortest labels, all in one style, that tell ``values`` apart and read each within
    half a percent of their span: plain decimals ("0", "0.5", "-0.05") where they are short, else
    compact scientific ("-2e-3", "5e-7", "1.2e4"). ``minus``: "−" (U+2212) where width allows."""
    values = [float(v) for v in values]
    finite = [v for v in values if math.isfinite(v)]
    if not finite:
        return [str(v) for v in values]
    span = max(finite) - min(finite)
    tol = 0.005 * (span if span > 0 else max(abs(v) for v in finite) or 1.0)
    options = []
    for style in (_decimal, _scientific):
        for d in range(0, 7):
            labels = [style(v, d) for v in values]
            if _fits(values, labels, tol):
                options.append(labels)
                break
    if not options:  # values too close for these digits (an almost constant array): more digits
        p = next((p for p in range(7, 18) if len({f"{v:.{p}g}" for v in values}) == len(set(values))), 17)
        options.append([f"{v:.{p}g}" for v in values])
    width = [max(label_width(t) for t in o) for o in options]
    best = options[0] if len(options) == 1 or width[0] <= max(SHORT, width[1]) else options[1]
    return [t.replace("-", minus) for t in best]


def tick_values(levels: tuple[float, float], count: int = 3) -> list[float]:
    """Where a colour bar's labels go: its ends and zero between them (``count`` 3), or ``count``
    evenly spaced values from end to end."""
    lo, hi = float(levels[0]), float(levels[1])
    if count <= 3:
        return [lo, 0.0, hi] if lo < 0 < hi else [lo, hi]
    return [lo + (hi - lo) * i / (count - 1) for i in range(count)]


def bar_ticks(levels: tuple[float, float], count: int = 3, minus: str = "-") -> list[tuple[float, str]]:
    """A colour bar's labels: its ends, and zero between them; readable and distinct for any
    range, ±0.0012 and ±5e-7 too (a label wider than its axis is not drawn at all)."""
    values = tick_values(levels, count)
    return list(zip(values, tick_labels(values, minus)))


def power_text(exponent: int) -> str:
    """-3 -> '×10⁻³' (the factor of scaled numbers); 0 -> ''."""
    return f"×10{str(int(exponent)).translate(_SUP)}" if exponent else ""


def scale_exponent(m: float) -> int:
    """The power of ten to show numbers of magnitude up to ``m`` in: 0 for 0.01 ≤ m < 10⁴, else
    the exponent of m (so that 0.0046 reads "4.6" with ×10⁻³)."""
    if not math.isfinite(m) or m == 0 or 1e-2 <= abs(m) < 1e4:
        return 0
    return math.floor(math.log10(abs(m)))


def bar_scale(levels: tuple[float, float], count: int = 5, minus: str = "−",
              exponent: int | None = None) -> tuple[list[tuple[float, str]], int]:
    """Ticks for a colour bar with room for a scale label: (ticks, exponent), the labels being the
    values divided by 10^exponent ("−1.2" … "1.2" with ×10⁻³ for ±0.0012). ``exponent``: the one
    of the numbers the bar goes with (default: chosen from the levels)."""
    e = scale_exponent(max(abs(float(levels[0])), abs(float(levels[1])))) if exponent is None else int(exponent)
    values = tick_values(levels, count)
    return list(zip(values, tick_labels([v / 10.0 ** e for v in values], minus))), e
