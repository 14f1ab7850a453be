"""The model behind the window, Qt-free: spec, dataset, stepper and settings as one evented object.

Everything the window offers is an operation here — step, run, change a setting, rebuild after
an edit keeping the weights that still fit, switch the dataset, open and save a session, go back
to a recorded iteration — and every change is announced by an event (core.events), so views
subscribe instead of reading engine state:

  view(StepView)            a new moment to draw (from the runner's thread while running)
  settings(Settings)        optimiser, α, batch size or seed changed (also by a session or a resume)
  network()                 a new network or stepper: phases and layers may have changed
  dataset(str)              the dataset changed (its name)
  spec_state(bool, str)     the edited spec builds (True) or not (False, why); stepping needs True
  running(bool)             a run began or ended
  progress(int, int, str)   done, total and what they count, during a run
  error(str, str)           a phase raised: message, layer ("" if none)
  breakpoint(Hit)           a run stopped at a breakpoint

Threads: everything but ``Runner.run`` happens on the caller's thread (the GUI's). While a run
goes on, only the runner touches the stepper; the caller reads views (immutable) and
``boundary_state()`` (refreshed by the runner a few times a second).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.datasets import load_dataset
from core.debugger.breakpoints import BreakpointSet, Hit
from core.debugger.timeline import Timeline
from core.debugger.verify import VerifyJob
from core.errors import BackstepError, DivergedError
from core.events import Events
from core.network import Network
from core.optim import OPTIMIZERS
from core.rebuild import (
    Rebuild,
    build_network,
    describe_error,
    output_layer,
    plan_rebuild,
    rebuilt_stepper,
    spec_for_classes,
)
from core.record import IterationRecord
from core.registry import Registry, default_registry
from core.runner import Runner
from core.session import Session, load_session, restore, save_session
from core.spec import NetworkSpec, load_spec
from core.stepper import Stepper
from core.view import Position, StepView
from core.workspace_tools import StoppedPoint, prepare_verify, recorded_view, stopped_point

__all__ = ["DEFAULT_DATASET", "LECTURE", "Rebuild", "Settings", "StoppedPoint", "Workspace", "describe_error"]

ROOT = Path(__file__).resolve().parents[1]
LECTURE = ROOT / "resources" / "networks" / "lecture.json"
DEFAULT_DATASET = "mnist-5k"
OPTIMIZER_NAMES = tuple(OPTIMIZERS)  # what the settings offer: "sgd" (the lecture's rule), "momentum", "adam"
EVENTS = ("view", "settings", "network", "dataset", "spec_state", "running", "progress", "error", "breakpoint")


@dataclass(frozen=True)
class Settings:
    """The training settings a learner changes between steps."""

    optimizer: str
    lr: float
    batch_size: int
    seed: int


class Workspace:
    """One learner's training session: the spec being edited, the data, the engine, the settings."""

    def __init__(self, spec: NetworkSpec | None = None, dataset_name: str = DEFAULT_DATASET,
                 registry: Registry | None = None, *, dataset=None, batch_size: int = 32,
                 optimizer: str = "sgd", lr: float | None = None, seed: int = 0):
        self.events = Events(*EVENTS)
        self.registry = registry or default_registry()
        self.spec = spec or load_spec(LECTURE)  # the spec as edited (it may not build: spec_ok)
        self.spec_ok, self.spec_message = True, ""
        self.dataset = dataset if dataset is not None else load_dataset(dataset_name)
        self.dataset_name = dataset_name
        network = Network(self.spec, self.registry, seed=seed)
        self.stepper = Stepper(network, self.dataset, batch_size=batch_size, optimizer=optimizer, lr=lr, seed=seed)
        self.record = IterationRecord(0)
        self.last_record: IterationRecord | None = None  # the last complete iteration
        self.focus = 0
        self.speed = 0.0  # iterations per second of the last run or step
        # while running, the window says when it will next draw: the runner makes no view before
        self.next_view_at = 0.0
        self.breakpoints = BreakpointSet()  # checked by a run while any is enabled
        self.last_hit: Hit | None = None
        self.timeline = Timeline()
        self.timeline.attach(self.stepper)
        self._runner: Runner | None = None
        self._boundary = self.stepper.state(copy=False)
        self._iteration_hooks: list[Callable] = []
        self._failed_hooks: set[int] = set()
        self._saved_key = self._state_key()

    # --- what it holds ----------------------------------------------------------------------------

    @property
    def network(self) -> Network:
        return self.stepper.net

    @property
    def running(self) -> bool:
        return self._runner is not None

    @property
    def settings(self) -> Settings:
        st = self.stepper
        return Settings(st.optimizer.name, st.lr, st.batch_size, st.seed)

    @property
    def next_phase(self) -> str:
        return self.stepper.next_phase

    @property
    def phases(self) -> tuple[str, ...]:
        return tuple(self.stepper.phases)

    @property
    def layer_names(self) -> tuple[str, ...]:
        return tuple(n.name for n in self.stepper.net.nodes)

    @property
    def trained_iterations(self) -> int:
        """Iterations completed (at the last boundary while running)."""
        return int(self._boundary["iteration"]) if self.running else self.stepper.iteration

    def boundary_state(self) -> dict:
        """The state at the last iteration boundary (safe to call while running: at most a third of
        a second old). Its arrays are the engine's own, never written again: do not write them."""
        return self._boundary if self.running else self.stepper.state(copy=False)

    def _refresh_boundary(self) -> None:
        if self.stepper.position == 0:
            self._boundary = self.stepper.state(copy=False)

    # --- views ------------------------------------------------------------------------------------

    def _shown_record(self) -> IterationRecord | None:
        return self.record if self.record.snapshots else self.last_record

    def position(self) -> Position:
        """Where training is, counted from 1: the iteration being stepped, or between iterations the
        last one completed; its epoch and its place in that epoch."""
        st = self.stepper
        per, size, offset = st.batches_per_epoch, max(st.batch_size, 1), st.offset
        common = {"next_phase": st.next_phase, "batch_size": st.batch_size}
        if st.position > 0:  # stepping through an iteration (the one the view shows)
            return Position(st.iteration + 1, st.epoch + 1, offset // size + 1, per, **common)
        if st.iteration == 0:
            return Position(0, 1, None, None, **common)
        if offset == 0:  # the last one completed an epoch
            return Position(st.iteration, st.epoch, per, per, **common)
        return Position(st.iteration, st.epoch + 1, -(-offset // size), per, **common)

    def view(self) -> StepView:
        """The current moment: the iteration so far, or the last complete one, or the next batch."""
        st, rec = self.stepper, self._shown_record()
        common = {"nodes": st.net.nodes, "classes": st.net.classes, "history": st.history.to_dict(),
                  "position": self.position(), "focus": self.focus, "speed": self.speed}
        if rec is None or not rec.snapshots:
            x, y = st.next_batch()
            return StepView.before_first(x=x, y=y, params=st.params_view(),
                                         lr=st.lr, optimizer=st.optimizer.name, iteration=st.iteration,
                                         epoch=st.epoch, **common)
        return StepView.from_record(rec, params=st.params_view(), **common)

    def _emit_view(self) -> None:
        self.events.view.emit(self.view())

    def set_focus(self, sample: int) -> None:
        """Focus the panels on sample ``sample`` (0-based) of the batch."""
        sample = max(0, int(sample))
        if sample != self.focus:
            self.focus = sample
            if not self.running:
                self._emit_view()

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
        st, rec = self.stepper, self.last_record
        if rec is not None and (rec.iteration != st.iteration - 1 or not rec.complete):
            rec = None  # (run on the fast path: the timeline replays its arrays when asked)
        self.timeline.record(st, rec)
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

    def run_here(self, iterations: int | None = None, until_epoch_end: bool = False) -> bool:
        """A run on the calling thread, to its end (scripts and tests)."""
        runner = self.begin_run(iterations, until_epoch_end)
        if runner is None:
            return False
        runner.run()
        self.end_run()
        return runner.error is None

    # --- settings (not while running) ---------------------------------------------------------------

    def _changed_settings(self, fn) -> None:
        if self.running:
            raise BackstepError("pause the run first: settings change between iterations")
        fn()
        self.events.settings.emit(self.settings)

    def set_optimizer(self, name: str) -> None:
        """Switch optimiser (its state starts fresh), keeping the learning rate."""
        self._changed_settings(lambda: self.stepper.set_optimizer(name, self.stepper.lr))

    def set_learning_rate(self, lr: float) -> None:
        """α for the next updates (HyperParamError if out of range)."""
        self._changed_settings(lambda: self.stepper.set_optimizer(self.stepper.optimizer.name, lr))

    def set_batch_size(self, n: int) -> None:
        def change():
            self.stepper.batch_size = int(n)
            if self.stepper.position == 0:
                self._emit_view()  # the next batch is another one
        self._changed_settings(change)

    def reset(self, seed: int | None = None) -> None:
        """Fresh weights (from ``seed``), counters and curves; the same settings."""
        if self.running:
            return
        self.stepper.reset(seed)
        self._new_stepper(self.stepper)
        self.events.settings.emit(self.settings)

    # --- the network ------------------------------------------------------------------------------

    def _build(self, spec: NetworkSpec, **kw) -> Network:
        return build_network(spec, self.registry, self.dataset, self.dataset_name, **kw)

    def plan_rebuild(self, spec: NetworkSpec) -> Rebuild:
        """What ``spec`` would build, and which layers would lose their weights (core.rebuild)."""
        return plan_rebuild(self.network, spec, self.registry, self.dataset, self.dataset_name,
                            seed=self.stepper.seed, trained_iterations=self.trained_iterations)

    def apply_rebuild(self, plan: Rebuild) -> None:
        """Make ``plan.spec`` the spec: rebuilt with the unchanged layers' weights, or, if it does not
        build, kept as the edited spec with stepping off until it does (spec_state)."""
        self.pause()
        self.spec = plan.spec
        if plan.network is None:
            self._set_spec_state(False, plan.error or "the network does not build")
            return
        self._new_stepper(rebuilt_stepper(self.stepper, plan, self.dataset))
        self._set_spec_state(True, f"Network rebuilt; re-initialised: {', '.join(plan.reinitialised) or 'none'}")

    def new_network(self, spec: NetworkSpec) -> bool:
        """A new document: fresh weights and counters for ``spec`` (False, spec_state, if it does not build)."""
        self.pause()
        self.spec = spec
        st = self.stepper
        try:
            net = self._build(spec, seed=st.seed)
        except Exception as exc:  # noqa: BLE001 - an empty or unfinished network: say why, stay alive
            self.speed = 0.0
            self._set_spec_state(False, describe_error(exc) if spec.layers else "Add layers from the palette")
            self._emit_view()
            return False
        self._new_stepper(Stepper(net, self.dataset, batch_size=st.batch_size, optimizer=st.optimizer.name,
                                  lr=st.lr, seed=st.seed))
        self._set_spec_state(True, f"Network {spec.name!r}: {net.param_count():,} parameters")
        self._saved_key = self._state_key()
        return True

    def empty_spec(self) -> NetworkSpec:
        """A spec with no layers for this dataset's input and classes."""
        d = self.dataset
        return NetworkSpec("Untitled", tuple(d.x_train.shape[1:]), (), classes=tuple(d.classes))

    def _set_spec_state(self, ok: bool, message: str) -> None:
        self.spec_ok, self.spec_message = ok, message
        self.events.spec_state.emit(ok, message)

    def _new_stepper(self, stepper: Stepper, dataset=None, dataset_name: str | None = None) -> None:
        """Swap in a Stepper (after an edit, a dataset change, a reset or a session load)."""
        if dataset is not None:
            self.dataset, self.dataset_name = dataset, dataset_name or self.dataset_name
        self.stepper = stepper
        self.speed = 0.0  # (of the network before)
        self.record, self.last_record = IterationRecord(stepper.iteration), None
        self._boundary = stepper.state(copy=False)
        self.timeline.clear()
        self.timeline.attach(stepper)
        self.events.network.emit()
        self._emit_view()

    # --- data -------------------------------------------------------------------------------------

    def load_dataset(self, name: str):
        """Load dataset ``name`` and check that its images fit the network's input (BackstepError
        naming it otherwise); the classes are the caller's question (``classes_fit``)."""
        if self.running:
            raise BackstepError("pause the run first")
        data = load_dataset(name)
        self.network.check_input(data.x_train[:1], f"dataset {name}")
        return data

    def classes_fit(self, data) -> bool:
        """True if the network gives one score per class of ``data``."""
        return len(data.classes) == self.network.n_classes

    @property
    def output_layer(self) -> str | None:
        """The layer whose outputs are the class scores (resized to fit a dataset), if there is one."""
        i = output_layer(self.spec)
        return None if i is None else self.spec.layers[i].name

    def switch_dataset(self, name: str, data=None, *, resize_output: bool = False) -> None:
        """Train on another dataset: counters, curves and the recording start again; the network
        keeps its weights and takes the dataset's class names. ``resize_output``: the output layer
        is resized to one score per class (its weights re-initialised); without it, a dataset
        whose labels do not fit the network's outputs is refused (BackstepError)."""
        data = data if data is not None else self.load_dataset(name)
        net, st = self.network, self.stepper
        n = len(data.classes)
        top = max(int(data.y_train.max(initial=0)), int(data.y_test.max(initial=0)))
        if not resize_output and top >= net.n_classes:
            raise BackstepError(f"dataset {name}: has {n} classes, the network outputs {net.n_classes} scores")
        classes = tuple(data.classes) if n == net.n_classes or resize_output else self.spec.classes
        spec = spec_for_classes(self.spec, classes, resize_output and n != net.n_classes)
        if spec != self.spec:
            plan = plan_rebuild(net, spec, self.registry, data, name, seed=st.seed, trained_iterations=0)
            if plan.network is None:
                raise BackstepError(plan.error)
            net = rebuilt_stepper(st, plan, data).net
            self.spec = spec
        self._new_stepper(Stepper(net, data, batch_size=st.batch_size, optimizer=st.optimizer.name, lr=st.lr,
                                  seed=st.seed), data, name)
        self._set_spec_state(True, f"Training on {data.name}: {n} classes")
        self.events.dataset.emit(name)

    # --- sessions ---------------------------------------------------------------------------------

    def _state_key(self):
        return (self.trained_iterations, id(self.stepper), self.spec)

    @property
    def unsaved_work(self) -> bool:
        """Training or edits since the last save, open or new network."""
        return self.spec_ok and self._state_key() != self._saved_key

    def save_session(self, path, extra: dict | None = None) -> None:
        """Write the session (the state at the last boundary) atomically; marks the work saved."""
        spec = self.spec if self.spec_ok else self.network.spec
        save_session(path, self.boundary_state(), spec, self.dataset_name, {"focus": self.focus, **(extra or {})})
        self._saved_key = self._state_key()

    def open_session(self, path) -> Session:
        """Open a session file: everything is read and checked before anything is replaced, so a bad
        file (or a plugin it needs that fails) raises BackstepError and changes nothing."""
        if self.running:
            raise BackstepError("pause the run first")
        try:
            session: Session = load_session(path, registry=self.registry)
            data = load_dataset(session.dataset)
            net = Network(session.spec, self.registry, dtype=np.dtype(session.dtype))
            net.check_input(data.x_train[:1], f"dataset {session.dataset}")
            st = Stepper(net, data)
            restore(session, st)
        except BackstepError:
            raise
        except Exception as exc:  # noqa: BLE001 - a plugin the session needs may raise anything
            raise BackstepError(f"{path}: {describe_error(exc)}") from None
        self.spec = session.spec
        self.focus = max(0, int(session.extra.get("focus", 0) or 0))
        self.spec_ok, self.spec_message = True, ""
        self._new_stepper(st, data, session.dataset)
        self._set_spec_state(True, f"Session {path} opened at iteration {st.iteration}")
        self.events.dataset.emit(session.dataset)
        self.events.settings.emit(self.settings)
        self._saved_key = self._state_key()
        return session

    # --- time travel ------------------------------------------------------------------------------

    def recorded_view(self, i: int) -> StepView:
        """A StepView of recorded iteration i as it stood after its update."""
        return recorded_view(self, i)

    def resume_at(self, i: int) -> None:
        """Put training back at the start of recorded iteration i; later recordings are dropped."""
        if self.running:
            return
        self.timeline.resume(self.stepper, i)
        self.record, self.last_record = IterationRecord(self.stepper.iteration), None
        self._boundary = self.stepper.state(copy=False)
        self.events.settings.emit(self.settings)  # the learning rate of that moment
        self._emit_view()

    # --- what the debugger's tools start from -------------------------------------------------------

    def stopped_point(self) -> StoppedPoint:
        """The iteration a what-if replays (core.workspace_tools.stopped_point)."""
        return stopped_point(self)

    def prepare_verify(self, layer: str, eps: float, samples=None) -> VerifyJob:
        """A finite-difference check of ``layer``'s backward on the batch in view."""
        return prepare_verify(self, layer, eps, samples)
