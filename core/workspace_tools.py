"""What the debugger's tools start from, read off a Workspace: a recorded moment as a view, the
iteration a what-if replays, the input a backward check runs on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from core.debugger.verify import VerifyJob, prepare
from core.errors import BackstepError
from core.view import Position, StepView

if TYPE_CHECKING:
    from core.workspace import Workspace


@dataclass(frozen=True)
class StoppedPoint:
    """The iteration a what-if replays: where training stands, with its start state and batch."""

    description: str
    state: dict
    batch: tuple  # (x, y)
    iteration: int


def recorded_view(ws: Workspace, i: int) -> StepView:
    """A StepView of recorded iteration i as it stood after its update (its own counters, lr,
    optimiser and curves, so the status bar and the panels say which moment they show)."""
    tl, st = ws.timeline, ws.stepper
    arrays = tl.arrays_at(i)
    x, y, _ = tl.batch_at(i)
    state = tl.state_at(i)
    used = state["params"]
    params = {lname: {k: arrays.get(f"{lname}.{k}.new", v) for k, v in ps.items()} for lname, ps in used.items()}
    size = max(int(state["batch_size"]), 1)
    position = Position(i + 1, int(state["epoch"]) + 1, int(state["offset"]) // size + 1,
                        -(-st.n_train // size), st.next_phase, len(y))
    return StepView("update", None, i, int(state["epoch"]), tuple(st.net.nodes), tuple(st.net.classes), x, y,
                    arrays, params, tuple(tl.quantities_at(i)), min(ws.focus, len(y) - 1),
                    float(state["optimizer"]["lr"]), str(state["optimizer"]["name"]), state["history"],
                    position, 0.0, used)


def stopped_point(ws: Workspace) -> StoppedPoint:
    """The iteration a what-if replays: the current one when stopped inside an iteration, else the
    last completed one if the timeline has it, else the next one."""
    st, rec = ws.stepper, ws.record
    if st.position > 0 and rec.snapshots:
        snap = rec.snapshots[0]
        return StoppedPoint(f"iteration {st.iteration + 1}, stopped after {rec.last.phase}",
                            ws.boundary_state(), (snap.x, snap.y), st.iteration)
    last = st.iteration - 1
    if last in ws.timeline.iterations():
        x, y, _ = ws.timeline.batch_at(last)
        return StoppedPoint(f"iteration {last + 1} (the last one run)", ws.timeline.state_at(last), (x, y), last)
    return StoppedPoint(f"iteration {st.iteration + 1} (the next one)", st.state(), st.current_batch(),
                        st.iteration)


def prepare_verify(ws: Workspace, layer: str, eps: float, samples=None) -> VerifyJob:
    """A finite-difference check of ``layer``'s backward on the batch in view: the iteration in
    progress, else the last recorded one (also while running), else the next batch. ``samples``
    defaults to the focused sample and the next one."""
    st = ws.stepper
    k = ws.layer_names.index(layer)
    rec = ws._shown_record()
    if samples is None:
        n = len(rec.last.y) if rec is not None and rec.snapshots else len(st.current_batch()[1])
        f = min(ws.focus, max(n - 1, 0))
        samples = [f] + ([f + 1 if f + 1 < n else 0] if n > 1 else [])
    if not ws.running and st.layer_input(k) is not None:
        return prepare(st, layer, eps, samples=samples)
    if rec is not None and rec.snapshots and (k == 0 or f"{st.net.nodes[k - 1].name}.out" in rec.arrays):
        return prepare(rec, layer, eps, samples=samples, network=st.net)
    if ws.running:
        raise BackstepError("pause training first: no recorded iteration reaches this layer yet")
    return prepare(st, layer, eps, samples=samples)
