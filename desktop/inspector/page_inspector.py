"""The inspector of one workspace page: the array of the last element clicked there, large.

A click on an element of any map, filter, weight matrix or gradient of the page (a panel's
``sigElementClicked``: the array key and its full index, the sample first for batch arrays) shows
that array in the page's inspector with the element selected; a click in the update panel
(".old", ".step", ".new") shows the update of that parameter. The inspector follows the views:
the next step shows the same array with its new numbers, the same element selected.

On the Inspect page it is a dock of the arrangement; elsewhere it floats beside the window the
first time it is needed (it can then be docked, moved or closed like any dock).
"""

from __future__ import annotations

from PySide6.QtCore import QObject

from desktop.inspector.from_view import item_for, update_for
from desktop.inspector.inspector_panel import InspectorPanel

UPDATE_PARTS = ("old", "step", "new")
FLOAT_SIZE = (540, 640)


class PageInspector(QObject):
    """``show_element(key, index)`` from a click; ``on_view(view)`` keeps it current."""

    def __init__(self, host, page: str, floating: bool, default=None, parent=None):
        super().__init__(parent)
        self.host, self.page_key, self.floating = host, page, floating
        self.default = default  # view -> UpdateItem or None: what to show before any click
        self.panel = InspectorPanel()
        self.dock = host.pages[page].add("inspector", "Inspector", self.panel, loose=floating)
        self.dock.visibilityChanged.connect(lambda shown: shown and self.refresh())
        self._shown: tuple | None = None  # ("array", key, sample) or ("update", layer, param)
        self._placed = not floating
        if floating:
            self.dock.hide()

    def _place(self) -> None:
        """The first time a floating inspector is needed: beside the window's right edge."""
        if self._placed:
            return
        self._placed = True
        w = self.host
        width, height = min(FLOAT_SIZE[0], w.width() // 2), min(FLOAT_SIZE[1], w.height() - 80)
        g = w.geometry()
        self.dock.resize(width, height)
        self.dock.move(g.x() + g.width() - width - 8, g.y() + 70)

    def show_element(self, key: str, index: tuple) -> None:
        """A click on ``key[index]`` in a panel of the page."""
        view = self.host.current_view()
        stem, _, part = key.rpartition(".")
        if part in UPDATE_PARTS and view.is_param_key(key):
            layer, _, param = stem.rpartition(".")
            item = update_for(view, layer, param, selected=tuple(index))
            if item is None:
                return
            self._shown = ("update", layer, param)
            self.panel.show_update(item)
        else:
            param = view.is_param_key(key) or (stem in view.params and part in view.params[stem])
            sample = None if param else int(index[0])  # a batch array's index starts with its sample
            selected = tuple(index) if param else tuple(index[1:])
            item = item_for(view, key, selected, sample)
            if item is None:
                return
            self._shown = ("array", key, sample)
            self.panel.show_array(item)
        self._place()
        self.dock.show()
        self.dock.raise_()

    def refresh(self, view=None) -> None:
        """The array shown, with the numbers of ``view`` (default: the one the panels show)."""
        if not self.dock.isVisible():
            return
        view = view or self.host.current_view()
        if self._shown is None:
            item = self.default(view) if self.default is not None else None
            if item is not None:
                self.panel.show_update(item)
            return
        kind, a, b = self._shown
        item = update_for(view, a, b) if kind == "update" else item_for(view, a, None, b)
        if item is None:
            self.panel.clear(hint=f"{a} is not computed yet in this iteration")
        elif kind == "update":
            self.panel.show_update(item)
        else:
            self.panel.show_array(item)
