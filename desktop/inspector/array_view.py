"""One plane of an array, large: coloured cells with their numbers, 1-based axes, a colour bar.

A pyqtgraph ViewBox (row-major image, aspect locked, y down like a matrix) with the values as
an ImageItem at fixed levels, the numbers drawn over it (NumberOverlay: wherever a cell is big
enough), a selection frame, and a colour bar whose ticks are mantissas with one ×10ⁿ above the
bar for tiny or huge ranges. Wheel and drag zoom and pan; ``fit()`` shows the whole plane.
Hover and click report the array index under the mouse (``sigHover``, ``sigClicked``).
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPoint, QPointF, QRectF, QTimer, Signal
from PySide6.QtWidgets import QGraphicsRectItem

from desktop.inspector.colour_bar import configure_bar, make_bar
from desktop.inspector.index_axis import IndexAxis
from desktop.inspector.number_overlay import NumberOverlay
from desktop.inspector.numbers import NumberFormat, coarser, finite_max_abs
from desktop.inspector.plane import Plane
from desktop.panels.image_grid import HIGHLIGHT
from desktop.panels.levels import power_text
from desktop.panels.plot_style import ThemedLayoutWidget


class _CellTexts:
    """A plane's cell texts in one format, written when first asked for: the overlay reads only
    the block in view (at most MAX_CELLS cells), so a 120×256 weight costs nothing per step.
    ``texts[r0:r1, c0:c1]`` is an object array of str, None where there is no cell (a gap)."""

    def __init__(self, plane: Plane, fmt: NumberFormat):
        self.shape = plane.shape
        self._plane, self._fmt = plane, fmt
        self._texts = np.empty(plane.shape, dtype=object)
        self._made = plane.where[..., 0] < 0  # (gaps stay None)

    def __getitem__(self, block: tuple[slice, slice]) -> np.ndarray:
        made = self._made[block]
        if not made.all():
            texts, values = self._texts[block], self._plane.image[block]  # (views: filled in place)
            for r, c in zip(*np.nonzero(~made)):
                texts[r, c] = self._fmt.text(values[r, c])
            made[...] = True
        return self._texts[block]


def _dark(plane: Plane, levels: tuple[float, float], cmap: pg.ColorMap) -> np.ndarray:
    """True where a cell's colour is dark enough to want white text."""
    lo, hi = levels
    t = np.clip((np.nan_to_num(plane.image) - lo) / ((hi - lo) or 1.0), 0.0, 1.0)
    rgb = cmap.map(t.ravel(), mode="byte")[:, :3].astype(np.float64)
    lum = rgb @ np.array([0.299, 0.587, 0.114])
    return (lum < 140).reshape(plane.shape)


class ArrayView(ThemedLayoutWidget):
    """``set_plane(plane, levels, cmap, fmt)``; ``sigHover(index)`` (() when off the cells),
    ``sigClicked(index)``; indices are the array's, 0-based."""

    sigHover = Signal(tuple)
    sigClicked = Signal(tuple)

    def __init__(self, parent=None, colorbar: str | None = "auto", axis_names: bool = True, max_stretch: float = 1.0):
        super().__init__(parent)
        self.axis_names = axis_names
        # a grid of numbers may have cells up to this much wider than tall (pictures: square)
        self.max_stretch = max_stretch
        self.plot = pg.PlotItem(axisItems={"left": IndexAxis("left"), "top": IndexAxis("top")})
        self.plot.hideButtons()
        self.plot.setMenuEnabled(False)
        self.plot.hideAxis("bottom")
        self.plot.showAxis("top")
        self.vb = self.plot.getViewBox()
        self.vb.invertY(True)
        self.vb.setAspectLocked(True)
        self.vb.setMenuEnabled(False)
        self.vb.setMouseEnabled(True, True)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.vb.addItem(self.image)
        self.numbers = NumberOverlay()
        self.vb.addItem(self.numbers)
        self.frame = QGraphicsRectItem()
        pen = pg.mkPen(HIGHLIGHT, width=3)
        pen.setCosmetic(True)
        self.frame.setPen(pen)
        self.frame.setZValue(20)
        self.frame.hide()
        self.vb.addItem(self.frame)
        self.ci.setContentsMargins(2, 2, 2, 8)
        self.ci.addItem(self.plot, row=0, col=0)
        self.ci.layout.setRowStretchFactor(0, 1)
        self.ci.layout.setColumnStretchFactor(0, 1)
        self.bar_place = colorbar  # "auto" (beside or below, whichever leaves larger cells), "right", "bottom", None
        self.bars = {}
        self.factor = None
        self.bar = None
        if colorbar is not None:
            self.bars = {o: make_bar(o) for o in ("vertical", "horizontal")}
            self.factor = pg.LabelItem("", size="9pt")
            self.factor.setMaximumHeight(20)
        self._where = None  # where the bar is now: "right" or "bottom"
        self.plane: Plane | None = None
        self.levels = (-1.0, 1.0)
        self.fmt = NumberFormat()
        self.formats = [self.fmt]
        self.selected: tuple | None = None
        self._cmap = None
        self._hovered: tuple | None = None
        self._fitted = True  # shows the whole plane (refit on resize) until the user zooms or pans
        self.vb.sigRangeChangedManually.connect(self._moved)
        # the plot area also changes without the widget resizing (axes grow to fit their labels)
        self.vb.sigResized.connect(lambda _vb: self._fitted and QTimer.singleShot(0, self, self._refit))
        self.scene().sigMouseMoved.connect(self._on_move)
        self.scene().sigMouseClicked.connect(self._on_click)
        self.restyle()

    # --- drawing --------------------------------------------------------------------------------

    def set_plane(self, plane: Plane, levels: tuple[float, float], cmap: pg.ColorMap, fmt: NumberFormat,
                  keep_zoom: bool = False) -> None:
        """Draw ``plane`` with fixed ``levels`` and colours, numbers as ``fmt`` writes them.
        ``keep_zoom``: keep the zoomed region if the plane has the same shape (a new step)."""
        same_shape = self.plane is not None and self.plane.shape == plane.shape
        self.plane, self.levels, self.fmt = plane, (float(levels[0]), float(levels[1])), fmt
        if cmap is not self._cmap:
            self.image.setLookupTable(cmap.getLookupTable(nPts=256))
            self._cmap = cmap
        image = np.where(np.isinf(plane.image), np.sign(plane.image) * levels[1], plane.image)
        self.image.setImage(image.astype(np.float32), levels=self.levels, autoLevels=False)
        labels = None
        if plane.cell_numbers:
            labels = np.empty(plane.shape, dtype=object)
            for (r, c), i in np.ndenumerate(plane.where[..., 0]):
                labels[r, c] = str(i + 1) if i >= 0 else None
        self.formats = coarser(fmt, finite_max_abs(plane.image))
        self.numbers.set_cells([_CellTexts(plane, f) for f in self.formats], _dark(plane, self.levels, cmap), labels)
        self.plot.getAxis("left").set_axis(plane.rows, self.axis_names)
        self.plot.getAxis("top").set_axis(plane.cols, self.axis_names)
        self.plot.showAxis("left", plane.rows is not None)
        self.plot.showAxis("top", plane.cols is not None)
        h, w = plane.shape
        big = max(h, w)
        # zoom in down to about 1.5 cells (a single row or column is never cut)
        self.vb.setLimits(xMin=-big, xMax=w + big, yMin=-big, yMax=h + big,
                          minXRange=min(1.5, 0.9 * w), minYRange=min(1.5, 0.9 * h))
        if self.bars:
            self._set_bar(cmap)
        if not (keep_zoom and same_shape and not self._fitted):
            self.fit()
        self.set_selected(self.selected if self.selected is not None and plane.pixel(self.selected) else None)

    def _set_bar(self, cmap: pg.ColorMap) -> None:
        self._place_bar()
        for bar in self.bars.values():
            e = configure_bar(bar, self.levels, cmap, exponent=self.fmt.exponent)
        self.factor.setText(power_text(e) or " ")

    def _bar_side(self) -> str:
        if self.bar_place in ("right", "bottom"):
            return self.bar_place
        if self.plane is None:
            return "bottom"
        h, w = self.plane.shape
        width, height = max(self.width(), 50), max(self.height(), 50)
        beside = min((width - 140) / w, (height - 40) / h)
        below = min((width - 60) / w, (height - 90) / h)
        return "right" if beside > below else "bottom"

    def _place_bar(self) -> None:
        """Put the colour bar beside the plane or below it, wherever the cells come out larger."""
        if not self.bars:
            return
        side = self._bar_side()
        if side == self._where:
            return
        for item in (self.bar, self.factor):
            if item is not None and item in self.ci.items:
                self.ci.removeItem(item)
        self._where = side
        lay = self.ci.layout
        self.bar = self.bars["vertical" if side == "right" else "horizontal"]
        self.ci.addItem(self.bar, row=0 if side == "right" else 1, col=1 if side == "right" else 0)
        self.ci.addItem(self.factor, row=1, col=1)  # "×10⁻³": below a bar beside, beside a bar below
        # the end labels of a bar below reach half their width past its ends
        self.ci.setContentsMargins(2, 2, 2, 8) if side == "right" else self.ci.setContentsMargins(14, 2, 4, 4)
        lay.setRowStretchFactor(1, 0)
        lay.setColumnStretchFactor(1, 0)
        self.restyle()

    def set_selected(self, index: tuple | None) -> None:
        """Frame the element ``index`` (None: no frame)."""
        self.selected = tuple(index) if index is not None else None
        pix = self.plane.pixel(self.selected) if (self.plane is not None and self.selected is not None) else None
        if pix is None:
            self.frame.hide()
            return
        r, c = pix
        self.frame.setRect(QRectF(c, r, 1, 1))
        self.frame.show()

    # --- zoom -----------------------------------------------------------------------------------

    def fit(self) -> None:
        """Show the whole plane."""
        if self.plane is None:
            return
        h, w = self.plane.shape
        ratio = 1.0
        if self.max_stretch > 1 and self.plane.is_small() and self.vb.width() > 0 and self.vb.height() > 0:
            ratio = min(max((self.vb.width() / w) / (self.vb.height() / h), 1.0), self.max_stretch)
        self.vb.setAspectLocked(True, ratio=ratio)
        self.vb.setRange(QRectF(0, 0, w, h), padding=0.02)
        self._fitted = True

    def zoom(self, factor: float) -> None:
        """Zoom in (factor > 1) or out around the centre of the view."""
        self.vb.scaleBy((1 / factor, 1 / factor))
        self._fitted = False

    def _moved(self, *_):
        self._fitted = False

    def resizeEvent(self, ev) -> None:
        super().resizeEvent(ev)
        if getattr(self, "_fitted", None) is None:  # (pyqtgraph resizes while __init__ runs)
            return
        self._place_bar()
        if self._fitted:
            QTimer.singleShot(0, self, self._refit)

    def showEvent(self, ev) -> None:
        super().showEvent(ev)
        QTimer.singleShot(0, self, self._refit)

    def _refit(self) -> None:
        if self._fitted:
            self.fit()

    # --- what is shown, and where ---------------------------------------------------------------

    def shown_numbers(self) -> dict[tuple[int, int], str]:
        """The numbers printed now, by (row, col) of the plane."""
        return self.numbers.shown()

    def shown_format(self) -> NumberFormat | None:
        """The format of the numbers printed now (``fmt``, or a coarser one in small cells)."""
        k = self.numbers.precision()
        return None if k is None else self.formats[k]

    def cell_pixel_size(self) -> float:
        """How many screen pixels wide a cell is now."""
        t = self.numbers.device_transform()
        return abs(t.m11()) if t is not None else 0.0

    def cell_pos(self, index: tuple) -> QPoint | None:
        """The widget position of the centre of the array element ``index`` (None if not shown)."""
        pix = self.plane.pixel(index) if self.plane is not None else None
        if pix is None:
            return None
        r, c = pix
        scene = self.vb.mapViewToScene(QPointF(c + 0.5, r + 0.5))
        return self.mapFromScene(scene)

    @property
    def hovered(self) -> tuple | None:
        """The array index under the mouse, None if none."""
        return self._hovered

    def index_at(self, scene_pos) -> tuple | None:
        if self.plane is None or not self.vb.sceneBoundingRect().contains(scene_pos):
            return None
        p = self.vb.mapSceneToView(scene_pos)
        return self.plane.index(math.floor(p.y()), math.floor(p.x()))

    def _on_move(self, pos) -> None:
        index = self.index_at(pos)
        if index != self._hovered:
            self._hovered = index
            self.sigHover.emit(index or ())

    def _on_click(self, ev) -> None:
        if ev.double() or ev.button() != pg.QtCore.Qt.MouseButton.LeftButton:
            return
        index = self.index_at(ev.scenePos())
        if index is not None:
            self.sigClicked.emit(index)

    def leaveEvent(self, ev) -> None:
        super().leaveEvent(ev)
        if self._hovered is not None:
            self._hovered = None
            self.sigHover.emit(())
