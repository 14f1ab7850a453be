"""The inspector: one array, or one parameter's update, large, with its numbers.

``show_array(InspectItem)`` draws any map, filter, weight matrix or gradient; ``show_update(
UpdateItem)`` draws old, −α·∂L/∂θ, new and new − old. 3-D and 4-D arrays are seen one 2-D slice
at a time (spin boxes, 1-based) or all tiles at once. Numbers are printed in every cell that is
big enough to hold one at a readable size: at its own size for a 5×5 filter, a 10-vector or a
12×12 map in a 520×640 dock; bigger arrays (a 24×24 map, W⁽¹⁾'s 120×256) open as a picture
that the wheel, the +/− buttons and a drag zoom and pan, and their numbers appear as they are
zoomed in (a plane is never crammed with unreadable digits; the hover readout gives any value).

The readout names the element under the mouse with its lecture name and 1-based indices,
"g⁽¹⁾[filter 3, channel 1, row 2, col 5] = −0.1234"; a click selects it and emits
``sigElementSelected(key, index)`` with the 0-based index into the view's array ``key`` (the
sample first for per-sample arrays), for the window to show its formula.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QStackedWidget, QVBoxLayout, QWidget

from core.view import shape_text
from desktop.inspector.array_view import ArrayView
from desktop.inspector.item import InspectItem, UpdateItem
from desktop.inspector.numbers import finite_max_abs, number_format, value_text
from desktop.inspector.plane import plane_of, slices_of
from desktop.inspector.slice_bar import SliceBar
from desktop.inspector.update_view import UpdateView
from desktop.panels.base import set_look
from desktop.panels.image_grid import DIVERGING, SEQUENTIAL
from desktop.panels.levels import finite_range, nice_ceil, symmetric_levels

HINT = "Click a map, filter, weight matrix or gradient in a panel to see it here, large, with its numbers"
HOVER_HINT = "Hover a cell to read its value; click to select it"


def style_of(item: InspectItem) -> tuple[tuple[float, float], pg.ColorMap]:
    """Levels over the whole array (every slice on one scale) and colours: signed values on a
    diverging scale symmetric around 0, others on viridis from 0 (0..1 for sigmoid-like)."""
    if item.signed:
        return symmetric_levels(item.array), DIVERGING
    lo, hi = finite_range(item.array)
    if lo >= 0:
        return (0.0, 1.0 if hi <= 1 else nice_ceil(hi)), SEQUENTIAL
    return (-nice_ceil(-lo), nice_ceil(hi) if hi > 0 else 0.0), SEQUENTIAL


class InspectorPanel(QWidget):
    """See one array large. ``show_array(item)``, ``show_update(item)``, ``clear()``."""

    title = "Inspector"
    sigElementSelected = Signal(str, tuple)  # (array key, 0-based full index)
    sigHover = Signal(str)  # the readout's text

    def __init__(self, parent=None):
        super().__init__(parent)
        self.item: InspectItem | UpdateItem | None = None
        self.heading = QLabel()
        self.heading.setWordWrap(True)
        self.heading.setTextFormat(Qt.TextFormat.PlainText)
        set_look(self.heading, pt=12)
        font = self.heading.font()
        font.setBold(True)
        self.heading.setFont(font)
        self.caption = QLabel()
        self.caption.setWordWrap(True)
        self.caption.setTextFormat(Qt.TextFormat.PlainText)
        set_look(self.caption, pt=10)
        self.slices = SliceBar()
        self.slices.sigChanged.connect(self._redraw)
        self.slices.sigZoom.connect(self.zoom)
        self.view = ArrayView()
        self.view.sigHover.connect(self._hover)
        self.view.sigClicked.connect(self._click)
        self.update_view = UpdateView()
        self.update_view.sigHover.connect(self._hover_update)
        self.update_view.sigClicked.connect(self._click_update)
        self._hint = QLabel(HINT)
        self._hint.setWordWrap(True)
        self._hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        set_look(self._hint, pt=12, colour="#888")
        self.stack = QStackedWidget()
        for w in (self._hint, self.view, self.update_view):
            self.stack.addWidget(w)
        # one readout line: the element under the mouse, else the selected one, else a hint
        self.readout = QLabel(" ")
        self.readout.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.readout.setWordWrap(True)
        set_look(self.readout, pt=11)
        self._hover_text = ""
        self._selected_text = ""
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(4)
        for w in (self.heading, self.caption, self.slices):
            layout.addWidget(w)
        layout.addWidget(self.stack, 1)
        layout.addWidget(self.readout)
        self.selected: tuple | None = None
        self._heading = ""
        self.clear()

    # --- the API --------------------------------------------------------------------------------

    def show_array(self, item: InspectItem) -> None:
        """Show ``item``'s array. The same key again (the next step) keeps the slice, zoom and
        selection; ``item.selected`` selects an element and turns to its slice."""
        self._show(item)

    def show_update(self, item: UpdateItem) -> None:
        """Show the update of ``item.key``: old, step, new and new − old, one slice at a time."""
        self._show(item)

    def clear(self, hint: str = HINT) -> None:
        self.item = None
        self.selected = None
        self.heading.setText("Inspector")
        self.caption.setText("")
        self.slices.configure((), ())
        self.slices.hide()
        self._hint.setText(hint)
        self.stack.setCurrentWidget(self._hint)
        self._hover_text = self._selected_text = ""
        self._show_readout()

    def set_slice(self, fixed: tuple[int, ...]) -> None:
        """Turn to the slice at the 0-based leading indices ``fixed`` (filter, channel)."""
        self.slices.set_tiles(False)
        self.slices.set_fixed(fixed)

    def set_tiles(self, on: bool) -> None:
        """All slices at once (True) or one (False)."""
        self.slices.set_tiles(on)

    def zoom(self, factor: float) -> None:
        """Zoom in (> 1), out (< 1), or fit the whole array (0)."""
        if isinstance(self.item, UpdateItem):
            self.update_view.zoom(factor)
        elif factor == 0:
            self.view.fit()
        else:
            self.view.zoom(factor)

    @property
    def hover_text(self) -> str:
        """The element under the mouse, "g⁽¹⁾[filter 3, channel 1, row 2, col 5] = −0.1234" ("" if none)."""
        return self._hover_text

    @property
    def selected_text(self) -> str:
        """The selected element, "Selected: g⁽¹⁾[…] = …" ("" if none)."""
        return self._selected_text

    def _show_readout(self) -> None:
        text = self._hover_text or self._selected_text or (HOVER_HINT if self.item is not None else " ")
        self.readout.setText(text)

    # --- drawing --------------------------------------------------------------------------------

    def _show(self, item: InspectItem | UpdateItem) -> None:
        prev = self.item
        same = prev is not None and type(prev) is type(item) and prev.key == item.key and \
            self._shape(prev) == self._shape(item)
        self.item = item
        shape = self._shape(item)
        ndim = len(shape)
        rebuilt = self.slices.configure(item.axes[:-2] if ndim > 2 else (), slices_of(shape))
        self.slices.setVisible(True)
        if item.selected is not None:
            self.selected = tuple(item.selected)
            if ndim > 2:
                self.slices.set_fixed(self.selected[:-2], quiet=True)
        elif not same:
            self.selected = None
        if rebuilt and not same and ndim > 2 and item.selected is None:
            self.slices.set_fixed((0,) * (ndim - 2), quiet=True)
        symbol = item.name if isinstance(item, InspectItem) else item.symbol
        where = ", ".join(f"{n} {i + 1}" for n, i in getattr(item, "prefix", ()))
        self._heading = f"{symbol}   {item.key}{f' [{where}]' if where else ''}   {shape_text(shape)}"
        self.heading.setText(self._heading)
        self.caption.setText(item.caption)
        self.caption.setVisible(bool(item.caption))
        self._redraw(keep_zoom=same)
        self._selected_text = self._selection_text()
        if not same:
            self._hover_text = ""
        elif self._hover_text and self.view.hovered is not None and isinstance(item, InspectItem):
            self._hover_text = self._describe(self.view.hovered)  # the new step's value under the mouse
        self._show_readout()

    @staticmethod
    def _shape(item) -> tuple[int, ...]:
        return tuple(item.array.shape if isinstance(item, InspectItem) else item.old.shape)

    def _redraw(self, keep_zoom: bool = True) -> None:
        item = self.item
        if item is None:
            return
        fixed, tiles = self.slices.fixed(), self.slices.tiles()
        if isinstance(item, UpdateItem):
            self.update_view.set_update(item, fixed, tiles, keep_zoom=keep_zoom)
            self.update_view.set_selected(self.selected)
            self.stack.setCurrentWidget(self.update_view)
            return
        plane = plane_of(item.array, item.axes, fixed, tiles)
        levels, cmap = style_of(item)
        fmt = number_format(finite_max_abs(item.array))
        self.view.selected = self.selected
        self.view.set_plane(plane, levels, cmap, fmt, keep_zoom=keep_zoom)
        self.stack.setCurrentWidget(self.view)
        self.heading.setText(self._heading + (f"   numbers {fmt.factor}" if fmt.factor else ""))

    # --- hover and click ------------------------------------------------------------------------

    def _selection_text(self) -> str:
        if self.item is None or self.selected is None:
            return ""
        return f"Selected: {self._describe(self.selected)}"

    def _describe(self, index: tuple, part: str | None = None) -> str:
        item = self.item
        if isinstance(item, InspectItem):
            return item.element_text(index)
        where = item.part("old").where(index)
        ix = tuple(index)
        old, step, new = (value_text(a[ix]) for a in (item.old, item.step, item.new))
        return f"{item.symbol}{where}: old {old} + step ({step}) = new {new}"

    def _hover(self, index: tuple) -> None:
        self._hover_text = self._describe(index) if (index and self.item is not None) else ""
        self._show_readout()
        if self._hover_text:
            self.sigHover.emit(self._hover_text)

    def _hover_update(self, _part: str, index: tuple) -> None:
        self._hover(index)

    def _select(self, index: tuple) -> None:
        self.selected = tuple(int(i) for i in index)
        item = self.item
        shape = self._shape(item)
        if len(shape) > 2 and self.slices.tiles():  # remember its slice for when tiles are turned off
            self.slices.set_fixed(self.selected[:-2], quiet=True)
        if isinstance(item, UpdateItem):
            self.update_view.set_selected(self.selected)
        else:
            self.view.set_selected(self.selected)
        self._selected_text = self._selection_text()
        self._show_readout()

    def _click(self, index: tuple) -> None:
        if not isinstance(self.item, InspectItem):
            return
        self._select(index)
        self.sigElementSelected.emit(self.item.key, self.item.full_index(self.selected))

    def _click_update(self, part: str, index: tuple) -> None:
        if not isinstance(self.item, UpdateItem):
            return
        self._select(index)
        piece = self.item.part(part)
        self.sigElementSelected.emit(piece.key, piece.full_index(self.selected))
