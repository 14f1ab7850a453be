"""The base of the Lecture workspace's figures: each draws one step for the view in view.

``show_step(plan, view, frame)`` draws; ``displayed()`` returns every number it shows (arrays
and scalars by name), which the tests compare with the engine's arrays. Figures emit
``sigStatus(str)`` for a line in the status bar and never touch the engine.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QSpinBox, QWidget

from core.lecture.latex import text_html
from desktop.math_view import is_dark


class IndexBox(QSpinBox):
    """A spin box choosing one of a layer's filters, channels or units, counted from 1 as the panels,
    the hover and the formula view count; ``index()`` is the array index (from 0). Kernel offsets
    (m, n) stay counted from 0, as the lecture's sums over m = 0…M run."""

    def __init__(self, prefix: str, parent=None):
        super().__init__(parent)
        self.setPrefix(prefix)
        self.setRange(1, 1)

    def set_count(self, n: int) -> None:
        """Offer 1…n (at least 1), without emitting a change."""
        self.blockSignals(True)
        self.setRange(1, max(1, int(n)))
        self.blockSignals(False)

    def index(self) -> int:
        return self.value() - 1

    def set_index(self, i: int) -> None:
        self.setValue(int(i) + 1)


class Figure(QWidget):
    sigStatus = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self._shown: dict = {}
        self.plan = None
        self.view = None
        self.frame = 0

    def show_step(self, plan, view, frame: int = 0) -> None:
        self.plan, self.view, self.frame = plan, view, frame
        self._shown = {}
        self.draw()

    def redraw(self) -> None:
        if self.plan is not None:
            self._shown = {}
            self.draw()

    def draw(self) -> None:  # pragma: no cover - every figure has its own
        raise NotImplementedError

    def displayed(self) -> dict:
        return dict(self._shown)

    def label(self, text: str = "", pt: float = 11.5) -> QLabel:
        lab = QLabel()
        lab.setWordWrap(True)
        lab.setTextFormat(Qt.TextFormat.RichText)
        f = lab.font()
        f.setPointSizeF(pt)
        lab.setFont(f)
        if text:
            lab.setText(self.html(text))
        return lab

    def html(self, text: str) -> str:
        """Chapter-style text ($…$ formulas coloured) as HTML for this widget's theme."""
        return text_html(text, is_dark(self))
