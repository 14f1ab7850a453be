"""Stepping and running a Workspace (core.workspace): phases, iterations, step back, a given batch,
runs on the runner's thread, and the hooks every completed iteration calls.

A part of ``Workspace``, kept apart for its size: it reads and writes the workspace's state
(``stepper``, ``record``, ``last_record``, ``timeline``, ``events``, ``_runner``) set up in
``Workspace.__init__``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from core.debugger.timeline import Timeline
from core.errors import BackstepError, DivergedError
from core.network import Network
from core.rebuild import (
    describe_error,
)
from core.record import IterationRecord
from core.runner import Runner
from core.stepper import Stepper

if TYPE_CHECKING:
    from core.events import Events


class Stepping:
    """Workspace's stepping and runs (see core.workspace for the events they emit)."""

    events: Events
    stepper: Stepper
    record: IterationRecord
    last_record: IterationRecord | None
    timeline: Timeline
    _runner: Runner | None

    # --- iterations and their hooks ----------------------------------------------------------------

    def add_iteration_hook(self, fn: Callable) -> None:
        """Call ``fn(stepper)`` after every completed iteration — stepped, run phase by phase or on
        the fast path — on the thread that ran it: keep it short and thread-safe."""
        self._iteration_hooks.append(fn)

    def remove_iteration_hook(self, fn: Callable) -> None:
        if fn in self._iteration_hooks:
            self._iteration_hooks.remove(fn)

    def _after_iteration(self, *_args) -> None:
        """Every completed iteration: into the timeline, then to the hooks."""
        st = self.stepper
        self.timeline.record(st, self.last_record)  # (it keeps the record only if it is this iteration's)
        for fn in tuple(self._iteration_hooks):
            try:
                fn(st)
            except Exception as exc:  # noqa: BLE001 - a tool's bug must not stop training; say it once
                if id(fn) not in self._failed_hooks:
                    self._failed_hooks.add(id(fn))
                    self.events.error.emit(f"iteration hook {getattr(fn, '__qualname__', fn)}: "
                                           f"{describe_error(exc)}", "")

    def _add(self, snap) -> None:
        if snap.iteration != self.record.iteration or (snap.phase_index == 0 and self.record.snapshots):
            self.record = IterationRecord(snap.iteration)
        self.record.add(snap)
        if snap.kind == "update":
            self.last_record, self.record = self.record, IterationRecord(snap.iteration + 1)
            self._after_iteration()

    def _phases_to_boundary(self) -> None:
        """Run the rest of the current iteration (or a whole one) phase by phase, recording it."""
        st = self.stepper
        self._add(st.step_phase())
        while st.position:
            self._add(st.step_phase())

    # --- stepping (the caller's thread) ------------------------------------------------------------

    def _locate_error(self, exc: BaseException) -> tuple[str, str]:
        """(message, layer) of an exception raised by a phase; the layer from the phase that raised."""
        st = self.stepper
        if isinstance(exc, DivergedError) and exc.layer:
            layer = exc.layer
        else:
            phase = st.next_phase
            if st.position == 0 and not isinstance(exc, DivergedError):
                # the fast path raised at a boundary: replay phase by phase to find the layer
                try:
                    while True:
                        st.step_phase()
                        if st.position == 0:
                            break
                except Exception:  # noqa: BLE001 - the replay fails where the fast path did
                    phase = st.next_phase
                st.cancel_iteration()
            layer = phase.partition(":")[2]
        msg = describe_error(exc)
        if layer and layer not in msg:
            msg = f"layer {layer}: {msg}"
        return msg, layer

    def _guarded(self, fn) -> bool:
        if self.running or not self.spec_ok:
            return False
        try:
            fn()
        except Exception as exc:  # noqa: BLE001 - plugins may raise anything; keep the app alive
            msg, layer = self._locate_error(exc)
            self._emit_view()
            self.events.error.emit(msg, layer)
            return False
        self._emit_view()
        return True

    def step_phase(self) -> bool:
        """Run one phase and emit its view. False (and an error event) if the phase raised."""
        return self._guarded(lambda: self._add(self.stepper.step_phase()))

    def step_iteration(self) -> bool:
        """Finish the current iteration (or run a whole one), recording every phase."""
        def timed():
            t0 = time.perf_counter()
            self._phases_to_boundary()
            self.speed = 1.0 / max(time.perf_counter() - t0, 1e-9)  # (before the view is made)

        return self._guarded(timed)

    def step_back_phase(self) -> bool:
        """Go back one phase: to the moment before the last phase ran, with the arrays exactly as they
        were then (the iteration's earlier phases run again from its start: the same numbers). Back
        past an update, the iteration it ended is reopened just before its update (from the
        timeline's state at its start). False if there is nothing to go back to."""
        if self.running or not self.spec_ok:
            return False
        st = self.stepper
        try:
            if st.position > 0:
                target, iteration = st.position - 1, st.iteration
                st.cancel_iteration()  # nothing was updated yet: the state is the iteration's start
            else:
                iteration = st.iteration - 1
                if iteration < 0 or iteration not in self.timeline.iterations():
                    return False
                x, y, idx = self.timeline.batch_at(iteration)
                self.timeline.resume(st, iteration)  # its start state; later recordings dropped
                if np.all(np.asarray(idx) < 0):  # it trained on a given batch: give it again
                    st.use_batch(x, y, "the batch that iteration trained on")
                target = len(st.phases) - 1
                self.events.settings.emit(self.settings)
            self._boundary = st.state(copy=False)
            self.record, self.last_record = IterationRecord(iteration), None
            for _ in range(target):
                self.record.add(st.step_phase())
        except Exception as exc:  # noqa: BLE001 - a plugin may raise anything; say where
            msg, layer = self._locate_error(exc)
            self.events.error.emit(msg, layer)
            return False
        self._emit_view()
        return True

    def restart_iteration(self) -> None:
        """Drop the iteration stepped halfway (nothing of it was applied yet): the next step starts
        it again, on the same batch with the same weights."""
        if self.running:
            return
        st = self.stepper
        st.cancel_iteration()
        self.record = IterationRecord(st.iteration)
        self._emit_view()

    def set_weights(self, layer: str, param: str, index: tuple, values) -> None:
        """Write ``values`` into ``layer.param[index]`` (e.g. a kernel of one's own into a conv filter):
        the training goes on from these weights. At an iteration boundary only (an iteration stepped
        halfway is dropped first: nothing of it was applied yet)."""
        if self.running:
            raise BackstepError("pause the run first")
        params = self.network.params.get(layer)
        if params is None or param not in params:
            raise BackstepError(f"{layer}.{param}: no such parameter")
        new = np.array(params[param], copy=True)
        try:
            new[index] = np.asarray(values, dtype=new.dtype)
        except (IndexError, ValueError) as exc:
            raise BackstepError(f"{layer}.{param}{list(index)}: {exc}") from None
        if not np.isfinite(new).all():
            raise BackstepError(f"{layer}.{param}: the values must be finite")
        self.stepper.cancel_iteration()
        self.record = IterationRecord(self.stepper.iteration)
        self.network.params[layer] = {**params, param: new}  # (a new array: snapshots keep the old one)
        self._boundary = self.stepper.state(copy=False)
        self.timeline.attach(self.stepper)  # the recording goes on from the edited weights
        self._emit_view()

    def step_on(self, x, y, description: str = "the given batch") -> None:
        """The next iteration trains on (x, y) — a drawn digit, a test example to follow through its
        forward and backward — instead of the next batch; the data order carries on after it. An
        iteration stepped halfway is dropped first (nothing of it was applied yet)."""
        if self.running:
            raise BackstepError("pause the run first")
        st = self.stepper
        st.cancel_iteration()
        st.use_batch(x, y, description)
        self.record, self.last_record = IterationRecord(st.iteration), None
        self.focus = 0
        self._emit_view()

    def evaluation_network(self) -> Network:
        """A copy of the network with the weights of the last iteration boundary: evaluating it is
        safe on another thread, even while a run changes the live weights."""
        net = self.network.astype(self.network.dtype)
        net.params = {name: dict(ps) for name, ps in self.boundary_state()["params"].items()}
        return net

    # --- runs (the runner's thread) -----------------------------------------------------------------

    def begin_run(self, iterations: int | None = None, until_epoch_end: bool = False) -> Runner | None:
        """A Runner for the caller to run on its thread (None if one is going or stepping is off);
        call ``end_run`` on the caller's thread when it is done."""
        if self.running or not self.spec_ok:
            return None
        self._boundary = self.stepper.state(copy=False)
        self._runner = Runner(self, iterations, until_epoch_end)
        self.events.running.emit(True)
        return self._runner

    def pause(self) -> None:
        """Ask the run to stop after the current iteration (cooperative)."""
        if self._runner is not None:
            self._runner.stop()

    def end_run(self) -> None:
        runner, self._runner = self._runner, None
        if runner is None:
            return
        st, last = self.stepper, self.stepper.iteration - 1
        if (st.position == 0 and last >= 0 and (self.last_record is None or self.last_record.iteration != last)
                and last in self.timeline.iterations()):
            # the run ended on the fast path: the panels get the arrays of the iteration the counters
            # stand at, not of the last one drawn during the run (the timeline replays it exactly)
            self.last_record = self.timeline.record_of(last)
        self.events.running.emit(False)
        self._emit_view()
        if runner.error:
            self.events.error.emit(*runner.error)
        if runner.hit is not None:
            self.events.breakpoint.emit(runner.hit)
