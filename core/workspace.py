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

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from core.datasets import load_dataset
from core.debugger.breakpoints import BreakpointSet, Hit
from core.debugger.timeline import Timeline
from core.debugger.verify import VerifyJob
from core.errors import BackstepError
from core.events import Events
from core.network import Network
from core.optim import OPTIMIZERS
from core.rebuild import (
    Rebuild,
    describe_error,
)
from core.record import IterationRecord
from core.registry import Registry, default_registry
from core.runner import Runner
from core.spec import NetworkSpec, load_spec
from core.stepper import Stepper
from core.view import Position, StepView
from core.workspace_network import NetworkAndData
from core.workspace_stepping import Stepping
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


class Workspace(Stepping, NetworkAndData):
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
