"""The numbers printed in the cells of the inspector's image, wherever a cell is big enough.

Drawn in screen pixels (not scaled with the view): at each paint the visible cells are found,
the font is sized so the longest visible number fills at most ~90 % of a cell's width (between
MIN_PX and MAX_PX), and nothing is printed when even MIN_PX does not fit or too many cells are
visible: then the hover readout tells the value. Text is black on light cells, white on dark.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QTransform

MIN_PX = 10  # px font: smaller is not worth reading (hover instead)
MAX_PX = 18
MAX_CELLS = 2500  # visible cells beyond which nothing is printed (zoom in)


class NumberOverlay(pg.GraphicsObject):
    """Cell texts over an (H, W) image; ``texts[r][c]`` None where there is no cell (a gap).

    ``set_cells`` takes the texts in one or more precisions, finest first: the finest that fits
    the cells at a readable size is drawn (zoomed in, more digits)."""

    def __init__(self):
        super().__init__()
        self._choices: list[np.ndarray] = []
        self._texts: np.ndarray | None = None  # (H, W) object array of str / None: the finest
        self._dark: np.ndarray | None = None  # (H, W) bool: white text
        self._labels: np.ndarray | None = None  # (H, W) object: a cell's own 1-based index, or None
        self._font = QFont()
        self._w10 = {}  # text -> width at 10 px
        self.setZValue(10)

    def set_cells(self, texts: list[np.ndarray], dark: np.ndarray, labels: np.ndarray | None = None) -> None:
        self.prepareGeometryChange()
        self._choices = list(texts)
        self._texts, self._dark, self._labels = self._choices[0], dark, labels
        self._w10.clear()
        self.update()

    def boundingRect(self) -> QRectF:
        if self._texts is None:
            return QRectF()
        h, w = self._texts.shape
        return QRectF(0, 0, w, h)

    def _width10(self, text: str) -> float:
        w = self._w10.get(text)
        if w is None:
            font = QFont(self._font)
            font.setPixelSize(10)
            w = self._w10[text] = QFontMetricsF(font).horizontalAdvance(text)
        return w

    def layout(self, transform: QTransform) -> tuple[int, list, int] | None:
        """(font px, [(device rect, text, dark, label)], precision) of what is drawn for
        item->device ``transform``, or None when nothing is (cells too small, or too many);
        precision 0 is the finest."""
        if self._texts is None:
            return None
        vb = self.getViewBox()
        h, w = self._texts.shape
        view = vb.viewRect() if vb is not None else QRectF(0, 0, w, h)
        # the cells at least 80 % in view: a number cut by the edge of the view is not drawn
        r0, r1 = max(0, math.ceil(view.top() - 0.2)), min(h, math.floor(view.bottom() + 0.2))
        c0, c1 = max(0, math.ceil(view.left() - 0.2)), min(w, math.floor(view.right() + 0.2))
        if r1 <= r0 or c1 <= c0 or (r1 - r0) * (c1 - c0) > MAX_CELLS:
            return None
        cell_w = abs(transform.m11()) + abs(transform.m21())
        cell_h = abs(transform.m22()) + abs(transform.m12())
        room_h = cell_h * (0.5 if self._labels is not None else 0.75)
        px = choice = None
        for k, all_texts in enumerate(self._choices):
            visible = [t for t in all_texts[r0:r1, c0:c1].ravel() if t is not None]
            if not visible:
                return None
            widest = max(self._width10(t) for t in set(visible))
            fit = min(MAX_PX, math.floor(10 * (0.94 * cell_w - 2) / max(widest, 1.0)), math.floor(room_h / 1.25))
            if fit >= MIN_PX:
                px, choice = fit, k
                break
        if px is None:
            return None
        texts = self._choices[choice][r0:r1, c0:c1]
        cells = []
        for r in range(r0, r1):
            for c in range(c0, c1):
                t = texts[r - r0, c - c0]
                if t is None:
                    continue
                rect = transform.mapRect(QRectF(c, r, 1, 1))
                label = None if self._labels is None else self._labels[r, c]
                cells.append((rect, t, bool(self._dark[r, c]), label))
        return px, cells, choice

    def device_transform(self) -> QTransform | None:
        """Item -> widget pixels, as paint() sees it; None while not in a view."""
        views = self.scene().views() if self.scene() is not None else []
        return self.deviceTransform(views[0].viewportTransform()) if views else None

    def precision(self) -> int | None:
        """Which of the precisions is drawn now (0: the finest), None if none."""
        t = self.device_transform()
        lay = self.layout(t) if t is not None else None
        return None if lay is None else lay[2]

    def shown(self) -> dict[tuple[int, int], str]:
        """The texts drawn now, by (row, col) of the image (for tests and the lead)."""
        t = self.device_transform()
        lay = self.layout(t) if t is not None else None
        if lay is None:
            return {}
        inv, _ = t.inverted()
        out = {}
        for rect, text, _, _ in lay[1]:
            p = inv.map(rect.center())
            out[(math.floor(p.y()), math.floor(p.x()))] = text
        return out

    def paint(self, p, *args) -> None:
        lay = self.layout(p.transform())
        if lay is None:
            return
        px, cells, _ = lay
        p.save()
        p.resetTransform()
        font = QFont(self._font)
        font.setPixelSize(px)
        small = QFont(self._font)
        small.setPixelSize(max(8, round(px * 0.7)))
        white, black = QColor(255, 255, 255), QColor(0, 0, 0)
        for rect, text, dark, label in cells:
            p.setPen(white if dark else black)
            if label is not None:
                p.setFont(small)
                p.drawText(rect.adjusted(3, 1, -2, 0), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop, label)
                p.setFont(font)
                p.drawText(rect.adjusted(1, rect.height() * 0.3, -1, 0), Qt.AlignmentFlag.AlignCenter, text)
            else:
                p.setFont(font)
                p.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
        p.restore()
