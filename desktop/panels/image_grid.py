"""Shared drawing for the map panels: tile many small maps into one image, colour them, hover them.

Every panel that shows arrays as images (feature maps, filters, errors, gradients, the update)
goes through :class:`ImageGrid`: one ``ViewBox`` + one ``ImageItem`` per array (a whole layer's
maps tiled into one image, fast), created once and reused; fixed levels (no per-frame
auto-levels, so a colour means the same value from step to step); views that scale with the
widget (aspect locked) in as many columns as fit; and a mouse-hover that maps a pixel back to
the array index.

Tiling (``Tiling.of(shape)``), per array shape:
  (F,)           a vector: wrapped into rows of 20 units (a strip when F <= 32)
  (H, W)         a matrix (dense weights W (out, in)): as is
  (C, H, W)      maps: a near-square grid of C tiles, 1 px gaps (NaN, transparent)
  (F, C, kh, kw) filters: one column per filter, one row per input channel (C == 1: a grid)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QTextOption
from PySide6.QtWidgets import QGraphicsTextItem

from desktop.panels.plot_style import ThemedLayoutWidget, colours, style_axis

HIGHLIGHT = "#ff9f1c"
TITLE_PT = 9.0
TITLE_H = 34  # px: a title of up to two lines
MIN_TILE = 70  # px: narrower cells are not worth another column
BAR_AXIS = 40  # px: the colour bar's tick labels
VECTOR_WRAP = 20

DIVERGING = pg.ColorMap([0.0, 0.5, 1.0], [(33, 102, 172), (247, 247, 247), (178, 24, 43)], name="blue-white-red")
SEQUENTIAL = pg.colormap.get("viridis")
GREY = pg.ColorMap([0.0, 1.0], [(0, 0, 0), (255, 255, 255)], name="grey")


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


def auto_style(a: np.ndarray) -> tuple[tuple[float, float], pg.ColorMap]:
    """Levels and colours for an activation: 0..1 (viridis) for sigmoid-like, symmetric diverging if signed."""
    lo, hi = finite_range(a)
    if lo >= 0:
        return (0.0, 1.0 if hi <= 1 else nice_ceil(hi)), SEQUENTIAL
    return symmetric_levels(a), DIVERGING


def bar_ticks(levels: tuple[float, float]) -> list[tuple[float, str]]:
    """A colour bar's labels: its ends, and zero between them."""
    lo, hi = levels
    ticks = [(lo, f"{lo:.2g}"), (hi, f"{hi:.2g}")]
    if lo < 0 < hi:
        ticks.insert(1, (0.0, "0"))
    return ticks


@dataclass(frozen=True)
class Tiling:
    """How an array of ``shape`` is laid out as one 2-D image, and back (pixel -> array index)."""

    shape: tuple
    rows: int
    cols: int
    th: int  # tile height, width
    tw: int
    pad: int

    @classmethod
    def of(cls, shape: tuple) -> Tiling:
        shape = tuple(int(s) for s in shape)
        if len(shape) == 1:
            w = shape[0] if shape[0] <= 32 else VECTOR_WRAP
            return cls(shape, 1, 1, max(1, math.ceil(shape[0] / w)), w, 0)
        if len(shape) == 2:
            return cls(shape, 1, 1, shape[0], shape[1], 0)
        if len(shape) == 3:
            c, h, w = shape
            cols = math.ceil(math.sqrt(c * h / w))
            return cls(shape, math.ceil(c / cols), cols, h, w, 1)
        if len(shape) == 4:
            f, c, kh, kw = shape
            if c == 1:
                cols = math.ceil(math.sqrt(f))
                return cls(shape, math.ceil(f / cols), cols, kh, kw, 1)
            return cls(shape, c, f, kh, kw, 1)
        raise ValueError(f"cannot tile an array of shape {shape}")

    @property
    def image_shape(self) -> tuple[int, int]:
        return (self.rows * (self.th + self.pad) - self.pad, self.cols * (self.tw + self.pad) - self.pad)

    def _blocks(self, a: np.ndarray) -> np.ndarray:
        """a as (rows, cols, th, tw) blocks, NaN where there is no tile."""
        n = len(self.shape)
        if n == 4 and self.shape[1] > 1:
            return a.transpose(1, 0, 2, 3)  # row = input channel, column = filter
        maps = a[:, 0] if n == 4 else a
        total = self.rows * self.cols
        if total > len(maps):
            maps = np.concatenate([maps, np.full((total - len(maps), self.th, self.tw), np.nan, maps.dtype)])
        return maps.reshape(self.rows, self.cols, self.th, self.tw)

    def tile(self, a: np.ndarray) -> np.ndarray:
        a = np.asarray(a, dtype=np.float32)
        if a.shape != self.shape:
            raise ValueError(f"array of shape {a.shape} given to a tiling of {self.shape}")
        if a.ndim == 1:
            out = np.full(self.th * self.tw, np.nan, np.float32)
            out[:a.size] = a
            return out.reshape(self.th, self.tw)
        if a.ndim == 2:
            return a
        b, p = self._blocks(a), self.pad
        out = np.full((self.rows, self.th + p, self.cols, self.tw + p), np.nan, np.float32)
        out[:, :self.th, :, :self.tw] = b.transpose(0, 2, 1, 3)
        h, w = self.image_shape
        return out.reshape(self.rows * (self.th + p), self.cols * (self.tw + p))[:h, :w]

    def index(self, row: int, col: int) -> tuple | None:
        """The array index shown at image pixel (row, col), or None for a gap or outside."""
        h, w = self.image_shape
        if not (0 <= row < h and 0 <= col < w):
            return None
        n = len(self.shape)
        if n == 1:
            i = row * self.tw + col
            return (i,) if i < self.shape[0] else None
        if n == 2:
            return (row, col)
        tr, r = divmod(row, self.th + self.pad)
        tc, c = divmod(col, self.tw + self.pad)
        if r >= self.th or c >= self.tw:
            return None
        if n == 4 and self.shape[1] > 1:
            return (tc, tr, r, c)
        t = tr * self.cols + tc
        if t >= self.shape[0]:
            return None
        return (t, 0, r, c) if n == 4 else (t, r, c)


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
