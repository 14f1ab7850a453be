"""The only adapter between the engine and Qt: a Workspace's events as Qt signals, runs on a QThread.

The model is core.workspace.Workspace (Qt-free): every operation of the window is one of its
methods, and desktop code sees the engine through it and the immutable StepViews it emits. The
bridge re-emits the workspace's events as signals — from the runner's thread they arrive queued
on the GUI thread — and runs Run and "finish the epoch" in a worker QThread (core.runner.Runner:
whole iterations on the fast path, polled between iterations for pause).

A few read-only properties (``stepper``, ``network``, ``record``, ``last_record``) forward to the
workspace for tests and scripts; desktop modules use ``workspace`` instead.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QThread, Signal

from core.runner import Runner
from core.workspace import Workspace, describe_error

__all__ = ["EngineBridge", "describe_error"]


class _Worker(QThread):
    """Runs one Runner off the GUI thread."""

    def __init__(self, runner: Runner):
        super().__init__()
        self.runner = runner

    def run(self) -> None:
        self.runner.run()


class EngineBridge(QObject):
    """A Workspace's events as Qt signals, and its long runs on a QThread."""

    sigView = Signal(object)  # core.view.StepView
    sigProgress = Signal(int, int, str)  # done, total, what they count (a Run: the epoch's iterations)
    sigError = Signal(str, str)  # message, layer ("" if none)
    sigRunningChanged = Signal(bool)
    sigNetworkChanged = Signal()  # a new network or stepper (phases may have changed)
    sigBreak = Signal(object)  # core.debugger.breakpoints.Hit: a run stopped at a breakpoint
    sigSettingsChanged = Signal(object)  # core.workspace.Settings
    sigDatasetChanged = Signal(str)
    sigSpecState = Signal(bool, str)  # the edited spec builds (True) or not (False, why)

    def __init__(self, workspace: Workspace, parent=None):
        super().__init__(parent)
        self.workspace = workspace
        self._worker: _Worker | None = None
        ev = workspace.events
        ev.view.connect(self.sigView.emit)
        ev.progress.connect(self.sigProgress.emit)
        ev.error.connect(self.sigError.emit)
        ev.running.connect(self.sigRunningChanged.emit)
        ev.network.connect(self.sigNetworkChanged.emit)
        ev.breakpoint.connect(self.sigBreak.emit)
        ev.settings.connect(self.sigSettingsChanged.emit)
        ev.dataset.connect(self.sigDatasetChanged.emit)
        ev.spec_state.connect(self.sigSpecState.emit)

    # --- runs ---------------------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self.workspace.running

    def run(self, iterations: int | None = None) -> None:
        """Train until paused (or ``iterations`` are done) off the GUI thread."""
        self._start(self.workspace.begin_run(iterations))

    def finish_epoch(self) -> None:
        self._start(self.workspace.begin_run(until_epoch_end=True))

    def _start(self, runner: Runner | None) -> None:
        if runner is None:
            return
        worker = self._worker = _Worker(runner)
        worker.finished.connect(lambda: self._on_worker_finished(worker))
        worker.start()

    def pause(self) -> None:
        """Ask the run to stop after the current iteration (cooperative)."""
        self.workspace.pause()

    def wait(self, ms: int = 30000) -> bool:
        """Block until the worker is done (for quitting and scripts); the run's end is then handled."""
        w = self._worker
        if w is None:
            return True
        done = w.wait(ms)
        if done:
            self._on_worker_finished(w)
        return done

    def _on_worker_finished(self, worker: _Worker) -> None:
        if self._worker is not worker:  # (already handled by wait)
            return
        self._worker = None
        self.workspace.end_run()

    # --- the GUI thread's shortcuts ------------------------------------------------------------------

    def step_phase(self) -> bool:
        return self.workspace.step_phase()

    def step_iteration(self) -> bool:
        return self.workspace.step_iteration()

    def view(self):
        return self.workspace.view()

    def boundary_state(self) -> dict:
        return self.workspace.boundary_state()

    def set_focus(self, sample: int) -> None:
        self.workspace.set_focus(sample)

    def add_iteration_hook(self, fn) -> None:
        self.workspace.add_iteration_hook(fn)

    @property
    def next_view_at(self) -> float:
        return self.workspace.next_view_at

    @next_view_at.setter
    def next_view_at(self, t: float) -> None:
        self.workspace.next_view_at = t

    # --- read-only, for tests and scripts ------------------------------------------------------------

    @property
    def stepper(self):
        return self.workspace.stepper

    @property
    def network(self):
        return self.workspace.network

    @property
    def record(self):
        return self.workspace.record

    @property
    def last_record(self):
        return self.workspace.last_record

    @property
    def focus(self) -> int:
        return self.workspace.focus

    @property
    def breakpoints(self):
        return self.workspace.breakpoints

    @property
    def dataset_name(self) -> str:
        return self.workspace.dataset_name

    @property
    def speed(self) -> float:
        return self.workspace.speed
