"""The panel contract: ``title``, ``update_view(view)``, ``displayed()``, ``sigHover(str)``.

A panel draws a StepView and nothing else. It skips the work while hidden — closed, or a tab
behind another in a dock group — and draws the kept view when it is shown (``set_exposed``); it
shows a hint instead of an empty area when there is nothing to draw, and
remembers the exact arrays it shows (``displayed()``) so tests can compare them with the engine's.
Hovering a pixel emits e.g. ``"conv1.out[sample 3, channel 2, row 5, col 7] = 0.8123"``, every
index counted from 1 (as the panels and the lecture count; the arrays are indexed from 0).
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QLabel, QStackedWidget, QVBoxLayout, QWidget

from core.view import StepView

FIRST_STEP_HINT = "Step (F11) to run the first phase"
KEEP = "keep"  # draw()'s answer when the screen already shows what the view would draw

_WEIGHT_DIMS = {4: ("filter", "channel", "row", "col"), 2: ("out", "in"), 1: ("unit",)}
_MAP_DIMS = {4: ("sample", "channel", "row", "col"), 3: ("channel", "row", "col"), 2: ("row", "col"), 1: ("unit",)}


def dim_names(key: str, ndim: int) -> tuple[str, ...]:
    """Names of an array's axes for hover text: filters/weights vs per-sample maps and vectors."""
    table = _WEIGHT_DIMS if ".weight" in key or ".bias" in key else _MAP_DIMS
    return table.get(ndim, tuple(f"i{k}" for k in range(ndim)))


def format_value(v: float) -> str:
    v = float(v)
    if v == 0 or (1e-3 <= abs(v) < 1e4):
        return f"{v:.4f}"
    return f"{v:.3e}"


def on_screen(widget: QWidget) -> bool:
    """On screen. A dock tabbed behind another stays "visible" to Qt (it is only moved out of
    sight), so the visible region is what tells."""
    return widget.isVisible() and not widget.visibleRegion().isEmpty()


def set_look(widget: QWidget, pt: float, colour: str | None = None, monospace: bool = False) -> None:
    """Font size (and text colour) of a widget that redraws often, set as properties: a style
    sheet would paint it, and every child such as a scroll bar, through the much slower
    style-sheet style."""
    font = QFont(widget.font())
    if monospace:
        font.setFamily("monospace")
        font.setStyleHint(QFont.StyleHint.Monospace)
    font.setPointSizeF(pt)
    widget.setFont(font)
    if colour is not None:
        pal = widget.palette()
        pal.setColor(QPalette.ColorRole.WindowText, QColor(colour))
        pal.setColor(QPalette.ColorRole.Text, QColor(colour))
        widget.setPalette(pal)


class Caption(QLabel):
    """A wrapping caption whose height only grows at a given width.

    A text that wraps to fewer lines on the next step leaves room rather than shrink the caption:
    a caption that changes height relayouts, resizes and repaints the plot below it (a plot's
    axes are laid out anew), which was most of a phase step's cost in the input and output panels.
    """

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWordWrap(True)
        self._held = (-1, 0)  # (width, height held at that width)

    def setText(self, text: str) -> None:
        if text != self.text():
            super().setText(text)
            self._hold()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self._hold()

    def _hold(self) -> None:
        w = self.width()
        need = self.heightForWidth(w) if w > 0 else -1
        need = need if need >= 0 else self.sizeHint().height()  # (-1: not laid out or no text)
        width, held = self._held
        if w != width or need > held:  # a new width starts afresh; at the same width, only grow
            self._held = (w, need)
            self.setMinimumHeight(need)


class Panel(QWidget):
    """Base of every panel. Subclasses set ``title``, build ``self.body`` and implement ``draw``."""

    title: str = ""
    sigHover = Signal(str)
    sigElementClicked = Signal(str, tuple)  # (array key, full index) of a clicked element

    def __init__(self, parent=None):
        super().__init__(parent)
        self._view: StepView | None = None
        self._pending = False
        self._shown: dict[str, np.ndarray] = {}
        self._index_info: dict[str, tuple[str, tuple, tuple]] = {}
        self._drawn_from: tuple | None = None
        self._stack = QStackedWidget()
        self._hint = QLabel(FIRST_STEP_HINT)
        self._hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._hint.setWordWrap(True)
        set_look(self._hint, pt=13, colour="#888")
        self._hover_label = QLabel(" ")
        set_look(self._hover_label, pt=9, colour="#aaa", monospace=True)
        self._hover_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(4, 4, 4, 4)
        self._layout.addWidget(self._stack, 1)
        self._layout.addWidget(self._hover_label)
        self._stack.addWidget(self._hint)

    # --- for subclasses -----------------------------------------------------------------------

    def set_body(self, widget: QWidget) -> None:
        self.body = widget
        self._stack.addWidget(widget)

    def make_grid(self):
        """An ImageGrid whose hovered and clicked elements this panel describes and reports."""
        from desktop.panels.image_grid import ImageGrid

        grid = ImageGrid()
        grid.sigHover.connect(self.hover_at)
        grid.sigClicked.connect(self.click_at)
        return grid

    def make_captioned_body(self, main: QWidget, caption_pt: int, top=None) -> QLabel:
        """The body: an optional ``top`` layout, a wrapping caption (a Qt label wraps, a plot title
        would widen the panel instead) and ``main`` taking the rest. Returns the caption."""
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(0, 0, 0, 0)
        caption = Caption()
        set_look(caption, pt=caption_pt)
        if top is not None:
            layout.addLayout(top)
        layout.addWidget(caption)
        layout.addWidget(main, 1)
        self.set_body(body)
        return caption

    def make_layer_body(self, caption_pt: int):
        """"Layer: [choice]", a wrapping caption and a grid, as the body (for per-layer panels).

        Sets ``self.layer`` (a LayerChoice that redraws on change), ``self.caption``, ``self.grid``.
        """
        from PySide6.QtWidgets import QHBoxLayout

        from desktop.panels.layer_choice import LayerChoice

        top = QHBoxLayout()
        self.layer = LayerChoice()
        self.layer.currentIndexChanged.connect(lambda _i: self.redraw())
        top.addWidget(QLabel("Layer:"))
        top.addWidget(self.layer)
        top.addStretch(1)
        self.layer_row = top  # (a panel may add its own controls at the right)
        self.grid = self.make_grid()
        self.caption = self.make_captioned_body(self.grid, caption_pt, top)

    def draw(self, view: StepView) -> str | None:
        """Draw ``view``; return a hint text when there is nothing to show, KEEP when nothing
        changed (see ``unchanged``), else None."""
        raise NotImplementedError

    def unchanged(self, *inputs) -> bool:
        """True if the last draw was made from the same ``inputs``; else remember them.

        Arrays count as the same when they are the same object (a view's arrays are immutable
        snapshots, kept referenced here so their ids stay unique); other inputs by equality."""
        last, self._drawn_from = self._drawn_from, inputs
        if last is None or len(last) != len(inputs):
            return False
        return all((a is b) if isinstance(a, np.ndarray) or isinstance(b, np.ndarray) else a == b
                   for a, b in zip(inputs, last))

    def record(self, key: str, array: np.ndarray, prefix: tuple = (), name: str | None = None) -> None:
        """Note that ``array`` is shown under ``key``; ``prefix`` = leading index parts, e.g. (("sample", 3),)."""
        name = name or key
        self._shown[key] = array
        self._index_info[key] = (name, prefix, dim_names(name, np.ndim(array)))

    # --- the contract -------------------------------------------------------------------------

    def exposed(self) -> bool:
        return on_screen(self)

    def update_view(self, view: StepView) -> None:
        self._view = view
        if not self.exposed():  # drawn when shown: hidden panels cost nothing
            self._pending = True
            return
        self._redraw()

    def set_exposed(self, exposed: bool) -> None:
        """The panel's dock became visible (its tab was raised) or hidden: draw what was kept."""
        if exposed and self._pending and self.isVisible():
            self._redraw()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._pending:
            self._redraw()

    def redraw(self) -> None:
        """Draw the last view again (after a setting of the panel changed)."""
        if self._view is not None and self.exposed():
            self._redraw()
        elif self._view is not None:
            self._pending = True

    def _redraw(self) -> None:
        self._pending = False
        if self._hover_label.text() != " ":  # a readout of the numbers before would be stale now
            self._hover_label.setText(" ")
        kept = self._shown, self._index_info
        self._shown, self._index_info = {}, {}
        hint = self.draw(self._view) if self._view is not None else FIRST_STEP_HINT
        if hint is KEEP:
            self._shown, self._index_info = kept
            return
        if hint:
            self._drawn_from = None
            self._hint.setText(hint)
            self._stack.setCurrentWidget(self._hint)
        else:
            self._stack.setCurrentWidget(self.body)

    def displayed(self) -> dict[str, np.ndarray]:
        """The arrays on screen by key (a hidden panel's pending view is drawn first)."""
        if self._pending:
            self._redraw()
        return dict(self._shown)

    def hover_at(self, key: str, index: tuple) -> str:
        """Describe the element ``index`` of the displayed ``key``; show it and emit sigHover."""
        name, prefix, dims = self._index_info[key]
        value = self._shown[key][tuple(index)]
        # counted from 1, as the panels, the lecture and people count (the arrays from 0)
        parts = [f"{d} {int(i) + 1}" for d, i in prefix] + [f"{d} {int(i) + 1}" for d, i in zip(dims, index)]
        text = f"{name}[{', '.join(parts)}] = {format_value(value)}"
        self._hover_label.setText(text)
        self.sigHover.emit(text)
        return text

    def click_at(self, key: str, index: tuple) -> tuple[str, tuple]:
        """A click on element ``index`` of the displayed ``key``: emit the array key and its full
        index (the focused sample first for batch arrays) for the formula view."""
        name, prefix, _ = self._index_info[key]
        full = tuple(int(i) for i in index)
        if "/" not in key:  # a per-sample share ("…grad/sample 3") is indexed like the gradient
            full = tuple(int(v) for _, v in prefix) + full
        self.sigElementClicked.emit(name, full)
        return name, full

    @property
    def hover_text(self) -> str:
        return self._hover_label.text()
