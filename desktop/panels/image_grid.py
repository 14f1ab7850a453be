"""Shared drawing for the map panels: tile many small maps into one image, colour them, hover them.

Every panel that shows arrays as images (feature maps, filters, errors, gradients, the update)
goes through :class:`ImageGrid`: one ``PlotItem`` + one ``ImageItem`` per array (a whole layer's
maps tiled into one image, fast), fixed levels (no per-frame auto-levels, so a colour means the
same value from step to step), and a mouse-hover that maps a pixel back to the array index.

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
from PySide6.QtCore import Signal

HIGHLIGHT = "#ff9f1c"
TITLE_COLOUR = "#dddddd"
TITLE_SIZE = "10pt"
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
    def of(cls, shape: tuple) -> "Tiling":
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


class _Cell:
    def __init__(self, key: str, plot: pg.PlotItem, colorbar: pg.ColorBarItem | None):
        self.key, self.plot, self.colorbar = key, plot, colorbar
        self.image = pg.ImageItem(axisOrder="row-major")
        plot.addItem(self.image)
        self.tiling: Tiling | None = None
        self.title = None
        self.highlight = None
        self.cmap = None
        self.bar_state = None
        self.hover_key = key


class ImageGrid(pg.GraphicsLayoutWidget):
    """A grid of titled images, one per array key; ``sigHover(key, index)`` on mouse-over."""

    sigHover = Signal(str, tuple)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.ci.setSpacing(4)
        self._layout_spec: tuple = ()
        self.cells: dict[str, _Cell] = {}
        self.scene().sigMouseMoved.connect(self._on_mouse_moved)

    def set_cells(self, rows: list[list[str]], colorbars: bool = False) -> None:
        """Arrange cells, one row of keys per list; rebuilt only when the arrangement changes."""
        spec = (tuple(tuple(r) for r in rows), colorbars)
        if spec == self._layout_spec:
            return
        self._layout_spec = spec
        self.ci.clear()
        self.cells = {}
        for i, row in enumerate(rows):
            for j, key in enumerate(row):
                plot = pg.PlotItem()
                plot.hideAxis("left")
                plot.hideAxis("bottom")
                plot.setMenuEnabled(False)
                plot.hideButtons()
                plot.setMouseEnabled(False, False)
                vb = plot.getViewBox()
                vb.invertY(True)
                vb.setAspectLocked(True)
                self.ci.addItem(plot, row=i, col=2 * j)
                bar = None
                if colorbars:
                    bar = pg.ColorBarItem(values=(-1, 1), colorMap=DIVERGING, interactive=False, width=10)
                    self.ci.addItem(bar, row=i, col=2 * j + 1)
                self.cells[key] = _Cell(key, plot, bar)

    def set_map(self, key: str, array: np.ndarray, title: str, levels: tuple[float, float],
                cmap: pg.ColorMap = DIVERGING, highlight: bool = False, hover_key: str | None = None) -> None:
        """Draw ``array`` (any shape Tiling takes) into the cell ``key`` with fixed ``levels``.

        ``hover_key``: the name sigHover reports for this cell (default ``key``), so a panel can
        keep fixed cell slots ("old", "step", "new") while the arrays in them change name."""
        cell = self.cells[key]
        cell.hover_key = hover_key or key
        tiling = Tiling.of(array.shape)
        image = tiling.tile(array)
        if not np.isfinite(image).all():  # padding is NaN (transparent); ±inf would break the LUT
            image = np.where(np.isinf(image), np.sign(image) * levels[1], image)
        if cmap is not cell.cmap:
            cell.image.setLookupTable(cmap.getLookupTable(nPts=256))
            cell.cmap = cmap
        cell.image.setImage(image, levels=levels, autoLevels=False)
        if cell.colorbar is not None and (cmap, levels) != cell.bar_state:  # axis relayout: only on change
            cell.bar_state = (cmap, levels)
            cell.colorbar.setColorMap(cmap)
            cell.colorbar.setLevels(levels)
        if tiling != cell.tiling:
            cell.tiling = tiling
            cell.plot.getViewBox().autoRange(padding=0.02)
        if (title, highlight) != (cell.title, cell.highlight):
            cell.title, cell.highlight = title, highlight
            cell.plot.setTitle(title, size=TITLE_SIZE, bold=highlight,
                               color=HIGHLIGHT if highlight else TITLE_COLOUR)
            cell.plot.getViewBox().setBorder(pg.mkPen(HIGHLIGHT, width=3) if highlight else None)

    def clear_map(self, key: str, title: str) -> None:
        cell = self.cells[key]
        cell.image.clear()
        cell.tiling = None
        if title != cell.title:
            cell.title, cell.highlight = title, False
            cell.plot.setTitle(title, size=TITLE_SIZE, color="#888888")

    def _on_mouse_moved(self, pos) -> None:
        for key, cell in self.cells.items():
            if cell.tiling is None or not cell.plot.sceneBoundingRect().contains(pos):
                continue
            p = cell.image.mapFromScene(pos)
            index = cell.tiling.index(math.floor(p.y()), math.floor(p.x()))
            if index is not None:
                self.sigHover.emit(cell.hover_key, index)
            return
