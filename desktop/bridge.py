"""The only adapter between the engine (core) and Qt: signals carrying immutable StepViews.

Phase and iteration steps run on the GUI thread (they take milliseconds). Run and "finish the
epoch" run in a worker QThread: whole iterations on the engine's fast path, polled between
iterations for pause/cancel. ``VIEW_RATE`` times a second they report progress and speed, and,
when the GUI would draw it (``next_view_at``), run one iteration phase by phase so that the
panels get real arrays to draw. While the worker runs, the GUI thread never
touches the Stepper; it only receives views (immutable) and reads ``boundary_state()``.

With enabled breakpoints (``bridge.breakpoints``, core.debugger.breakpoints) Run and "finish the
epoch" go phase by phase instead (core.debugger.breakpoints.run_until_break), recording every
phase, and stop at the first hit: ``sigBreak(hit)`` says which breakpoint and why, and the
stepper stays just after the phase that hit. ``add_iteration_hook(fn)`` lets tools (the timeline)
see every completed iteration, fast path included.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

from PySide6.QtCore import QObject, QThread, Signal

from core.debugger.breakpoints import BreakpointSet, Hit, context_for, run_until_break
from core.errors import BackstepError, DivergedError
from core.network import Network
from core.record import IterationRecord
from core.stepper import Stepper
from desktop.view_model import StepView

VIEW_RATE = 3.0  # views per second while running


def describe_error(exc: BaseException) -> str:
    if isinstance(exc, BackstepError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


class _Worker(QThread):
    """Runs iterations until told to stop, the epoch ends or ``iterations`` are done."""

    def __init__(self, bridge: EngineBridge, iterations: int | None, until_epoch_end: bool):
        super().__init__()
        self.bridge = bridge
        self.iterations = iterations
        self.until_epoch_end = until_epoch_end
        self.stop_event = threading.Event()
        self.error: tuple[str, str] | None = None
        self.hit: Hit | None = None

    def run(self) -> None:  # noqa: C901 - to be split along its seams (#9)
        b, st = self.bridge, self.bridge.stepper
        start_epoch, done = st.epoch, 0
        total = (math.ceil((st.n_train - st.offset) / st.batch_size) if self.until_epoch_end
                 else (self.iterations or 0))
        interval = 1.0 / VIEW_RATE
        next_tick = time.perf_counter() + interval  # progress and speed, VIEW_RATE times a second
        t0, n0 = time.perf_counter(), 0

        def finished() -> bool:
            if self.stop_event.is_set():
                return True
            if self.iterations is not None and done >= self.iterations:
                return True
            return self.until_epoch_end and st.epoch != start_epoch

        def last_one() -> bool:
            """The next iteration ends the epoch of a Finish-epoch run: it goes phase by phase, so
            the panels end on the same iteration as the counters."""
            if self.until_epoch_end and st.epoch == start_epoch:
                return st.offset + st.batch_size >= st.n_train
            return False

        def progress() -> tuple[int, int, str]:
            if total:
                return done, total, ""
            # open-ended (Run): where the current epoch is, a bar that moves (no busy animation,
            # which repaints the status bar sixty times a second while the worker trains)
            size = max(st.batch_size, 1)
            return -(-st.offset // size), st.batches_per_epoch, f"epoch {st.epoch + 1}: "

        def tick_due() -> bool:
            return time.perf_counter() >= next_tick

        def view_wanted() -> bool:  # the GUI would draw a view now (b.next_view_at)
            return time.perf_counter() >= b.next_view_at

        def should_stop() -> bool:
            return finished() or tick_due() or last_one()

        def report(view: bool) -> None:
            nonlocal next_tick
            now = time.perf_counter()
            b.speed = (done - n0) / max(now - t0, 1e-9)
            if view:
                b._emit_view()
            b.sigProgress.emit(*progress())
            next_tick = now + interval

        def on_snapshot(snap) -> None:  # the debug run: every phase is recorded, views throttled
            nonlocal done
            b._add(snap)
            if snap.kind != "update":
                return
            done += 1
            if tick_due() and not finished():
                report(view_wanted())

        try:
            if b.breakpoints.any_enabled:
                self.hit = run_until_break(st, b.breakpoints, finished, on_snapshot,
                                           context=lambda: context_for(st, b.focus))
                b.last_hit = self.hit
            else:
                if st.position:  # finish a half-stepped iteration phase by phase first
                    b._phases_to_boundary()
                    done += 1
                while not finished():
                    # (a counted run leaves its last iteration to the phase-by-phase step below)
                    done += st.run(None if self.iterations is None else self.iterations - done - 1,
                                   until_epoch_end=self.until_epoch_end and st.epoch == start_epoch,
                                   should_stop=should_stop,
                                   on_iteration=b._after_iteration if b._iteration_hooks else None)
                    if finished():
                        break
                    counted_last = self.iterations is not None and done == self.iterations - 1
                    view = view_wanted() or last_one() or counted_last
                    if view:  # one iteration phase by phase, so the panels get its arrays
                        b._phases_to_boundary()
                        done += 1
                    report(view)
        except Exception as exc:
            self.error = b._locate_error(exc)
            st.cancel_iteration()
        now = time.perf_counter()
        if done:
            b.speed = (done - n0) / max(now - t0, 1e-9)
        b._boundary = st.state()


class EngineBridge(QObject):
    """Owns the Stepper and the IterationRecord; every engine action of the GUI goes through here."""

    sigView = Signal(object)  # StepView
    sigProgress = Signal(int, int, str)  # done, total, what they count (a Run: the epoch's iterations)
    sigError = Signal(str, str)  # message, layer ("" if none)
    sigRunningChanged = Signal(bool)
    sigNetworkChanged = Signal()  # a new Network/Stepper (phases changed)
    sigBreak = Signal(object)  # core.debugger.breakpoints.Hit: a debug run stopped at a breakpoint

    def __init__(self, network: Network, dataset, dataset_name: str = "mnist-5k", *, batch_size: int = 32,
                 optimizer: str = "sgd", lr: float | None = None, seed: int = 0, parent=None):
        super().__init__(parent)
        self.dataset = dataset
        self.dataset_name = dataset_name
        self.stepper = Stepper(network, dataset, batch_size=batch_size, optimizer=optimizer, lr=lr, seed=seed)
        self.record = IterationRecord(0)
        self.last_record: IterationRecord | None = None  # the last complete iteration
        self.focus = 0
        self.speed = 0.0  # iterations per second of the last run
        # while running, the GUI sets when it will next draw: no view is made (an iteration run
        # phase by phase, every array kept) before it would be drawn
        self.next_view_at = 0.0
        self._worker: _Worker | None = None
        self._boundary = self.stepper.state()
        self.breakpoints = BreakpointSet()  # checked by Run / finish-epoch while any is enabled
        self.last_hit: Hit | None = None
        self._iteration_hooks: list[Callable] = []
        self._failed_hooks: set[int] = set()

    # --- state ------------------------------------------------------------------------------------

    @property
    def network(self) -> Network:
        return self.stepper.net

    @property
    def running(self) -> bool:
        return self._worker is not None

    def boundary_state(self) -> dict:
        """The state at the last iteration boundary (safe to call while running)."""
        if self.running:
            return self._boundary
        return self.stepper.state()

    def _shown_record(self) -> IterationRecord | None:
        if self.record.snapshots:
            return self.record
        return self.last_record

    def view(self) -> StepView:
        """A StepView of the current moment: the current iteration so far, or the last complete one."""
        st, rec = self.stepper, self._shown_record()
        nodes, classes = tuple(st.net.nodes), tuple(st.net.classes)
        if rec is None or not rec.snapshots:
            # before the first step: the batch the first iteration will take, nothing computed yet
            idx = st.next_batch_indices()
            x, y = st.data.x_train[idx], st.data.y_train[idx]
            return StepView(None, None, st.iteration, st.epoch, nodes, classes, x, y, {}, st.params_view(),
                            focus=min(self.focus, len(y) - 1), lr=st.lr, history=st.history.to_dict())
        snap = rec.last
        psg = None
        if rec is self.record and st.position > len(st.net.nodes) and not self.running:
            psg = self._per_sample_grads
        return StepView(snap.phase, snap.layer, snap.iteration, snap.epoch, nodes, classes, snap.x, snap.y,
                        rec.arrays, st.params_view(), tuple(rec.quantities), min(self.focus, len(snap.y) - 1),
                        st.lr, st.history.to_dict(), psg)

    def _per_sample_grads(self, layer: str, sample: int):
        if self.running or self.stepper.position <= len(self.stepper.net.nodes):
            return None
        try:
            return self.stepper.per_sample_grads(layer, sample)
        except Exception:
            return None

    def add_iteration_hook(self, fn: Callable) -> None:
        """Call ``fn(stepper)`` after every completed iteration — stepped, run phase by phase or on
        the fast path — on the thread that ran it (the worker while running): keep it short and
        thread-safe. When it was run phase by phase, ``last_record`` is already its record."""
        self._iteration_hooks.append(fn)

    def remove_iteration_hook(self, fn: Callable) -> None:
        if fn in self._iteration_hooks:
            self._iteration_hooks.remove(fn)

    def _after_iteration(self, *_args) -> None:
        for fn in tuple(self._iteration_hooks):
            try:
                fn(self.stepper)
            except Exception as exc:
                if id(fn) not in self._failed_hooks:
                    self._failed_hooks.add(id(fn))
                    self.sigError.emit(f"iteration hook {getattr(fn, '__qualname__', fn)}: {describe_error(exc)}", "")

    def _emit_view(self) -> None:
        self.sigView.emit(self.view())

    def set_focus(self, sample: int) -> None:
        sample = max(0, int(sample))
        if sample == self.focus:
            return
        self.focus = sample
        if not self.running:
            self._emit_view()

    # --- stepping (GUI thread) ----------------------------------------------------------------------

    def _add(self, snap) -> None:
        if snap.iteration != self.record.iteration or (snap.phase_index == 0 and self.record.snapshots):
            self.record = IterationRecord(snap.iteration)
        self.record.add(snap)
        if snap.kind == "update":
            self.last_record, self.record = self.record, IterationRecord(snap.iteration + 1)
            if self._iteration_hooks:
                self._after_iteration()

    def _phases_to_boundary(self) -> None:
        """Run the rest of the current iteration (or a whole one) phase by phase, recording it."""
        st = self.stepper
        self._add(st.step_phase())
        while st.position:
            self._add(st.step_phase())

    def _locate_error(self, exc: BaseException) -> tuple[str, str]:
        """(message, layer) of an exception raised by a phase; the layer from the phase that raised."""
        layer = ""
        if isinstance(exc, DivergedError) and exc.layer:
            layer = exc.layer
        else:
            phase = self.stepper.next_phase
            if self.stepper.position == 0 and not isinstance(exc, DivergedError):
                # the fast path raised at a boundary: replay phase by phase to find the layer
                try:
                    while True:
                        self.stepper.step_phase()
                        if self.stepper.position == 0:
                            break
                except Exception:
                    phase = self.stepper.next_phase
                self.stepper.cancel_iteration()
            layer = phase.partition(":")[2]
        msg = describe_error(exc)
        if layer and layer not in msg:
            msg = f"layer {layer}: {msg}"
        return msg, layer

    def _guarded(self, fn) -> bool:
        if self.running:
            return False
        try:
            fn()
        except Exception as exc:
            msg, layer = self._locate_error(exc)
            self._emit_view()
            self.sigError.emit(msg, layer)
            return False
        self._boundary = self.stepper.state() if self.stepper.position == 0 else self._boundary
        self._emit_view()
        return True

    def step_phase(self) -> bool:
        """Run one phase and emit its view. False (and sigError) if the phase raised."""
        return self._guarded(lambda: self._add(self.stepper.step_phase()))

    def step_iteration(self) -> bool:
        """Finish the current iteration (or run a whole one), recording every phase."""
        t0 = time.perf_counter()
        ok = self._guarded(self._phases_to_boundary)
        if ok:
            self.speed = 1.0 / max(time.perf_counter() - t0, 1e-9)
        return ok

    # --- long work (worker thread) ------------------------------------------------------------------

    def run(self, iterations: int | None = None) -> None:
        """Train until paused (or ``iterations`` are done) off the GUI thread."""
        self._start(_Worker(self, iterations, False))

    def finish_epoch(self) -> None:
        self._start(_Worker(self, None, True))

    def _start(self, worker: _Worker) -> None:
        if self.running:
            return
        self._worker = worker
        worker.finished.connect(self._on_worker_finished)
        self.sigRunningChanged.emit(True)
        worker.start()

    def pause(self) -> None:
        """Ask the worker to stop after the current iteration (cooperative)."""
        if self._worker is not None:
            self._worker.stop_event.set()

    def wait(self, ms: int = 30000) -> bool:
        """Block until the worker is done (for quitting and scripts)."""
        w = self._worker
        return True if w is None else w.wait(ms)

    def _on_worker_finished(self) -> None:
        w, self._worker = self._worker, None
        if w is None:
            return
        self.sigRunningChanged.emit(False)
        self._emit_view()
        if w.error:
            self.sigError.emit(*w.error)
        if w.hit is not None:
            self.sigBreak.emit(w.hit)

    # --- settings and structure (only while not running) -------------------------------------------

    def set_optimizer(self, name: str, lr: float | None = None) -> None:
        self.stepper.set_optimizer(name, lr)

    def set_batch_size(self, b: int) -> None:
        self.stepper.batch_size = int(b)

    def reset(self, seed: int | None = None) -> None:
        self.stepper.reset(seed)
        self.record, self.last_record = IterationRecord(0), None
        self._boundary = self.stepper.state()
        self._emit_view()

    def replace_stepper(self, stepper: Stepper, dataset=None, dataset_name: str | None = None) -> None:
        """Swap in a new Stepper (after an edit, a dataset change or a session load)."""
        if dataset is not None:
            self.dataset, self.dataset_name = dataset, dataset_name or self.dataset_name
        self.stepper = stepper
        self.record, self.last_record = IterationRecord(stepper.iteration), None
        self._boundary = stepper.state()
        self.sigNetworkChanged.emit()
        self._emit_view()
