"""Colours of the pyqtgraph views from the Qt palette, so the panels follow the light/dark theme.

pyqtgraph draws with its own global background and foreground (black and grey by default). The
panels take them from the application's palette instead: ``Base`` behind the plots, ``Text`` for
titles, axes and tick labels. ``style_plot`` recolours a PlotItem already on screen (a theme switch).
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QWidget


def colours(widget: QWidget | None = None) -> tuple[QColor, QColor, QColor]:
    """(background, foreground, dim foreground) from ``widget``'s palette (the app's if None)."""
    pal = widget.palette() if widget is not None else QApplication.palette()
    bg = pal.color(QPalette.ColorRole.Base)
    fg = pal.color(QPalette.ColorRole.Text)
    dim = QColor(fg)
    dim.setAlphaF(0.55)
    return bg, fg, dim


def apply_global(widget: QWidget | None = None) -> None:
    """pyqtgraph's defaults for items created from now on."""
    bg, fg, _ = colours(widget)
    pg.setConfigOptions(background=bg, foreground=fg)


def style_axis(axis: pg.AxisItem, fg: QColor) -> None:
    axis.setPen(pg.mkPen(fg))
    axis.setTextPen(pg.mkPen(fg))
    if axis.label is not None and axis.labelText:
        axis.setLabel(axis.labelText, axis.labelUnits, **{**axis.labelStyle, "color": fg.name()})


def style_plot(plot: pg.PlotItem, fg: QColor) -> None:
    """Recolour a PlotItem's axes, title and legend for foreground ``fg``."""
    for name in ("left", "bottom", "right", "top"):
        ax = plot.getAxis(name) if name in plot.axes else None
        if ax is not None:
            style_axis(ax, fg)
    if plot.titleLabel.isVisible() and plot.titleLabel.text:
        plot.titleLabel.setText(plot.titleLabel.text, color=fg.name())
    if plot.legend is not None:
        plot.legend.setLabelTextColor(fg)


class ThemedLayoutWidget(pg.GraphicsLayoutWidget):
    """A GraphicsLayoutWidget whose background and PlotItems follow the palette (theme switches too)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.restyle()

    def restyle(self) -> None:
        if not hasattr(self, "ci"):  # a palette event while pyqtgraph's __init__ runs
            return
        bg, fg, _ = colours(self)
        self.setBackground(bg)
        for item in self.ci.items:
            if isinstance(item, pg.PlotItem):
                style_plot(item, fg)

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() in (event.Type.PaletteChange, event.Type.ApplicationPaletteChange):
            self.restyle()
