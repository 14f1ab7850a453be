"""Dock creation, the default arrangement, and the layout remembered in QSettings.

Default at ~1600×1000 (see ``arrange_default``): the panels get most of the room; the controls
and the data form a narrow column on the left; the network editor is a tab beside the panels.
Every dock can be moved, floated, closed and re-opened from the View menu.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, Qt
from PySide6.QtWidgets import QDockWidget, QMainWindow, QWidget

from desktop import settings

LAYOUT_VERSION = 6  # bump when the default arrangement changes, so old saved layouts are dropped
AREA = Qt.DockWidgetArea


def make_dock(window: QMainWindow, key: str, title: str, widget: QWidget) -> QDockWidget:
    dock = QDockWidget(title, window)
    dock.setObjectName(f"dock_{key}")  # saveState() needs unique object names
    dock.setWidget(widget)
    dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                     | QDockWidget.DockWidgetFeature.DockWidgetFloatable
                     | QDockWidget.DockWidgetFeature.DockWidgetClosable)
    window.addDockWidget(AREA.LeftDockWidgetArea, dock)
    return dock


TOP = ("input", "feature_maps", "error_maps")
BOTTOM = ("output", "equation", "editor")
# tabbed behind the first; the first of each group is the one raised at start
TABS = {"editor": ("filters", "gradients", "update", "curves")}
LEFT = ("controls", "data")
LEFT_WIDTH = 330  # px: the step buttons and settings; the thumbnails wrap
WIDTHS = {"input": 230, "feature_maps": 490, "error_maps": 540, "output": 310, "equation": 330, "editor": 630}
HEIGHTS = {"top": 540, "bottom": 370, "controls": 330, "data": 580}


def arrange_default(window: QMainWindow, docks: dict[str, QDockWidget]) -> None:  # noqa: C901 - to be split along its seams (#9)
    """The default layout; panels missing from ``docks`` are skipped.

    Most of the room goes to the panels. Left, narrow: the controls above the data. Right, on
    top: input, feature maps and error maps; below: the output, the equation, and the network
    editor (it needs ~620 px: palette, canvas and property form side by side) tabbed with the
    filters, the weight gradients, the update and the curves.
    """
    horiz, vert = Qt.Orientation.Horizontal, Qt.Orientation.Vertical
    if window.centralWidget() is None:  # docks only: a zero-sized centre, so the docks share all the room
        centre = QWidget()
        centre.setMaximumSize(0, 0)
        window.setCentralWidget(centre)
    for dock in docks.values():
        window.removeDockWidget(dock)
        dock.setFloating(False)
    left = [k for k in LEFT if k in docks]
    top = [k for k in TOP if k in docks]
    bottom = [k for k in BOTTOM if k in docks]
    for k in left:
        window.addDockWidget(AREA.LeftDockWidgetArea, docks[k], vert)
        docks[k].show()
    rows = [r for r in (top, bottom) if r]
    if rows:
        window.addDockWidget(AREA.RightDockWidgetArea, docks[rows[0][0]], vert)
        if len(rows) > 1:
            window.splitDockWidget(docks[rows[0][0]], docks[rows[1][0]], vert)
        for row in rows:
            for a, b in zip(row, row[1:]):
                window.splitDockWidget(docks[a], docks[b], horiz)
        for k in top + bottom:
            docks[k].show()
    placed = set(left + top + bottom)
    for host, extras in TABS.items():
        for k in extras:
            if k in docks:
                if host in docks:
                    window.tabifyDockWidget(docks[host], docks[k])
                else:
                    window.addDockWidget(AREA.RightDockWidgetArea, docks[k], horiz)
                docks[k].show()
                placed.add(k)
        if host in docks:
            docks[host].raise_()
    for k, dock in docks.items():  # any panel added later
        if k not in placed:
            window.addDockWidget(AREA.RightDockWidgetArea, dock, horiz)
            dock.show()
    if left:
        window.resizeDocks([docks[left[0]]], [LEFT_WIDTH], horiz)
        window.resizeDocks([docks[k] for k in left], [HEIGHTS[k] for k in left], vert)
    if top and bottom:
        window.resizeDocks([docks[top[0]], docks[bottom[0]]], [HEIGHTS["top"], HEIGHTS["bottom"]], vert)
    for row in (top, bottom):
        if row:
            window.resizeDocks([docks[k] for k in row], [WIDTHS[k] for k in row], horiz)


def arrange_debugger(window: QMainWindow, docks: dict[str, QDockWidget]) -> None:
    """The debugger's docks, once installed: the timeline's slider row is wide, so it is tabbed
    beside the (as wide) network editor; the equation panel stays in front of the docks tabbed
    behind it."""
    if "editor" in docks and "timeline" in docks:
        window.tabifyDockWidget(docks["editor"], docks["timeline"])
        docks["editor"].raise_()
    if "equation" in docks:
        docks["equation"].raise_()


def save_layout(window: QMainWindow) -> None:
    s = settings()
    s.setValue("window/geometry", window.saveGeometry())
    s.setValue("window/state", window.saveState(LAYOUT_VERSION))
    s.sync()


def restore_layout(window: QMainWindow) -> bool:
    """Restore the remembered geometry and dock layout; False if there is none (or it is outdated)."""
    s = settings()
    geometry, state = s.value("window/geometry"), s.value("window/state")
    if isinstance(geometry, QByteArray) and not geometry.isEmpty():
        window.restoreGeometry(geometry)
    if isinstance(state, QByteArray) and not state.isEmpty():
        return bool(window.restoreState(state, LAYOUT_VERSION))
    return False
