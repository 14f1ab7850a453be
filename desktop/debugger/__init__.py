"""The debugger's docks and dialogs (their logic is in core.debugger); installed by ``install``.

Each tool has an installer taking a DebuggerHost (desktop.debugger.host: the main window) and
returning its widget; ``install.install_debugger(host)`` installs them all and returns the
DebuggerTools. For sessions, ``debugger_to_extra(tools)`` gives what to merge into the session's
``extra`` and ``restore_debugger(tools, extra)`` puts it back after a session is opened.
"""

from __future__ import annotations

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


def debugger_to_extra(tools) -> dict:
    """Breakpoints and watches as JSON-safe data for core.session's ``extra``."""
    return {"breakpoints": tools.breakpoints.breakpoints.to_list(), "watches": tools.watch.watches.to_list()}


def restore_debugger(tools, extra: dict) -> None:
    """Put a session's breakpoints and watches back (keys missing from ``extra`` change nothing)."""
    tools.breakpoints.restore(extra)
    tools.watch.restore(extra)
