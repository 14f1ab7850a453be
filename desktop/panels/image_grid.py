"""Shared drawing for the map panels: tile many small maps into one image, colour them, hover them.

Every panel that shows arrays as images (feature maps, filters, errors, gradients, the update)
goes through :class:`ImageGrid`: one ``ViewBox`` + one ``ImageItem`` per array (a whole layer's
maps tiled into one image, fast), created once and reused; fixed levels (no per-frame
auto-levels, so a colour means the same value from step to step); views that scale with the
widget (aspect locked) in as many columns as fit; and a mouse-hover that maps a pixel back to
the array index.

The Qt-free parts are their own modules: the tiling of an array into one image
(desktop.panels.tiling) and the colour levels (desktop.panels.levels); both are re-exported here.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QTextOption
from PySide6.QtWidgets import QGraphicsTextItem

from desktop.panels.levels import bar_ticks, finite_range, nice_ceil, symmetric_levels
from desktop.panels.plot_style import ThemedLayoutWidget, colours, style_axis
from desktop.panels.tiling import Tiling

__all__ = ["DIVERGING", "GREY", "SEQUENTIAL", "ImageGrid", "Tiling", "auto_style", "bar_ticks", "finite_range",
           "nice_ceil", "symmetric_levels"]

HIGHLIGHT = "#ff9f1c"
TITLE_PT = 9.0
TITLE_H = 34  # px: a title of up to two lines
MIN_TILE = 70  # px: narrower cells are not worth another column
BAR_AXIS = 40  # px: the colour bar's tick labels

DIVERGING = pg.ColorMap([0.0, 0.5, 1.0], [(33, 102, 172), (247, 247, 247), (178, 24, 43)], name="blue-white-red")
SEQUENTIAL = pg.colormap.get("viridis")
GREY = pg.ColorMap([0.0, 1.0], [(0, 0, 0), (255, 255, 255)], name="grey")


def auto_style(a: np.ndarray) -> tuple[tuple[float, float], pg.ColorMap]:
    """Levels and colours for an activation: 0..1 (viridis) for sigmoid-like, symmetric diverging if signed."""
    lo, hi = finite_range(a)
    if lo >= 0:
        return (0.0, 1.0 if hi <= 1 else nice_ceil(hi)), SEQUENTIAL
    return symmetric_levels(a), DIVERGING


class _Title(pg.GraphicsWidget):
    """A cell's title that wraps to the cell's width, so a long title never widens the grid.

    Plain text with the colour and weight set as properties (no HTML to parse): a phase step
    re-titles a dozen cells, and only a changed text or weight is laid out again."""

    def __init__(self):
        super().__init__()
        self._width = 0.0
        self.item = QGraphicsTextItem(self)
        option = QTextOption(Qt.AlignmentFlag.AlignHCenter)
        option.setWrapMode(QTextOption.WrapMode.WordWrap)
        self.item.document().setDefaultTextOption(option)
        self._font = QFont()
        self._font.setPointSizeF(TITLE_PT)
        self.item.setFont(self._font)
        self.text = ""
        self.setMinimumWidth(10)
        self.setPreferredWidth(10)

    def set_text(self, text: str, colour: QColor, bold: bool = False) -> None:
        relayout = False
        if text != self.text:
            self.text = text
            self.item.setPlainText(text)
            relayout = True
        if bold != self._font.bold():
            self._font.setBold(bold)
            self.item.setFont(self._font)
            relayout = True
        if colour != self.item.defaultTextColor():
            self.item.setDefaultTextColor(colour)
        if relayout:
            self._fit(force=True)

    def _fit(self, force: bool = False) -> None:
        w = self.size().width()
        w = w if w > 20 else 240.0  # not laid out yet: a guess, corrected on the first resize
        if not force and abs(w - self._width) < 0.5:
            return
        width_changed = abs(w - self._width) >= 0.5
        self._width = w
        self.item.setTextWidth(w)
        h = math.ceil(self.item.boundingRect().height())
        # a title only grows at a given width: the highlight (bold) or "— not yet" may wrap
        # differently, and a height that changes with them relays out and repaints every cell
        if h > self.minimumHeight() or (width_changed and h != self.minimumHeight()):
            self.setMinimumHeight(h)
            self.setMaximumHeight(h)

    def resizeEvent(self, ev) -> None:
        self._fit()


class _Cell:
    """One titled image (and optionally its colour bar); reused from draw to draw."""

    def __init__(self, key: str, colorbar: bool):
        self.key = key
        self.title_item = _Title()
        self.vb = pg.ViewBox(lockAspect=True, invertY=True, enableMouse=False, enableMenu=False)
        self.vb.disableAutoRange()  # the range is set once per tiling, not recomputed per frame
        self.vb.setMinimumSize(30, 24)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.vb.addItem(self.image)
        self.colorbar = None
        if colorbar:
            self.colorbar = pg.ColorBarItem(values=(-1, 1), colorMap=DIVERGING, interactive=False, width=10,
                                            colorMapMenu=False)
            self.colorbar.axis.setWidth(BAR_AXIS)
        self.tiling: Tiling | None = None
        self.title = None
        self.highlight = None
        self.framed = False
        self.dim = False
        self.cmap = None
        self.bar_state = None
        self.hover_key = key
        self.shown = None  # (array, identity) of the image on screen, to skip redrawing it

    def aspect(self) -> tuple[int, int]:
        return self.tiling.image_shape if self.tiling is not None else (1, 1)


class ImageGrid(ThemedLayoutWidget):
    """A grid of titled images, one per array key; ``sigHover(key, index)`` on mouse-over.

    The panel gives rows of keys (``set_cells``); the grid wraps each row into as many columns
    as make the images largest in the space it has, and re-wraps when it is resized. Items are
    created once per arrangement and reused: a redraw only sets image data (fixed levels).
    """

    sigHover = Signal(str, tuple)
    sigClicked = Signal(str, tuple)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.cells: dict[str, _Cell] = {}
        self.ci.setSpacing(3)
        self.ci.setContentsMargins(2, 2, 2, 2)
        self._layout_spec: tuple = ()
        self._rows: list[list[str]] = []
        self._colorbars = False
        self.columns = 0
        self.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self.scene().sigMouseClicked.connect(lambda ev: self._on_mouse(ev.scenePos(), self.sigClicked))

    # --- arrangement ----------------------------------------------------------------------------

    def set_cells(self, rows: list[list[str]], colorbars: bool = False) -> None:
        """Arrange cells, one row of keys per list; rebuilt only when the arrangement changes."""
        spec = (tuple(tuple(r) for r in rows), colorbars)
        if spec == self._layout_spec:
            return
        self._layout_spec = spec
        self.ci.clear()
        self._rows = [list(r) for r in rows if r]
        self._colorbars = colorbars
        self.cells = {k: _Cell(k, colorbars) for row in self._rows for k in row}
        self.columns = 0
        self._reflow()
        self.restyle()

    def _flow(self, cols: int) -> list[list[str]]:
        return [row[i:i + cols] for row in self._rows for i in range(0, len(row), cols)]

    def best_columns(self, width: float, height: float) -> int:
        """The column count that makes the images largest on average (geometric mean of zooms)."""
        widest = max((len(r) for r in self._rows), default=1)
        extra = (BAR_AXIS + 16) if self._colorbars else 0
        best, best_score = 1, -math.inf
        for cols in range(1, widest + 1):
            cell_w = width / cols - extra - 4
            if cell_w < MIN_TILE and cols > 1:
                break
            flowed = self._flow(cols)
            cell_h = height / len(flowed) - TITLE_H
            score = 0.0
            for row in flowed:
                for k in row:
                    ih, iw = self.cells[k].aspect()
                    score += math.log(max(min(cell_w / iw, cell_h / ih), 1e-3))
            if score > best_score + 1e-9:
                best, best_score = cols, score
        return best

    def _reflow(self) -> None:
        """Place the cells for the current size; does nothing if the column count stays."""
        if not getattr(self, "_rows", None):  # (a resize while __init__ runs: nothing to place)
            return
        cols = self.best_columns(max(self.width(), 50), max(self.height(), 50))
        if cols == self.columns:
            return
        self.columns = cols
        for item in list(self.ci.items):
            self.ci.removeItem(item)
        gl = self.ci.layout
        span = 2 if self._colorbars else 1
        for r, row in enumerate(self._flow(cols)):
            for c, key in enumerate(row):
                cell = self.cells[key]
                self.ci.addItem(cell.title_item, row=2 * r, col=span * c, colspan=span)
                self.ci.addItem(cell.vb, row=2 * r + 1, col=span * c)
                if cell.colorbar is not None:
                    self.ci.addItem(cell.colorbar, row=2 * r + 1, col=span * c + 1)
            gl.setRowStretchFactor(2 * r, 0)
            gl.setRowStretchFactor(2 * r + 1, 1)
        for c in range(cols):
            gl.setColumnStretchFactor(span * c, 1)
            if span == 2:
                gl.setColumnStretchFactor(span * c + 1, 0)

    def resizeEvent(self, ev) -> None:
        super().resizeEvent(ev)
        self._reflow()

    def showEvent(self, ev) -> None:
        super().showEvent(ev)
        # drawn while hidden (before the window first showed), the layout kept the size it had
        # then: fit it, and every image in it, to the widget once it is on screen
        QTimer.singleShot(0, self, self._refit)  # (self as context: dropped if self is deleted)

    def _refit(self) -> None:
        self.ci.setGeometry(QRectF(0, 0, self.width(), self.height()))
        for cell in self.cells.values():
            if cell.tiling is not None:
                h, w = cell.tiling.image_shape
                cell.vb.setRange(QRectF(0, 0, w, h), padding=0.02)

    # --- drawing --------------------------------------------------------------------------------

    def set_map(self, key: str, array: np.ndarray, title: str, levels: tuple[float, float],
                cmap: pg.ColorMap = DIVERGING, highlight: bool = False, hover_key: str | None = None) -> None:
        """Draw ``array`` (any shape Tiling takes) into the cell ``key`` with fixed ``levels``.

        ``hover_key``: the name sigHover reports for this cell (default ``key``), so a panel can
        keep fixed cell slots ("old", "step", "new") while the arrays in them change name."""
        cell = self.cells[key]
        cell.hover_key = hover_key or key
        # the arrays come from immutable snapshots: the same memory, shape and levels is the same
        # picture (the array is kept referenced, so its memory cannot be reused meanwhile); most
        # maps do not change from one phase to the next, and re-rendering them is the cost
        identity = (array.__array_interface__["data"][0], array.shape, array.strides, array.dtype.str,
                    levels, id(cmap), array.flags.writeable)
        if cell.shown is not None and cell.shown[1] == identity and not array.flags.writeable:
            self._set_title(cell, title, highlight, dim=False)
            return
        cell.shown = (array, identity)
        tiling = Tiling.of(array.shape)
        image = tiling.tile(array)
        if not np.isfinite(image).all():  # padding is NaN (transparent); ±inf would break the LUT
            image = np.where(np.isinf(image), np.sign(image) * levels[1], image)
        if cmap is not cell.cmap:
            cell.image.setLookupTable(cmap.getLookupTable(nPts=256))
            cell.cmap = cmap
        cell.image.setImage(image, levels=levels, autoLevels=False)
        if cell.image.opacity() < 1:
            cell.image.setOpacity(1)
        if cell.colorbar is not None and cell.colorbar.opacity() < 1:
            cell.colorbar.setOpacity(1)
        if cell.colorbar is not None and (cmap, levels) != cell.bar_state:  # axis relayout: only on change
            if cell.bar_state is None or cmap is not cell.bar_state[0]:  # (a new lookup table: costly)
                cell.colorbar.setColorMap(cmap)
            cell.bar_state = (cmap, levels)
            cell.colorbar.setLevels(levels)
            cell.colorbar.axis.setTicks([bar_ticks(levels)])  # three labels stay legible in a short bar
        if tiling != cell.tiling:
            cell.tiling = tiling
            h, w = tiling.image_shape
            cell.vb.setRange(QRectF(0, 0, w, h), padding=0.02)
            self._reflow()
        self._set_title(cell, title, highlight, dim=False)

    def clear_map(self, key: str, title: str) -> None:
        cell = self.cells[key]
        # hidden, not cleared: the cell keeps its geometry, so the map's return in the next
        # backward pass changes pixels only, not the layout of every cell around it
        cell.image.setOpacity(0)
        cell.shown = None
        if cell.colorbar is not None:
            cell.colorbar.setOpacity(0)  # not hide(): that relayouts and repaints every cell
        self._set_title(cell, title, False, dim=True)

    def _set_title(self, cell: _Cell, title: str, highlight: bool, dim: bool, force: bool = False) -> None:
        if not force and (title, highlight, dim) == (cell.title, cell.highlight, cell.dim):
            return
        cell.title, cell.highlight, cell.dim = title, highlight, dim
        _, fg, dimmed = colours(self)
        colour = QColor(HIGHLIGHT) if highlight else (dimmed if dim else fg)
        cell.title_item.set_text(title, colour, bold=highlight)
        if highlight != cell.framed:
            cell.framed = highlight
            cell.vb.setBorder(pg.mkPen(HIGHLIGHT, width=3) if highlight else None)
            # the 3 px border reaches past the view's own rectangle: repaint around it too, or a
            # removed frame leaves its outer pixels behind
            self.scene().update(cell.vb.sceneBoundingRect().adjusted(-4, -4, 4, 4))

    def restyle(self) -> None:
        super().restyle()
        _, fg, _ = colours(self)
        for cell in getattr(self, "cells", {}).values():  # (none yet while __init__ runs)
            if cell.colorbar is not None:
                style_axis(cell.colorbar.axis, fg)
            if cell.title is not None:
                self._set_title(cell, cell.title, cell.highlight, cell.dim, force=True)

    def _on_mouse_moved(self, pos) -> None:
        self._on_mouse(pos, self.sigHover)

    def _on_mouse(self, pos, signal) -> None:
        """Emit ``signal(key, index)`` for the array element under the scene position ``pos``."""
        for cell in self.cells.values():
            if cell.tiling is None or cell.image.opacity() == 0 or not cell.vb.sceneBoundingRect().contains(pos):
                continue
            p = cell.image.mapFromScene(pos)
            index = cell.tiling.index(math.floor(p.y()), math.floor(p.x()))
            if index is not None:
                signal.emit(cell.hover_key, index)
            return
