"""Workspaces: the panels grouped by what a learner is doing, one page each, laid out for the screen.

Build (network and data), Step (one iteration, phase by phase), Inspect (one layer's weights,
gradients and update, large), Debug (breakpoints, formulas, the timeline), Lecture, Evaluate.
Each page is a QMainWindow of its own (as Qt Creator's modes are), so its docks can be moved,
tabbed and floated without disturbing the others, and its arrangement is remembered apart.

A page's default arrangement is a tree of splits (``Split``) and tab groups (``Tabs``) whose
fractions are applied to the page's real size when it is first shown: at 1280×800 or 1920×1080
at 150 % alike, the window never asks for more than its screen. ``Reset layout`` arranges the
current page again; a remembered arrangement that no longer fits its page is dropped.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QByteArray, QSize, Qt, Signal
from PySide6.QtWidgets import QDockWidget, QMainWindow, QWidget

from desktop import settings

LAYOUT_VERSION = 10  # bump when a default arrangement changes, so old saved layouts are dropped
FEATURES = (QDockWidget.DockWidgetFeature.DockWidgetMovable | QDockWidget.DockWidgetFeature.DockWidgetFloatable
            | QDockWidget.DockWidgetFeature.DockWidgetClosable)


@dataclass(frozen=True)
class Tabs:
    """Docks tabbed in one place; the first is in front."""

    keys: tuple[str, ...]


@dataclass(frozen=True)
class Split:
    """Areas side by side (``horizontal``) or one above the other, each with its share of the room."""

    horizontal: bool
    parts: tuple[tuple[object, float], ...]  # (Tabs | Split, fraction)


def tabs(*keys: str) -> Tabs:
    return Tabs(tuple(keys))


def row(*parts) -> Split:
    return Split(True, tuple(parts))


def column(*parts) -> Split:
    return Split(False, tuple(parts))


def _leaves(node) -> list[str]:
    if isinstance(node, Tabs):
        return list(node.keys)
    return [k for part, _ in node.parts for k in _leaves(part)]


def _first(node, present: set[str]) -> str | None:
    return next((k for k in _leaves(node) if k in present), None)


@dataclass(frozen=True)
class PageSpec:
    """One workspace: its key (settings, shortcuts), the tab's text and tip, and its arrangement."""

    key: str
    title: str
    tip: str
    layout: object  # Tabs | Split


class WorkspacePage(QMainWindow):
    """One workspace's docks, arranged by its PageSpec (or as the learner left them)."""

    sigMaximised = Signal(str)  # the key of the dock shown alone, "" when back to the arrangement

    def __init__(self, spec: PageSpec, parent=None):
        super().__init__(parent)
        self.spec = spec
        self.setObjectName(f"page_{spec.key}")
        self.setWindowFlags(Qt.WindowType.Widget)
        self.setDockNestingEnabled(True)
        self.setDockOptions(QMainWindow.DockOption.AnimatedDocks | QMainWindow.DockOption.AllowTabbedDocks
                            | QMainWindow.DockOption.AllowNestedDocks)
        centre = QWidget()  # docks only: a zero-sized centre, so the docks share all the room
        centre.setMaximumSize(0, 0)
        self.setCentralWidget(centre)
        self.docks: dict[str, QDockWidget] = {}
        self._arranged = False
        self._loose: set[str] = set()  # docks the arrangement leaves alone (hidden till needed)
        self._sized = False  # the default arrangement's sizes applied at the page's real size
        self._maximised: tuple | None = None  # (dock, the docks it hid, the arrangement before)

    # --- docks ------------------------------------------------------------------------------------

    def add(self, key: str, title: str, widget: QWidget, loose: bool = False) -> QDockWidget:
        """A dock of the page; ``loose``: not part of the arrangement (hidden until shown, then
        floating where its owner puts it)."""
        dock = QDockWidget(title, self)
        dock.setWidget(widget)
        if loose:
            self._loose.add(key)
        return self.place(dock, key)

    def place(self, dock: QDockWidget, key: str) -> QDockWidget:
        dock.setObjectName(f"dock_{self.spec.key}_{key}")  # saveState() needs unique names
        dock.setFeatures(FEATURES)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, dock)
        self.docks[key] = dock
        if key in self._loose:  # floating from the start: it never takes room from the arrangement
            dock.setFloating(True)
            dock.hide()
        if self._arranged and key not in self._loose:  # added after the arrangement: beside another
            others = [d for k, d in self.docks.items() if k != key and d.isVisible()]
            if others:
                self.tabifyDockWidget(others[-1], dock)
        return dock

    # --- the arrangement --------------------------------------------------------------------------

    def arrange(self, size: QSize | None = None) -> None:
        """The default arrangement, for ``size`` (default: the page's own size)."""
        self._maximised = None
        size = size or self.size()
        for key, dock in self.docks.items():
            if key not in self._loose:
                self.removeDockWidget(dock)
                dock.setFloating(False)
        layout, present = self.spec.layout, set(self.docks) - self._loose
        first = _first(layout, present)
        if first is not None:
            self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.docks[first])
            self._place(layout, present)
        for k in _leaves(layout):
            if k in present:
                self.docks[k].show()
        extra = [k for k in self.docks if k in present and k not in _leaves(layout)]
        for k in extra:  # a dock the arrangement does not name goes behind the first one
            self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.docks[k])
            if first is not None:
                self.tabifyDockWidget(self.docks[first], self.docks[k])
            self.docks[k].show()
        self._raise_fronts(layout, present)
        self._resize(layout, present, size.width(), size.height())
        self._arranged = True
        self._sized = self.isVisible()

    def _place(self, node, present: set[str]) -> None:
        """Split the area of ``node``'s first dock into its parts, then each part (outermost first)."""
        if isinstance(node, Tabs):
            keys = [k for k in node.keys if k in present]
            for k in keys[1:]:
                self.tabifyDockWidget(self.docks[keys[0]], self.docks[k])
            return
        parts = [(p, f) for p, f in node.parts if _first(p, present) is not None]
        orientation = Qt.Orientation.Horizontal if node.horizontal else Qt.Orientation.Vertical
        anchors = [_first(p, present) for p, _ in parts]
        for a, b in zip(anchors, anchors[1:]):
            self.splitDockWidget(self.docks[a], self.docks[b], orientation)
        for p, _ in parts:
            self._place(p, present)

    def _raise_fronts(self, node, present: set[str]) -> None:
        if isinstance(node, Tabs):
            front = next((k for k in node.keys if k in present), None)
            if front is not None:
                self.docks[front].raise_()
            return
        for p, _ in node.parts:
            self._raise_fronts(p, present)

    def _resize(self, node, present: set[str], w: int, h: int) -> None:
        if isinstance(node, Tabs):
            return
        parts = [(p, f) for p, f in node.parts if _first(p, present) is not None]
        total = sum(f for _, f in parts) or 1.0
        extent = w if node.horizontal else h
        sizes = [max(40, int(extent * f / total)) for _, f in parts]
        orientation = Qt.Orientation.Horizontal if node.horizontal else Qt.Orientation.Vertical
        self.resizeDocks([self.docks[_first(p, present)] for p, _ in parts], sizes, orientation)
        for (p, _), s in zip(parts, sizes):
            self._resize(p, present, s if node.horizontal else w, h if node.horizontal else s)

    def setup(self, remembered: bool) -> None:
        """Once every dock is added: the remembered arrangement (``remembered``) if there is one,
        else the default one (its sizes are set again at the real size when first shown)."""
        if not (remembered and self.restore_layout()):
            self.arrange()
        else:
            self._arranged = self._sized = True

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._arranged and not self._sized:
            self._sized = True
            present = set(self.docks) - self._loose
            self._resize(self.spec.layout, present, self.width(), self.height())

    # --- maximising one panel ---------------------------------------------------------------------

    @property
    def maximised(self) -> str:
        return self._maximised[0] if self._maximised else ""

    def toggle_maximised(self, key: str) -> None:
        """Show dock ``key`` alone in the page, or, if it already is, put the others back."""
        if self._maximised is not None:
            shown_alone, hidden, state = self._maximised
            self._maximised = None
            if not self.restoreState(state, LAYOUT_VERSION):  # the sizes too, not only the docks
                for k in hidden:
                    self.docks[k].show()
            self.sigMaximised.emit("")
            if shown_alone == key or key not in self.docks:
                return
        if key not in self.docks:
            return
        state = self.saveState(LAYOUT_VERSION)
        hidden = [k for k, d in self.docks.items() if k != key and d.isVisible() and not d.isFloating()]
        for k in hidden:
            self.docks[k].hide()
        self.docks[key].show()
        self.docks[key].raise_()
        self._maximised = (key, hidden, state)
        self.sigMaximised.emit(key)

    # --- remembering ------------------------------------------------------------------------------

    def _settings_key(self) -> str:
        return f"workspaces/{self.spec.key}"

    def save_layout(self) -> None:
        if not self._arranged:
            return
        if self._maximised is not None:  # remember the arrangement, not the zoom
            self.toggle_maximised(self._maximised[0])
        s = settings()
        s.setValue(self._settings_key(), self.saveState(LAYOUT_VERSION))

    def restore_layout(self) -> bool:
        """The remembered arrangement, if there is one and it fits the page; False otherwise."""
        state = settings().value(self._settings_key())
        if not isinstance(state, QByteArray) or state.isEmpty():
            return False
        if not self.restoreState(state, LAYOUT_VERSION):
            return False
        hint, room = self.minimumSizeHint(), self.size()
        if room.width() > 0 and (hint.width() > room.width() or hint.height() > room.height()):
            return False  # saved on a larger screen: dropped (the caller arranges anew)
        return True
