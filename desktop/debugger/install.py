"""Puts the whole debugger into a host window (desktop.debugger.host): docks, the Debug menu."""

from __future__ import annotations

from desktop.debugger.breakpoints_dock import install_breakpoints
from desktop.debugger.formula_view import install_formula_view
from desktop.debugger.health_dock import install_health
from desktop.debugger.host import DebuggerHost, DebuggerTools
from desktop.debugger.plugin_watcher import install_plugin_watcher
from desktop.debugger.timeline_dock import install_timeline
from desktop.debugger.verify_dialog import install_verify
from desktop.debugger.watch_dock import install_watch
from desktop.debugger.what_if_dialog import install_what_if


def install_debugger(host: DebuggerHost) -> DebuggerTools:
    """Every debugger tool, once, before the remembered dock layout is restored."""
    breakpoints = install_breakpoints(host)
    watch = install_watch(host)
    health = install_health(host, breakpoints)
    formula = install_formula_view(host)
    verify = install_verify(host)
    timeline = install_timeline(host)
    what_if = install_what_if(host)
    watcher, plugins = install_plugin_watcher(host)
    return DebuggerTools(breakpoints, watch, health, formula, timeline, what_if, verify, watcher, plugins)
