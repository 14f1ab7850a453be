"""A step's words and formulas, from its chapter file: paragraphs, typeset display formulas, call-outs."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QLabel, QScrollArea, QVBoxLayout, QWidget

from core.lecture.chapters import fill
from core.lecture.latex import text_html
from desktop.math_view import MathView, is_dark

TEXT_PT = 12.5
MATH_PX = 21


class StepText(QScrollArea):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self._inner = QWidget()
        self._lay = QVBoxLayout(self._inner)
        self._lay.setContentsMargins(6, 4, 10, 4)
        self.setWidget(self._inner)
        self.formulas: list[MathView] = []
        self.paragraphs: list[QLabel] = []
        self._shown: tuple | None = None  # (plan, extra, dark) of the page on screen

    def _clear(self) -> None:
        """A fresh page (the old one goes with its widget: nothing of it stays on screen)."""
        self._inner = QWidget()
        self._lay = QVBoxLayout(self._inner)
        self._lay.setContentsMargins(6, 4, 10, 4)
        self.setWidget(self._inner)  # the scroll area deletes the previous page
        self.formulas, self.paragraphs = [], []

    def _text(self, html: str, pt: float = TEXT_PT, note: bool = False) -> QLabel:
        lab = QLabel(html)
        lab.setWordWrap(True)
        lab.setTextFormat(Qt.TextFormat.RichText)
        lab.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        f = lab.font()
        f.setPointSizeF(pt)
        lab.setFont(f)
        if note:
            lab.setStyleSheet("QLabel { border-left: 4px solid #d08000; padding: 4px 8px; "
                              "background: rgba(208, 128, 0, 30); }")
        self._lay.addWidget(lab)
        self.paragraphs.append(lab)
        return lab

    def show_step(self, plan, extra: str = "") -> None:
        """The step's blocks with its @values filled in; ``extra``: a line in front (HTML). The same
        step again (another frame, a new view) keeps the page as it is, scrolled where it was."""
        dark = is_dark(self)
        if self._shown == (plan, extra, dark):
            return
        self._shown = (plan, extra, dark)
        self._clear()
        step = plan.step
        title = self._text(f"<b>{plan.chapter.id} · {step.title}</b>", pt=14.5)
        title.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        if extra:
            self._text(extra, pt=11, note=True)
        for block in step.blocks:
            src = fill(block.source, plan.values)
            if block.kind == "math":
                m = MathView(src, size=MATH_PX)
                self._lay.addWidget(m)
                self.formulas.append(m)
            else:
                self._text(text_html(src, dark), note=block.kind == "note")
        self._lay.addStretch(1)

    def text(self) -> str:
        return "\n".join(p.text() for p in self.paragraphs)
