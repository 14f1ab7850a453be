"""Run: train whole iterations until told to stop, the epoch ends or a count is done (Qt-free).

The policy of a long run, apart from the thread it runs on (desktop.bridge gives it a QThread):

* Without enabled breakpoints, iterations go on the engine's fast path (no snapshots).
  ``VIEW_RATE`` times a second the runner reports progress and speed and refreshes the
  workspace's boundary state (so an autosave during a run saves where it is); when the window
  would draw (``workspace.next_view_at``) it runs one iteration phase by phase, so the panels get
  real arrays. The last iteration of a counted run or of "finish the epoch" is also run phase by
  phase, so the panels end on the same iteration as the counters.
* With enabled breakpoints every phase is run and recorded (core.debugger.breakpoints), and the
  run stops at the first hit, just after the phase that hit.

Everything the runner emits goes through the workspace's events, from the runner's thread.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING

from core.debugger.breakpoints import Hit, context_for, run_until_break

if TYPE_CHECKING:
    from core.workspace import Workspace

VIEW_RATE = 3.0  # progress reports (and, when the window would draw, views) per second


class Runner:
    """One run of ``workspace``: ``iterations`` (None: until stopped) or to the epoch's end."""

    def __init__(self, workspace: Workspace, iterations: int | None = None, until_epoch_end: bool = False):
        self.ws = workspace
        self.iterations = iterations
        self.until_epoch_end = until_epoch_end
        self.stop_event = threading.Event()
        self.error: tuple[str, str] | None = None  # (message, layer) if a phase raised
        self.hit: Hit | None = None
        self.done = 0
        st = workspace.stepper
        self._start_epoch = st.epoch
        self._total = iterations or 0  # (the epoch's runs count the epoch's iterations: progress())
        self._next_tick = 0.0
        self._t0 = 0.0

    def stop(self) -> None:
        """Ask the run to stop after the current iteration (cooperative)."""
        self.stop_event.set()

    # --- when to stop, report and show --------------------------------------------------------------

    def finished(self) -> bool:
        st = self.ws.stepper
        if self.stop_event.is_set():
            return True
        if self.iterations is not None and self.done >= self.iterations:
            return True
        return self.until_epoch_end and st.epoch != self._start_epoch

    def _last_one(self) -> bool:
        """The next iteration ends the epoch of a finish-the-epoch run."""
        st = self.ws.stepper
        if self.until_epoch_end and st.epoch == self._start_epoch:
            return st.offset + st.batch_size >= st.n_train
        return False

    def _tick_due(self) -> bool:
        return time.perf_counter() >= self._next_tick

    def _view_wanted(self) -> bool:
        return time.perf_counter() >= self.ws.next_view_at

    def progress(self) -> tuple[int, int, str]:
        """(done, total, what they count): a counted run its iterations; Run and "finish the epoch"
        the epoch's, as the status bar counts them (iteration k of the epoch's n)."""
        if self._total:
            return self.done, self._total, ""
        st = self.ws.stepper
        size = max(st.batch_size, 1)
        if self.until_epoch_end and st.epoch != self._start_epoch:  # (done: the epoch it finished)
            return st.batches_per_epoch, st.batches_per_epoch, f"epoch {self._start_epoch + 1}: "
        return -(-st.offset // size), st.batches_per_epoch, f"epoch {st.epoch + 1}: "

    def _report(self, view: bool) -> None:
        ws = self.ws
        now = time.perf_counter()
        ws.speed = self.done / max(now - self._t0, 1e-9)
        ws._refresh_boundary()
        if view:
            ws.events.view.emit(ws.view())
        ws.events.progress.emit(*self.progress())
        self._next_tick = now + 1.0 / VIEW_RATE

    # --- the run ----------------------------------------------------------------------------------

    def run(self) -> None:
        """Train (on the calling thread) until finished; errors end up in ``self.error``."""
        ws, st = self.ws, self.ws.stepper
        self._t0 = time.perf_counter()
        self._next_tick = self._t0 + 1.0 / VIEW_RATE
        try:
            if ws.breakpoints.any_enabled:
                self._run_to_break()
            else:
                self._run_fast()
        except Exception as exc:  # noqa: BLE001 - a plugin may raise anything; the app must live
            self.error = ws._locate_error(exc)
            st.cancel_iteration()
        if self.done:
            ws.speed = self.done / max(time.perf_counter() - self._t0, 1e-9)
        ws._refresh_boundary()

    def _run_to_break(self) -> None:
        ws = self.ws

        def on_snapshot(snap) -> None:  # every phase is recorded, views throttled
            ws._add(snap)
            if snap.kind != "update":
                return
            self.done += 1
            if self._tick_due() and not self.finished():
                self._report(self._view_wanted())

        self.hit = run_until_break(ws.stepper, ws.breakpoints, self.finished, on_snapshot,
                                   context=lambda: context_for(ws.stepper, ws.focus))
        ws.last_hit = self.hit

    def _run_fast(self) -> None:
        ws, st = self.ws, self.ws.stepper
        if st.position or st.given_batch:  # a half-stepped iteration, or a given batch: phase by phase,
            # so that it is recorded with its arrays (the timeline could not replay a given batch)
            ws._phases_to_boundary()
            self.done += 1
        while not self.finished():
            # (a counted run leaves its last iteration to the phase-by-phase step below)
            self.done += st.run(None if self.iterations is None else self.iterations - self.done - 1,
                                until_epoch_end=self.until_epoch_end and st.epoch == self._start_epoch,
                                should_stop=lambda: self.finished() or self._tick_due() or self._last_one(),
                                on_iteration=ws._after_iteration)
            if self.finished():
                break
            counted_last = self.iterations is not None and self.done == self.iterations - 1
            view = self._view_wanted() or self._last_one() or counted_last
            if view:  # one iteration phase by phase, so the panels get its arrays
                ws._phases_to_boundary()
                self.done += 1
            self._report(view)
