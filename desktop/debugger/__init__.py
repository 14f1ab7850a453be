"""The debugger's docks: breakpoints, watch list, training health (core logic in core.debugger).

The main window calls, once, at the end of its construction::

    install_breakpoints(window)   # Breakpoints dock, Debug menu, "Break at …" on editor blocks
    install_watch(window)         # Watch dock
    install_health(window)        # Health dock

and, for sessions, ``debugger_to_extra(window)`` (merge into save_session's ``extra``) and
``restore_debugger(window, session.extra)`` after a session is opened.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMenu


def debug_menu(window) -> QMenu:
    """The window's Debug menu (object name "menu_debug"), created before Help the first time."""
    mb = window.menuBar()
    for action in mb.actions():
        m = action.menu()
        if m is not None and (m.objectName() == "menu_debug" or m.title().replace("&", "") == "Debug"):
            return m
    m = QMenu("&Debug", mb)
    m.setObjectName("menu_debug")
    help_action = next((a for a in mb.actions() if a.menu() is not None
                        and a.menu().title().replace("&", "") == "Help"), None)
    if help_action is not None:
        mb.insertMenu(help_action, m)
    else:
        mb.addMenu(m)
    return m


def add_dock(window, key: str, title: str, widget):
    """A dock like the panels' (desktop.docks.make_dock), registered in ``window.docks``.

    Placed tabbed behind the equation panel (bottom right) when there is one; Reset layout puts
    it on the right, as any panel added later."""
    from desktop import docks as dk

    dock = dk.make_dock(window, key, title, widget)
    host = window.docks.get("equation") or window.docks.get("curves")
    if host is not None and not host.isFloating():
        window.tabifyDockWidget(host, dock)
    else:
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
    window.docks[key] = dock
    dock.show()
    return dock


def install_breakpoints(window):
    from desktop.debugger.breakpoints_dock import install_breakpoints as f

    return f(window)


def install_watch(window):
    from desktop.debugger.watch_dock import install_watch as f

    return f(window)


def install_health(window):
    from desktop.debugger.health_dock import install_health as f

    return f(window)


def debugger_to_extra(window) -> dict:
    """Breakpoints and watches as JSON-safe data for core.session's ``extra``."""
    from desktop.debugger.breakpoints_dock import breakpoints_to_extra
    from desktop.debugger.watch_dock import watches_to_extra

    return {**breakpoints_to_extra(window), **watches_to_extra(window)}


def restore_debugger(window, extra: dict) -> None:
    """Put a session's breakpoints and watches back (keys missing from ``extra`` change nothing)."""
    from desktop.debugger.breakpoints_dock import restore_breakpoints
    from desktop.debugger.watch_dock import restore_watches

    restore_breakpoints(window, extra)
    restore_watches(window, extra)

