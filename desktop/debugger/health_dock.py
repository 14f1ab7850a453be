"""The Health dock: per layer, saturated/dead unit fraction, update-to-weight ratio and norms.

Figures come from core.debugger.health, computed on every view from the iteration's arrays
(a figure whose phase has not run yet shows "—"). Warning colours: more than half the units
saturated or dead; an update-to-weight ratio outside [1e-4, 1e-2] (the usual ~1e-3 rule).
A row's context menu adds the matching breakpoint condition.
"""

from __future__ import annotations

import math

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QLabel,
    QMenu,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.debugger.health import LayerHealth, layer_health
from desktop.tables import read_only_table

WARN = QColor("#e67e22")
BAD_FRACTION = 0.5
RATIO_RANGE = (1e-4, 1e-2)
COLUMNS = (
    ("Layer", "The layer's name"),
    ("Type", "The layer type"),
    ("Saturated / dead", "Sigmoid: share of a < 0.02 or a > 0.98; tanh: |a| > 0.98 (over the batch).\n"
                         "ReLU: share of units that output 0 for every sample of the batch."),
    ("Update / weight", "‖Δθ‖ / ‖θ‖ of the last update (all the layer's parameters); ~1e-3 is healthy."),
    ("‖∂L/∂θ‖", "Norm of the layer's parameter gradients (batch-averaged)."),
    ("‖a‖", "Norm of the layer's output over the batch."),
    ("‖∂L/∂in‖", "Norm of the error the layer passes back to its input."),
)


def _num(v: float | None) -> str:
    if v is None:
        return "—"
    if not math.isfinite(v):
        return str(v)
    return f"{v:.3g}" if 1e-3 <= abs(v) < 1e4 or v == 0 else f"{v:.2e}"


def row_texts(h: LayerHealth) -> list[str]:
    frac = h.saturated if h.saturated is not None else h.dead
    frac_text = "—" if frac is None else f"{frac:.1%} {'saturated' if h.saturated is not None else 'dead'}"
    return [h.layer, h.type, frac_text, _num(h.update_ratio), _num(h.grad_norm), _num(h.act_norm),
            _num(h.grad_in_norm)]


class HealthDock(QWidget):
    """A table with one row per layer, refreshed on every view."""

    title = "Health"

    def __init__(self, parent=None):
        super().__init__(parent)
        self.health: list[LayerHealth] = []
        self._last_ratio: dict[str, tuple[int, float]] = {}  # layer -> (iteration, ratio) of the last update seen
        self.add_breakpoint = None  # callable(Breakpoint) set by install_health when breakpoints exist
        self.caption = QLabel("Per layer, for the shown iteration")
        self.caption.setStyleSheet("color: gray;")
        self.table = read_only_table(COLUMNS)
        lay = QVBoxLayout(self)
        lay.addWidget(self.caption)
        lay.addWidget(self.table, 1)

    def update_view(self, view) -> None:
        self.health = layer_health(view.nodes, view.arrays)
        if view.phase is None:
            self._last_ratio.clear()
        for h in self.health:
            if h.update_ratio is not None:
                self._last_ratio[h.layer] = (view.iteration, h.update_ratio)
        self.caption.setText("Per layer, before any step" if view.phase is None else
                             f"Per layer, iteration {view.iteration + 1} up to {view.phase}")
        t = self.table
        t.setRowCount(len(self.health))
        for row, h in enumerate(self.health):
            for col, text in enumerate(row_texts(h)):
                item = t.item(row, col)
                if item is None:
                    item = QTableWidgetItem()
                    t.setItem(row, col, item)
                item.setText(text)
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                                      if col >= 2 else Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
                item.setData(Qt.ItemDataRole.ForegroundRole, None)
            frac = h.saturated if h.saturated is not None else h.dead
            if frac is not None and frac > BAD_FRACTION:
                t.item(row, 2).setForeground(WARN)
            r = h.update_ratio
            ratio_item = t.item(row, 3)
            ratio_item.setToolTip("")
            if r is None and h.layer in self._last_ratio and self._last_ratio[h.layer][0] < view.iteration:
                it, r = self._last_ratio[h.layer]
                ratio_item.setText(_num(r))
                ratio_item.setForeground(QColor("gray"))
                ratio_item.setToolTip(f"From the update of iteration {it + 1} (this iteration's is not done yet)")
            elif r is not None and not (RATIO_RANGE[0] <= r <= RATIO_RANGE[1]):
                ratio_item.setForeground(WARN)

    def value(self, layer: str, column: str):
        """A figure by layer and field name of LayerHealth (for tests and scripts)."""
        h = next((h for h in self.health if h.layer == layer), None)
        return None if h is None else getattr(h, column)

    def contextMenuEvent(self, event) -> None:
        row = self.table.currentRow()
        if self.add_breakpoint is None or not 0 <= row < len(self.health):
            return
        from core.debugger.breakpoints import HealthBreakpoint

        h = self.health[row]
        menu = QMenu(self)
        if h.saturated is not None:
            menu.addAction(f"Break when {h.layer} is over 50% saturated",
                           lambda: self.add_breakpoint(HealthBreakpoint(h.layer, "saturated", ">", 0.5)))
        if h.dead is not None:
            menu.addAction(f"Break when over 50% of {h.layer} is dead",
                           lambda: self.add_breakpoint(HealthBreakpoint(h.layer, "dead", ">", 0.5)))
        if h.grad_norm is not None or h.update_ratio is not None:
            menu.addAction(f"Break when {h.layer}'s update/weight ratio > 1e-2",
                           lambda: self.add_breakpoint(HealthBreakpoint(h.layer, "update_ratio", ">", 1e-2)))
        if not menu.isEmpty():
            menu.exec(event.globalPos())


def install_health(host, breakpoints) -> HealthDock:
    """Add the Health dock (updated on every view) and its Debug-menu entry; its "Break when …"
    entries add to ``breakpoints`` (the BreakpointsDock)."""
    widget = HealthDock()
    dock = host.add_dock("health", "Health", widget)
    pending = []

    def on_view(view) -> None:
        # a dock tabbed out of sight waits until it is shown: its table costs more than a panel
        if widget.visibleRegion().isEmpty():
            pending[:] = [view]
        else:
            widget.update_view(view)

    def on_shown(visible: bool) -> None:
        if visible and pending:
            widget.update_view(pending.pop())

    host.bridge.sigView.connect(on_view)
    dock.visibilityChanged.connect(on_shown)
    widget.add_breakpoint = breakpoints.add
    host.debug_menu().addAction(dock.toggleViewAction())
    widget.update_view(host.workspace.view())
    return widget
