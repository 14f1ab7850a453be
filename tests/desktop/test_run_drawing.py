"""RunDrawer: while Run trains, only the newest view is drawn, within the GUI's CPU budget."""

from __future__ import annotations

import re
import time
from types import SimpleNamespace

from desktop.run_drawing import DRAW_SHARE, MAX_REDRAW_GAP, RunDrawer


def busy(seconds: float) -> None:
    end = time.thread_time() + seconds
    while time.thread_time() < end:
        pass


def test_only_the_newest_view_is_drawn_and_the_next_waits_for_the_budget(qtbot):
    bridge = SimpleNamespace(running=True, next_view_at=0.0)
    drawn: list[tuple] = []
    began: list[float] = []
    d = RunDrawer(bridge, lambda view: [lambda: began.append(time.perf_counter()), lambda: busy(0.03),
                                        lambda: drawn.append((view, time.perf_counter()))])
    d.start()
    d.offer("v1")
    d.offer("v2")  # before the first draw began: v1 is never drawn
    qtbot.waitUntil(lambda: len(drawn) == 1, timeout=2000)
    assert drawn[0][0] == "v2"
    # the draw took >= 30 ms of the GUI thread's CPU: no view is wanted, or drawn, sooner than
    # 30 ms / DRAW_SHARE after it began
    assert bridge.next_view_at >= began[0] + min(0.03 / DRAW_SHARE, MAX_REDRAW_GAP) - 0.05
    due = bridge.next_view_at
    d.offer("v3")
    qtbot.waitUntil(lambda: len(drawn) == 2, timeout=5000)
    assert drawn[1][0] == "v3" and drawn[1][1] >= due - 0.02


def test_a_stopped_run_drops_what_was_pending(qtbot):
    bridge = SimpleNamespace(running=True, next_view_at=0.0)
    drawn: list = []
    d = RunDrawer(bridge, lambda view: [lambda: drawn.append(view)])
    d.start()
    d.offer("v1")
    d.stop()
    bridge.running = False
    qtbot.wait(100)
    assert drawn == []


def test_the_worker_reports_progress_often_but_makes_views_only_when_the_gui_would_draw(qtbot):
    from core.runner import VIEW_RATE
    from core.workspace import Workspace
    from desktop.bridge import EngineBridge

    b = EngineBridge(Workspace(batch_size=8))
    views, ticks = [], []
    b.sigView.connect(lambda v: views.append(v))
    b.sigProgress.connect(lambda *a: ticks.append(a))

    def run_for(seconds: float) -> None:
        views.clear(), ticks.clear()
        b.run()
        qtbot.wait(int(seconds * 1000))
        b.pause()
        qtbot.waitUntil(lambda: not b.running, timeout=10000)

    b.next_view_at = time.perf_counter() + 3600  # a GUI that will not draw for an hour
    run_for(4 / VIEW_RATE)
    assert len(ticks) >= 2  # progress and speed keep coming
    assert len(views) == 1  # only the final one, sent when the run ends
    assert ticks[-1][1] == b.stepper.batches_per_epoch and re.fullmatch(r"epoch \d+: ", ticks[-1][2])
    b.next_view_at = 0.0  # a GUI ready to draw
    run_for(4 / VIEW_RATE)
    assert len(views) >= 3  # views during the run, and the final one
