"""The inspector's colour bars: ticks that are always drawn, with one ×10ⁿ for tiny or huge ranges.

``configure_bar`` sets a pyqtgraph ColorBarItem's colours, levels and ticks (desktop.panels.
levels.bar_scale: "−1.2" … "1.2" with ×10⁻³ for ±0.0012), wide enough that no label is dropped.
``ColourBar`` is a horizontal bar on its own, for a pair of grids that share one scale.
"""

from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6.QtGui import QFontMetricsF

from desktop.panels.image_grid import DIVERGING
from desktop.panels.levels import bar_scale, power_text
from desktop.panels.plot_style import ThemedLayoutWidget

BAR_HEIGHT = 48  # px of a horizontal bar with its tick labels


def make_bar(orientation: str) -> pg.ColorBarItem:
    bar = pg.ColorBarItem(values=(-1, 1), colorMap=DIVERGING, interactive=False, width=14, colorMapMenu=False,
                          orientation=orientation)
    bar.axis.setStyle(hideOverlappingLabels=24)  # the end labels may reach past the bar's ends
    return bar


def configure_bar(bar: pg.ColorBarItem, levels: tuple[float, float], cmap: pg.ColorMap, count: int = 5,
                  exponent: int | None = None) -> int:
    """Colours, levels and ``count`` ticks in the power of ten ``exponent`` (that of the numbers
    the bar goes with; default: from the levels); returns the exponent."""
    ticks, e = bar_scale(levels, count=count, exponent=exponent)
    bar.setColorMap(cmap)
    bar.setLevels(levels)
    bar.axis.setTicks([ticks])
    if bar.horizontal:
        bar.setMinimumHeight(BAR_HEIGHT)
        bar.setMaximumHeight(BAR_HEIGHT)
    else:
        font = bar.axis.style["tickFont"] or bar.axis.font()
        width = math.ceil(max(QFontMetricsF(font).horizontalAdvance(t) for _, t in ticks)) + 16
        bar.axis.setWidth(width)  # wide enough for every label: a label that does not fit is not drawn
        bar.setMinimumWidth(width + 26)  # (the bar's own 14 px and its frame)
        bar.setMaximumWidth(width + 26)
    return e


class ColourBar(ThemedLayoutWidget):
    """A horizontal colour bar under its caption ("colours of old and new") and its ×10ⁿ; five
    ticks where it is wide enough, else three."""

    def __init__(self, caption: str = "", parent=None):
        super().__init__(parent)
        self.caption = pg.LabelItem(caption, size="9pt", justify="left")
        self.bar = make_bar("horizontal")
        self.factor = pg.LabelItem(" ", size="9pt", justify="right")
        for label in (self.caption, self.factor):
            label.setMaximumHeight(16)
            label.setMinimumWidth(10)  # a long caption is cut, never widens the bar past its widget
        self.ci.setContentsMargins(22, 0, 22, 2)  # room for the end labels
        self.ci.setSpacing(0)
        self.ci.addItem(self.caption, row=0, col=0)
        self.ci.addItem(self.factor, row=0, col=1)
        self.ci.addItem(self.bar, row=1, col=0, colspan=2)
        self.setFixedHeight(BAR_HEIGHT + 20)
        self.exponent = 0
        self._scale = None
        self._count = 5

    def resizeEvent(self, ev) -> None:
        super().resizeEvent(ev)
        count = 5 if self.width() >= 260 else 3
        if getattr(self, "_scale", None) is not None and count != self._count:
            self._count = count
            self.set_scale(*self._scale)

    def restyle(self) -> None:
        super().restyle()
        if hasattr(self, "factor"):  # (not while __init__ runs)
            from desktop.panels.plot_style import colours

            fg = colours(self)[1].name()
            for label in (self.caption, self.factor):
                label.setText(label.text, color=fg)

    def set_scale(self, levels: tuple[float, float], cmap: pg.ColorMap = DIVERGING,
                  exponent: int | None = None) -> None:
        self._scale = (levels, cmap, exponent)
        self._count = 5 if self.width() >= 260 else 3
        self.exponent = configure_bar(self.bar, levels, cmap, self._count, exponent)
        self.factor.setText(power_text(self.exponent) or " ")
        self.restyle()

    def ticks(self) -> list[tuple[float, str]]:
        return list(self.bar.axis._tickLevels[0]) if self.bar.axis._tickLevels else []
