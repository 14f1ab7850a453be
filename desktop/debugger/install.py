"""Puts the whole debugger into a main window: docks, the Debug menu, clicks on panel elements."""

from __future__ import annotations

from desktop.debugger import install_breakpoints, install_health, install_watch
from desktop.debugger.formula_view import install_formula_view
from desktop.debugger.plugin_watcher import install_plugin_watcher
from desktop.debugger.timeline_dock import install_timeline
from desktop.debugger.verify_dialog import install_verify
from desktop.debugger.what_if_dialog import install_what_if


def install_debugger(window) -> None:
    """Every debugger tool, once, before the remembered dock layout is restored."""
    install_breakpoints(window)
    install_watch(window)
    install_health(window)
    install_formula_view(window)
    install_verify(window)
    install_timeline(window)
    install_what_if(window)
    install_plugin_watcher(window)
    # the timeline's slider row is wide: beside the (as wide) network editor it costs no width
    if "editor" in window.docks and "timeline" in window.docks:
        window.tabifyDockWidget(window.docks["editor"], window.docks["timeline"])
        window.docks["editor"].raise_()
    if "equation" in window.docks:  # the debugger docks are tabbed behind it: keep it in front
        window.docks["equation"].raise_()
    for panel in window.panels.values():  # click an element of any map: its formula, with numbers
        panel.sigElementClicked.connect(window.explain_element)
