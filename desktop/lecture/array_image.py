"""ArrayImage: one 2-D array as square cells, with its numbers when they fit, a title, a coloured frame.

Values in [0, 1] (an input, a sigmoid, a pooled map) are grey; signed values (z, errors, weights,
gradients) use a diverging blue–white–red scale with symmetric levels, so 0 is always white. A
cell is clickable (``sigCellClicked(row, col)``); ``highlight`` frames cells (a window, a
maximum) in a colour. ``shown()`` is the array drawn, for tests.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from core.lecture.colours import colour
from desktop.math_view import is_dark


def number_text(v: float, decimals: int = 2) -> str:
    """A number for a cell: 3 significant digits, ``decimals`` below 1, powers of ten when tiny."""
    v = float(v)
    if not np.isfinite(v):
        return "−∞" if v < 0 else ("∞" if v > 0 else "NaN")
    if v == 0:
        return "0"
    a = abs(v)
    if 1 <= a < 10000:
        t = f"{v:.3g}" if a < 1000 else f"{v:.0f}"
    elif 0.01 <= a < 1:
        t = f"{v:.{decimals}f}"
    else:
        t = f"{v:.1e}".replace("e-0", "e-").replace("e+0", "e")
    return t.replace("-", "−")


def cell_text(v: float, decimals: int) -> str:
    """A cell's number with ``decimals`` decimals; −0.00 shows as 0.00 (the cell's colour keeps the sign)."""
    if not np.isfinite(v):
        return number_text(v)
    text = f"{v:.{decimals}f}"
    if text.startswith("-") and not text.strip("-0."):
        text = text[1:]
    return text.replace("-", "−")


def tex_number(v: float, digits: int = 4) -> str:
    """A number for a typeset formula: ``digits`` significant digits, powers of ten as 10^{k}."""
    v = float(v)
    if not np.isfinite(v):
        return r"-\infty" if v < 0 else (r"\infty" if v > 0 else r"\text{NaN}")
    t = f"{v:.{digits}g}"
    if "e" in t:
        mant, exp = t.split("e")
        return rf"{mant} \times 10^{{{int(exp)}}}"
    return t


def common_exponent(a: np.ndarray) -> int:
    """The power of ten that brings the largest |value| into [1, 1000) when it is outside [0.1, 1000)."""
    finite = np.abs(a[np.isfinite(a)])
    peak = float(finite.max()) if finite.size else 0.0
    if peak == 0 or 0.1 <= peak < 1000:
        return 0
    return int(np.floor(np.log10(peak)))


def _rgb(a: np.ndarray, signed: bool, lim: float) -> np.ndarray:
    a = np.nan_to_num(np.asarray(a, dtype=np.float64))
    if not signed:
        g = (np.clip(a / (lim or 1), 0, 1) * 255).astype(np.uint8)
        return np.stack([g, g, g], -1)
    t = np.clip(a / (lim or 1), -1, 1)
    r = np.where(t > 0, 255, 255 * (1 + t))
    b = np.where(t < 0, 255, 255 * (1 - t))
    g = 255 * (1 - np.abs(t)) * 0.92 + 255 * 0.08 * (1 - np.abs(t))
    return np.stack([r, g, b], -1).clip(0, 255).astype(np.uint8)


def _sup(k: int) -> str:
    return str(k).translate(str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹"))


class ArrayImage(QWidget):
    sigCellClicked = Signal(int, int)

    def __init__(self, title: str = "", role: str | None = None, cell: int = 0, parent=None):
        """``cell``: pixels per cell (0: as large as fits)."""
        super().__init__(parent)
        self._a: np.ndarray | None = None
        self._img: QImage | None = None
        self._signed = False
        self._lim = 1.0
        self._marks: list[tuple[int, int, int, int, str]] = []
        self.title = title
        self.role = role
        self.cell = cell
        self.numbers: bool | None = None  # None: when the cells are large enough
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(60, 60)

    def sizeHint(self) -> QSize:
        if self._a is None or not self.cell:
            return QSize(200, 200)
        h, w = self._a.shape
        return QSize(w * self.cell + 4, h * self.cell + 26)

    def set_array(self, a, signed: bool | None = None, limit: float | None = None, title: str | None = None) -> None:
        """Show ``a`` (2-D; 1-D is drawn as one row). ``signed`` None: signed if any value < 0."""
        if title is not None:
            self.title = title
        if a is None:
            self._a = self._img = None
            self.update()
            return
        a = np.asarray(a, dtype=np.float64)
        if a.ndim == 1:
            a = a[None, :]
        self._a = a
        finite = a[np.isfinite(a)]
        if signed is None:  # errors, z and weights are signed quantities even where all are > 0
            signed = bool((finite < 0).any()) or self.role in ("L", "z", "W", "g")
        self._signed = signed
        peak = float(np.abs(finite).max()) if finite.size else 1.0
        self._lim = limit if limit is not None else (peak or 1.0)
        rgb = np.ascontiguousarray(_rgb(a, self._signed, self._lim))
        h, w = a.shape
        self._img = QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()
        self._marks = []
        self._exp = common_exponent(a)
        self.updateGeometry()
        self.update()

    def shown(self) -> np.ndarray | None:
        return self._a

    def highlight(self, marks: list[tuple[int, int, int, int, str]]) -> None:
        """Frame cells: (row0, col0, row1, col1 exclusive, colour)."""
        self._marks = list(marks)
        self.update()

    def _rect(self) -> QRectF:
        if self._a is None:
            return QRectF()
        h, w = self._a.shape
        top = 22 if self.title else 2
        s = min((self.width() - 4) / w, (self.height() - top - 2) / h)
        if self.cell:
            s = min(s, self.cell)
        if w > 4 * h and not self.cell:  # a wide matrix (W: 10 × 120): cells taller than wide, to be seen
            sh = min((self.height() - top - 2) / h, 6 * s)
            return QRectF((self.width() - w * s) / 2, top, w * s, h * sh)
        return QRectF((self.width() - w * s) / 2, top, w * s, h * s)

    def cell_at(self, x: float, y: float) -> tuple[int, int] | None:
        r = self._rect()
        if self._a is None or not r.contains(x, y):
            return None
        h, w = self._a.shape
        return int((y - r.top()) / r.height() * h), int((x - r.left()) / r.width() * w)

    def cell_centre(self, row: int, col: int):
        r = self._rect()
        h, w = self._a.shape
        from PySide6.QtCore import QPoint

        return QPoint(int(r.left() + (col + 0.5) * r.width() / w), int(r.top() + (row + 0.5) * r.height() / h))

    def mousePressEvent(self, event) -> None:
        c = self.cell_at(event.position().x(), event.position().y())
        if c is not None:
            self.sigCellClicked.emit(*c)

    def _draw_numbers(self, p: QPainter, r: QRectF, s: float, sh: float, exp: int) -> None:
        """Every cell's value (divided by 10^exp), in one format for the whole map: three significant
        digits at its largest value."""
        h, w = self._a.shape
        scaled = self._a / 10.0 ** exp if exp else self._a
        finite = scaled[np.isfinite(scaled)]
        peak = float(np.abs(finite).max()) if finite.size else 0.0
        decimals = 0 if peak >= 100 or peak == 0 else (1 if peak >= 10 else 2)
        if s >= 48 and decimals:
            decimals += 1
        f, decimals = self._fitting_font(s, decimals, float(finite.min()) if finite.size else 0.0, peak)
        p.setFont(f)
        for i in range(h):
            for j in range(w):
                v = self._a[i, j]
                if np.isnan(v):
                    continue
                t = abs(v) / self._lim if self._lim else 0
                dark_cell = (not self._signed and v / (self._lim or 1) < 0.55) or (self._signed and t > 0.6)
                p.setPen(QColor("#ffffff" if dark_cell else "#000000"))
                p.drawText(QRectF(r.left() + j * s, r.top() + i * sh, s, sh), Qt.AlignmentFlag.AlignCenter,
                           cell_text(scaled[i, j], decimals))

    def _fitting_font(self, s: float, decimals: int, low: float, peak: float) -> tuple[QFont, int]:
        """The font (and decimals) in which the widest number of the map fits a cell ``s`` px wide:
        smaller type first, then one decimal fewer, never a clipped digit."""
        from PySide6.QtGui import QFontMetricsF

        f = QFont(self.font())
        widest = -peak if low < 0 else peak  # a sign takes room: the widest text is a negative one
        while True:
            pt = max(7.0, min(11.0, s / 4.2))
            while True:
                f.setPointSizeF(pt)
                if QFontMetricsF(f).horizontalAdvance(cell_text(widest, decimals)) <= s - 3 or pt <= 6.0:
                    break
                pt -= 0.5
            if QFontMetricsF(f).horizontalAdvance(cell_text(widest, decimals)) <= s - 3 or decimals == 0:
                return f, decimals
            decimals -= 1

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        dark = is_dark(self)
        fg = QColor("#e6e6e6" if dark else "#202020")
        exp = getattr(self, "_exp", 0)
        h_, w_ = (self._a.shape if self._a is not None else (1, 1))
        s_ = self._rect().width() / w_ if self._a is not None else 0
        show_numbers = self.numbers if self.numbers is not None else s_ >= 24
        if self.title:
            f = QFont(self.font())
            f.setPointSizeF(10.5)
            p.setFont(f)
            p.setPen(QColor(colour(self.role, dark)) if self.role else fg)
            scale = f"  (×10{_sup(exp)})" if show_numbers and exp else ""  # never elided: the numbers need it
            fm = p.fontMetrics()
            room = self.width() - 4 - fm.horizontalAdvance(scale)
            title = fm.elidedText(self.title, Qt.TextElideMode.ElideRight, room)
            title += scale
            p.drawText(QRectF(0, 0, self.width(), 20), Qt.AlignmentFlag.AlignCenter, title)
        if self._img is None:
            p.end()
            return
        r = self._rect()
        p.drawImage(r, self._img)
        h, w = self._a.shape
        s, sh = r.width() / w, r.height() / h
        if show_numbers:
            self._draw_numbers(p, r, s, sh, exp)
        if s >= 8:
            p.setPen(QPen(QColor(128, 128, 128, 90), 0))
            for j in range(1, w):
                p.drawLine(int(r.left() + j * s), int(r.top()), int(r.left() + j * s), int(r.bottom()))
            for i in range(1, h):
                p.drawLine(int(r.left()), int(r.top() + i * sh), int(r.right()), int(r.top() + i * sh))
        p.setPen(QPen(QColor(colour(self.role, dark)) if self.role else QColor("#888"), 2))
        p.drawRect(r.adjusted(-1, -1, 1, 1))
        for r0, c0, r1, c1, col in self._marks:
            p.setPen(QPen(QColor(col), 3))
            p.drawRect(QRectF(r.left() + c0 * s, r.top() + r0 * sh, (c1 - c0) * s, (r1 - r0) * sh))
        p.end()
