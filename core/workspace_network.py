"""The network, the data and the session of a Workspace (core.workspace): rebuild after an edit
keeping the weights that still fit, a new network, switch or load a dataset (adapting the output
layer to its classes), save and open a session.

A part of ``Workspace``, kept apart for its size: it reads and writes the workspace's state
(``spec``, ``dataset``, ``stepper``, ``events``, ``registry``) set up in ``Workspace.__init__``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from core.datasets import load_dataset
from core.errors import BackstepError
from core.network import Network
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
from core.session import Session, load_session, restore, save_session
from core.spec import NetworkSpec
from core.stepper import Stepper

if TYPE_CHECKING:
    from core.events import Events
    from core.registry import Registry


class NetworkAndData:
    """Workspace's network, dataset and session operations."""

    events: Events
    registry: Registry
    spec: NetworkSpec
    dataset_name: str
    stepper: Stepper

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
