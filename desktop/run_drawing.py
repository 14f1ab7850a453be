"""While Run trains: draw the newest view at a throttled rate, one panel per event-loop turn.

The worker sends views; only the newest is drawn (coalesced), and a draw does not begin before
the GUI thread's CPU time since the last one began — the drawing, the painting Qt does after it,
everything else the GUI did — is ``DRAW_SHARE`` of the wall time, so the rest of the machine
trains. The panels are still redrawn at least every ``MAX_REDRAW_GAP`` seconds (a first draw,
with every cell to lay out, is slow). The bridge is told when the next draw may begin
(``bridge.next_view_at``), so the worker does not make views (an iteration run phase by phase,
every array kept) that would be thrown away.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer

DRAW_SHARE = 0.04  # while running, the GUI thread's CPU time is at most this share of the wall time
MAX_REDRAW_GAP = 2.0  # s: ... but the panels are redrawn at least this often


class RunDrawer(QObject):
    """``steps(view)`` gives the draw of a view as small callables, each run in its own turn."""

    def __init__(self, bridge, steps: Callable[[object], list[Callable[[], None]]], parent=None):
        super().__init__(parent)
        self.bridge = bridge
        self._steps_of = steps
        self._pending = None  # the newest view not drawn yet
        self._steps: list[Callable[[], None]] = []
        self._scheduled = False
        self._began = (0.0, 0.0)  # (wall clock, GUI thread CPU time) when the last draw began

    def start(self) -> None:
        """Run began: the CPU budget starts now, and the first view may come at once."""
        self._began = (time.perf_counter(), time.thread_time())
        self.bridge.next_view_at = 0.0

    def stop(self) -> None:
        """Run ended: drop any pending or half-drawn view (the bridge sends the final one)."""
        self._steps, self._pending = [], None

    def offer(self, view) -> None:
        """A view arrived while running."""
        self._pending = view
        if not self._steps and not self._scheduled:
            self._schedule()

    def _earliest(self) -> float:
        wall, cpu = self._began
        return wall + min((time.thread_time() - cpu) / DRAW_SHARE, MAX_REDRAW_GAP)

    def _schedule(self) -> None:
        self._scheduled = True
        delay = self._earliest() - time.perf_counter()
        QTimer.singleShot(int(max(0.0, delay) * 1000), self, self._begin)

    def _begin(self) -> None:
        self._scheduled = False
        view, self._pending = self._pending, None
        if view is None or not self.bridge.running:
            return
        self._began = (time.perf_counter(), time.thread_time())
        self._steps = self._steps_of(view)
        QTimer.singleShot(0, self, self._next)

    def _next(self) -> None:
        if not self._steps:
            return
        self._steps.pop(0)()
        if self._steps:
            QTimer.singleShot(0, self, self._next)
            return
        self.bridge.next_view_at = self._earliest()  # the worker makes no view sooner
        if self._pending is not None and not self._scheduled:
            self._schedule()
