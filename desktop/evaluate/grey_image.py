"""GreyImage: a 2-D array in [0, 1] drawn as square grey pixels, crisp at any size.

Nearest-neighbour, aspect kept, centred (at a fixed ``pixel_size`` if given); ``grid=True`` draws
the pixel grid when the pixels are big enough to see it (the 28×28 the network receives). No
pyqtgraph: one QImage per array.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, QSize
from PySide6.QtGui import QColor, QImage, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget


def grey_qimage(a: np.ndarray) -> QImage:
    """A Grayscale8 QImage of ``a`` (values in [0, 1], clipped), holding its own copy of the bytes."""
    a = np.ascontiguousarray((np.clip(np.nan_to_num(np.asarray(a, dtype=np.float32)), 0, 1) * 255 + 0.5)
                             .astype(np.uint8))
    h, w = a.shape
    return QImage(a.data, w, h, w, QImage.Format.Format_Grayscale8).copy()


class GreyImage(QWidget):
    """Shows one 2-D array; ``image()`` is the array shown (None if empty)."""

    def __init__(self, minimum: int = 56, grid: bool = False, pixel_size: float | None = None, parent=None):
        """``pixel_size``: screen pixels per array pixel (so that several views share one scale;
        shrunk if the widget is too small); None: as large as fits."""
        super().__init__(parent)
        self.pixel_size = pixel_size
        self._array: np.ndarray | None = None
        self._qimage: QImage | None = None
        self.grid = grid
        self._minimum = minimum
        self.setMinimumSize(minimum, minimum)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def sizeHint(self) -> QSize:
        return QSize(max(self._minimum, 112), max(self._minimum, 112))

    def set_image(self, a: np.ndarray | None) -> None:
        self._array = None if a is None else np.asarray(a)
        self._qimage = None if a is None or np.asarray(a).size == 0 else grey_qimage(a)
        self.update()

    def image(self) -> np.ndarray | None:
        return self._array

    def target_rect(self) -> QRectF:
        """Where the pixels are drawn: the largest rectangle of the array's aspect that fits."""
        if self._qimage is None:
            return QRectF()
        h, w = self._qimage.height(), self._qimage.width()
        s = min(self.width() / w, self.height() / h)
        if self.pixel_size is not None:
            s = min(s, self.pixel_size)
        return QRectF((self.width() - w * s) / 2, (self.height() - h * s) / 2, w * s, h * s)

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), self.palette().window())
        if self._qimage is None:
            p.setPen(QColor("#888"))
            p.drawRect(self.rect().adjusted(0, 0, -1, -1))
            p.end()
            return
        r = self.target_rect()
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        p.drawImage(r, self._qimage)
        h, w = self._qimage.height(), self._qimage.width()
        if self.grid and r.width() / w >= 6:
            p.setPen(QPen(QColor(90, 90, 90, 140), 0))
            for i in range(1, w):
                x = r.left() + i * r.width() / w
                p.drawLine(int(x), int(r.top()), int(x), int(r.bottom()))
            for j in range(1, h):
                y = r.top() + j * r.height() / h
                p.drawLine(int(r.left()), int(y), int(r.right()), int(y))
        p.setPen(QPen(QColor("#888"), 0))
        p.drawRect(r.adjusted(0, 0, -1, -1))
        p.end()
