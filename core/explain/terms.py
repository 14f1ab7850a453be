"""What an explanation is made of: terms with their numbers, and how numbers are written.

A :class:`Term` is one summand of an equation — its label in the lecture's symbols, the numbers it
multiplies, their product and the array elements it reads. A layer's explainer returns a
:class:`Derivation` (its equation, terms, the equation with numbers); ``core.explain.explain``
turns that into the :class:`Explanation` the formula view shows, with the element's title and the
value the array holds.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Term:
    """One summand: its label, the numbers it multiplies, their product, the elements it reads.

    refs: (array key, full index) pairs, e.g. ("conv2.weight", (f, c, m, n)).
    """

    label: str
    values: tuple[tuple[str, float], ...]
    product: float
    refs: tuple[tuple[str, tuple], ...] = ()


def term(label: str, values: Iterable[tuple[str, float]], refs: Iterable[tuple[str, tuple]] = ()) -> Term:
    """A Term whose product is the product of ``values`` ((name, number) pairs), computed here."""
    values = tuple((n, float(v)) for n, v in values)
    p = 1.0
    for _, v in values:
        p *= v
    return Term(label, values, p, tuple(refs))


# A factor common to a whole expansion (an activation's f′, a pooling route): its name, its value and
# the elements it reads. Expansions multiply it into every term they produce.
Factor = tuple[str, float, list]


def factor_values(factors: Iterable[Factor]) -> list[tuple[str, float]]:
    """The (name, value) pairs of ``factors``, to append to a term's values."""
    return [(name, value) for name, value, _ in factors]


def factor_refs(factors: Iterable[Factor]) -> list[tuple[str, tuple]]:
    """Every element the ``factors`` read, to append to a term's refs."""
    return [r for _, _, refs in factors for r in refs]


@dataclass
class Derivation:
    """What a layer's explainer says about one element (or, inside an expansion, about a part of it).

    equation     the general equation (Unicode, the lecture's symbols); inside an expansion, the
                 fragment that stands for this part ("Σ_f Σₘ Σₙ g⁽²⁾[f,c,m,n] · ∂L/∂z⁽²⁾[…]")
    terms        the summands, common factors already multiplied in; they add up to the value
    substituted  the equation with its numbers ("= 0.1 + Σ 25 terms"; inside an expansion "Σ 400
                 terms = 0.0123"); the explainer's caller appends "= total"
    note         one or two sentences for the learner (may be "")
    factors      (name, value) of factors common to all terms, shown once
    related      extra elements to highlight: array key -> [full indices] (the terms' refs are
                 highlighted anyway)
    """

    equation: str
    terms: list = field(default_factory=list)
    substituted: str = ""
    note: str = ""
    factors: tuple = ()
    related: Mapping | None = None


@dataclass(frozen=True)
class Explanation:
    """The formula of one element, with numbers. ``total`` (Σ products) equals ``value``."""

    key: str
    index: tuple
    title: str  # the element in the lecture's notation, e.g. "∂L/∂z⁽¹⁾ [sample 1, channel 3, row 6, col 8]"
    equation: str  # the general equation (Unicode, lecture symbols)
    value: float | None  # what the array holds at ``index`` (None if not recorded)
    terms: tuple[Term, ...] = ()
    factors: tuple[tuple[str, float], ...] = ()  # common factors, already inside every product
    substituted: str = ""  # the equation with its numbers: "= 1 · (Σ 400 terms = …) · 0.2411 = …"
    related: dict = field(default_factory=dict)  # array key -> [index tuples]
    note: str = ""
    layer: str | None = None
    supported: bool = True

    @property
    def total(self) -> float | None:
        """Σ of the terms' products (exact summation), None without terms."""
        if not self.terms:
            return None
        return math.fsum(t.product for t in self.terms)

    def adds_up(self, rtol: float = 1e-6) -> bool:
        """True when the terms add up to the displayed value within ``rtol`` (relative)."""
        if self.total is None or self.value is None:
            return False
        scale = max(abs(self.value), 1e-300)
        return abs(self.total - self.value) <= rtol * scale or self.total == self.value


def ix(index) -> str:
    """An index as the formula view writes it, counted from 1 as the lecture and the panels count:
    the array element [0, 2, 5, 7] is written ``[1,3,6,8]``."""
    return "[" + ",".join(str(int(i) + 1) for i in index) + "]"


def fmt(v: float) -> str:
    """A number in an equation: 6 significant digits, scientific outside [1e-3, 1e4)."""
    v = float(v)
    if v == 0 or (1e-3 <= abs(v) < 1e4):
        return f"{v:.6g}"
    return f"{v:.4e}"


def inner_sum(terms) -> float:
    """Σ of the first two numbers of each term (weight · error), before common factors."""
    return math.fsum(t.values[0][1] * t.values[1][1] for t in terms)
