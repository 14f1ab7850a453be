"""Running the phases a step needs, through the Workspace (Qt-free).

``ensure(ws, phase)``: if the iteration in view has not yet run ``phase``, step the workspace
phase by phase until it has (every phase emits its view, so the other panels follow). A step
that needs no phase, or whose phase is done already — in the iteration being stepped, or in the
complete one in view between iterations — runs nothing: going back a step shows the same
iteration, never a new one.

``replay(ws, phase)``: run the step's phases again on the same batch with the same weights.
Mid-iteration nothing has been updated yet, so the half-done iteration is dropped
(Workspace.restart_iteration) and stepped again;
between iterations, the last complete one is resumed from its recorded start (Workspace.resume_at,
the timeline's bit-for-bit replay) and stepped again up to ``phase``.
"""

from __future__ import annotations


def done(ws, phase: str | None) -> bool:
    """True if the iteration in view has run ``phase`` (None: nothing is needed)."""
    if phase is None:
        return True
    view = ws.view()
    if view.phase is None:
        return False
    phases = ws.phases
    if phase not in phases:
        return False
    return phases.index(view.phase) >= phases.index(phase)


def ensure(ws, phase: str | None, limit: int = 1000) -> list[str]:
    """Step until ``phase`` is done; the phases run, in order (empty if none was needed, or if the
    workspace would not step: running, or a spec that does not build)."""
    ran: list[str] = []
    while not done(ws, phase) and len(ran) < limit:
        before = ws.next_phase
        if not ws.step_phase():
            break
        ran.append(before)
    return ran


def replay(ws, phase: str | None) -> list[str]:
    """Run the phases up to ``phase`` again on the same batch with the same weights; the phases run."""
    if phase is None or ws.running:
        return []
    pos = ws.position()
    if ws.record.snapshots:
        ws.restart_iteration()
    elif pos.iteration > 0 and (pos.iteration - 1) in ws.timeline.iterations():
        ws.resume_at(pos.iteration - 1)
    ran: list[str] = []
    while len(ran) < 1000:
        before = ws.next_phase
        if not ws.step_phase():
            break
        ran.append(before)
        if before == phase:
            break
    return ran
