"""Realistic StepViews from the engine, for tests and for previewing one panel on its own (Qt-free).

The lecture network on the built-in MNIST-5k, stepped phase by phase; ``desktop.panels.demo``
shows a panel with one of these views.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np

from core.datasets import load_dataset
from core.debugger.anomalies import alerts
from core.debugger.distributions import timeline_records
from core.debugger.timeline import Timeline
from core.evaluation import evaluate
from core.network import Network
from core.record import IterationRecord
from core.spec import load_spec
from core.stepper import Stepper
from core.view import Position, StepView

ROOT = Path(__file__).resolve().parents[1]
LECTURE = ROOT / "resources" / "networks" / "lecture.json"


def make_stepper(batch_size: int = 8, warmup_epochs: int = 0, seed: int = 0) -> Stepper:
    """The lecture network on MNIST-5k; ``warmup_epochs`` trained fast (batch 100) to fill the curves."""
    net = Network(load_spec(LECTURE))
    st = Stepper(net, load_dataset("mnist-5k"), batch_size=100 if warmup_epochs else batch_size, seed=seed)
    for _ in range(warmup_epochs):
        st.step_epoch()
    st.batch_size = batch_size
    return st


def view_of(st: Stepper, rec: IterationRecord, focus: int = 0) -> StepView:
    """The StepView after ``rec``'s last phase (arrays copied: the record's own mapping keeps growing)."""
    position = Position(st.iteration + (1 if st.position else 0), st.epoch + 1, next_phase=st.next_phase,
                        batch_size=st.batch_size)
    return StepView.from_record(rec, nodes=st.net.nodes, classes=st.net.classes, params=st.params_view(),
                                history=st.history.to_dict(), position=position, focus=focus)


def run_phases(st: Stepper, phases: int, rec: IterationRecord | None = None) -> IterationRecord:
    """Step ``phases`` phases; returns the record of the iteration the last one belongs to."""
    for _ in range(phases):
        snap = st.step_phase()
        if rec is None or snap.iteration != rec.iteration:
            rec = IterationRecord(snap.iteration)
        rec.add(snap)
    return rec


def build_demo_view(phases: int, focus: int = 0, warmup_epochs: int = 0, batch_size: int = 8) -> StepView:
    """A StepView after ``phases`` phases of the lecture network (21 = one whole iteration)."""
    st = make_stepper(batch_size, warmup_epochs)
    return view_of(st, run_phases(st, phases), focus)


# --- for the Evaluate views (desktop.evaluate.demo) -------------------------------------------

WEIGHTS: str | None = None  # --weights W.npz: use these instead of training


@functools.lru_cache(maxsize=1)
def trained():
    """(network, dataset): the lecture network after one epoch on MNIST-5k, as ``train --epochs 1``
    (or with the weights of ``--weights``)."""
    data = load_dataset("mnist-5k")
    net = Network(load_spec(LECTURE))
    if WEIGHTS:
        from core.io import load_weights

        load_weights(net, WEIGHTS)
    else:
        Stepper(net, data, batch_size=16, seed=0, evaluate_every_epoch=False).step_epoch()
    return net, data


@functools.lru_cache(maxsize=1)
def sample_evaluation():
    net, data = trained()
    return evaluate(net, data)


@functools.lru_cache(maxsize=2)
def sample_records(iterations: int = 40, lr: float | None = None, batch_size: int = 32):
    """(nodes, records): ``iterations`` iterations from fresh weights, recorded in a Timeline."""
    import warnings

    net = Network(load_spec(LECTURE))
    st = Stepper(net, load_dataset("mnist-5k"), batch_size=batch_size, lr=lr, evaluate_every_epoch=False)
    tl = Timeline()
    tl.attach(st)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        st.run(iterations, on_iteration=tl.record)
        return tuple(net.nodes), timeline_records(tl)


def sample_alerts():
    """(alerts, iterations) of the α = 30 run."""
    nodes, records = sample_records(40, 30.0)
    return alerts(records, nodes), [i for i, _ in records]
