"""ProbabilityBars: ŷ as one labelled horizontal bar per class, the number printed on each.

The most probable class is drawn in the accent colour; ``marked`` (e.g. the true class) gets an
outline. Clicking a row emits ``sigClassClicked(k)``. Plain QPainter: text stays crisp and large
enough to read at 1280×800.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

BLUE, GREY, DIM = QColor(66, 133, 244), QColor(150, 150, 150), QColor(150, 150, 150, 60)
ROW_MIN = 18


class ProbabilityBars(QWidget):
    sigClassClicked = Signal(int)

    def __init__(self, classes: Sequence[str] = (), parent=None):
        super().__init__(parent)
        self.classes = tuple(classes)
        self._probs: np.ndarray | None = None
        self.marked: int | None = None
        self.placeholder = "—"
        font = QFont(self.font())
        font.setPointSizeF(11)
        self.setFont(font)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(220, ROW_MIN * max(len(self.classes), 3))

    def sizeHint(self) -> QSize:
        return QSize(300, 26 * max(len(self.classes), 3))

    def set_probabilities(self, probs, classes: Sequence[str] | None = None, marked: int | None = None) -> None:
        """Show ``probs`` (K,), or nothing (None): the bars go empty and ``placeholder`` shows."""
        if classes is not None:
            self.classes = tuple(classes)
            self.setMinimumHeight(ROW_MIN * max(len(self.classes), 3))
        self._probs = None if probs is None else np.asarray(probs, dtype=np.float64)
        self.marked = marked
        self.update()

    def probabilities(self) -> np.ndarray | None:
        return self._probs

    def _row_height(self) -> float:
        return self.height() / max(len(self.classes), 1)

    def mousePressEvent(self, event) -> None:
        k = int(event.position().y() // self._row_height())
        if 0 <= k < len(self.classes):
            self.sigClassClicked.emit(k)

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        fg = self.palette().windowText().color()
        fm = p.fontMetrics()
        name_w = max([fm.horizontalAdvance(c) for c in self.classes] + [fm.horizontalAdvance("0")]) + 10
        value_w = fm.horizontalAdvance("100.0%") + 10
        bar_w = max(self.width() - name_w - value_w, 10)
        rh = self._row_height()
        top = None if self._probs is None or not len(self._probs) else int(np.argmax(self._probs))
        for k, name in enumerate(self.classes):
            y = k * rh
            p.setPen(fg)
            p.drawText(QRectF(0, y, name_w - 8, rh), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, name)
            track = QRectF(name_w, y + rh * 0.18, bar_w, rh * 0.64)
            p.fillRect(track, DIM)
            if self._probs is not None and k < len(self._probs):
                v = float(np.clip(self._probs[k], 0, 1))
                p.fillRect(QRectF(track.left(), track.top(), bar_w * v, track.height()), BLUE if k == top else GREY)
                text = f"{100 * v:.1f}%"
            else:
                text = self.placeholder
            if k == self.marked:
                p.setPen(QPen(fg, 2))
                p.drawRect(track)
            p.setPen(fg)
            font = p.font()
            font.setBold(k == top)
            p.setFont(font)
            p.drawText(QRectF(name_w + bar_w + 6, y, value_w, rh), Qt.AlignmentFlag.AlignLeft
                       | Qt.AlignmentFlag.AlignVCenter, text)
            font.setBold(False)
            p.setFont(font)
        p.end()
