"""What the debugger's tools need from the window they live in: the DebuggerHost protocol.

The main window implements it; each tool's installer takes a host, adds its dock or menu entry
through it and returns its widget (the window keeps them in ``window.debugger``, a DebuggerTools).
No installer sets attributes on the window or calls its private methods.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from PySide6.QtWidgets import QDockWidget, QMenu, QWidget

from core.registry import Registry
from core.view import StepView
from core.workspace import Workspace


class DebuggerHost(Protocol):
    """The window, as the debugger's tools see it."""

    workspace: Workspace  # the model: every operation, the breakpoints, the timeline
    bridge: Any  # desktop.bridge.EngineBridge: the workspace's events as Qt signals
    registry: Registry

    def add_dock(self, key: str, title: str, widget: QWidget) -> QDockWidget:
        """Dock ``widget`` among the debugger's docks (remembered in the layout under ``key``)."""

    def place_dock(self, dock: QDockWidget, key: str) -> QDockWidget:
        """Place a tool that is a dock itself, as ``add_dock`` does."""

    def debug_menu(self) -> QMenu:
        """The Debug menu."""

    def add_block_menu(self, fn: Callable[[str, QMenu], None]) -> None:
        """``fn(layer name, menu)`` adds entries to a network-editor block's context menu."""

    def show_view(self, view: StepView) -> None:
        """Draw ``view`` (a recorded moment) in every panel, as a step would."""

    def current_view(self) -> StepView:
        """The view the panels show now (the present, or a recorded moment being looked at)."""

    def show_info(self, message: str, ms: int = 6000) -> None: ...

    def show_error(self, message: str) -> None: ...

    def plugins_reloaded(self, type_ids: set[str]) -> None:
        """Layer classes were reloaded: palette, editor and, if it uses them, the network follow."""


@dataclass
class DebuggerTools:
    """The widgets the installers returned, for the window (and tests) to reach."""

    breakpoints: Any
    watch: Any
    health: Any
    formula: Any
    timeline: Any
    what_if: Any  # the Debug › What if… action
    verify: Any  # the Debug › Verify backward menu
    plugin_watcher: Any
    plugins: Any  # the "My plugins" dock's widget
