"""DigitCanvas: draw a digit with the mouse, bright ink on black as MNIST has it.

280×280 logical pixels (ten times MNIST's 28), round brush of ``brush`` px (left button draws,
right button erases), antialiased strokes. ``ink()`` is what was drawn, ``float32 (280, 280)`` in
[0, 1]; ``sigChanged`` fires after every stroke segment and after ``clear``/``set_ink``.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from desktop.evaluate.grey_image import grey_qimage

SIDE = 280
DEFAULT_BRUSH = 22  # px: at 280 → 20 px, a stroke about 2 px wide, as MNIST's pen strokes


class DigitCanvas(QWidget):
    sigChanged = Signal()

    def __init__(self, side: int = SIDE, brush: int = DEFAULT_BRUSH, parent=None):
        super().__init__(parent)
        self.side = side
        self.brush = brush
        self._image = QImage(side, side, QImage.Format.Format_Grayscale8)
        self._image.fill(0)
        self._last: QPointF | None = None
        self._erasing = False
        self.setFixedSize(side, side)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setToolTip("Draw a digit: left button draws, right button erases")

    def sizeHint(self) -> QSize:
        return QSize(self.side, self.side)

    # --- content ------------------------------------------------------------------------------

    def ink(self) -> np.ndarray:
        """What is drawn: ``float32 (side, side)`` in [0, 1], ink bright."""
        img = self._image
        bits = np.frombuffer(img.constBits(), np.uint8).reshape(img.height(), img.bytesPerLine())
        return bits[:, :img.width()].astype(np.float32) / 255

    def is_empty(self) -> bool:
        return not self.ink().any()

    def clear(self) -> None:
        self._image.fill(0)
        self.update()
        self.sigChanged.emit()

    def set_ink(self, ink: np.ndarray) -> None:
        """Show ``ink`` (2-D, [0, 1], any size) fitted into the canvas, aspect kept, centred."""
        src = grey_qimage(ink)
        self._image.fill(0)
        p = QPainter(self._image)
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        s = min(self.side / src.width(), self.side / src.height())
        w, h = src.width() * s, src.height() * s
        p.drawImage(QRectF((self.side - w) / 2, (self.side - h) / 2, w, h), src)
        p.end()
        self.update()
        self.sigChanged.emit()

    def stroke(self, points, erase: bool = False) -> None:
        """Draw a polyline through ``points`` ((x, y) in canvas pixels) as one stroke."""
        pts = [QPointF(float(x), float(y)) for x, y in points]
        if not pts:
            return
        self._paint_segment(pts[0], pts[0], erase)
        for a, b in zip(pts, pts[1:]):
            self._paint_segment(a, b, erase)
        self.sigChanged.emit()

    def _paint_segment(self, a: QPointF, b: QPointF, erase: bool) -> None:
        p = QPainter(self._image)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        pen = QPen(QColor(0, 0, 0) if erase else QColor(255, 255, 255), self.brush)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        p.setPen(pen)
        if a == b:  # a click without a move: a dab (a line of no length draws nothing)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(pen.color())
            p.drawEllipse(a, self.brush / 2, self.brush / 2)
        else:
            p.drawLine(a, b)
        p.end()
        r = self.brush / 2 + 2
        self.update(QRectF(a, b).normalized().adjusted(-r, -r, r, r).toAlignedRect())

    # --- the mouse ----------------------------------------------------------------------------

    def mousePressEvent(self, event) -> None:
        if event.button() not in (Qt.MouseButton.LeftButton, Qt.MouseButton.RightButton):
            return
        self._erasing = event.button() == Qt.MouseButton.RightButton
        self._last = event.position()
        self._paint_segment(self._last, self._last, self._erasing)
        self.sigChanged.emit()

    def mouseMoveEvent(self, event) -> None:
        if self._last is None:
            return
        pos = event.position()
        self._paint_segment(self._last, pos, self._erasing)
        self._last = pos
        self.sigChanged.emit()

    def mouseReleaseEvent(self, event) -> None:
        self._last = None

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.drawImage(0, 0, self._image)
        p.setPen(QPen(QColor("#888"), 0))
        p.drawRect(self.rect().adjusted(0, 0, -1, -1))
        p.end()
