"""Go back in time: the last N iterations, each as its starting state and its arrays.

For every completed iteration ``i`` the timeline keeps

  * the boundary state at its start (``Stepper.state()``: parameters, optimiser state, counters,
    curves) — enough to resume exactly there, because batches come from (seed, epoch) and nothing
    else is random;
  * the arrays the iteration produced (the merged record of its phases, keys as in
    core.stepper.Snapshot), when they were recorded; iterations run on the fast path have none,
    and :meth:`Timeline.arrays_at` recomputes them by replaying the iteration from its state on a
    copy of the network — the same numbers, because the replay is the same computation.

Memory is bounded by ``max_iterations`` and ``max_bytes``; the oldest iterations are dropped
first. Arrays that hold the same numbers are stored once: ∂L/∂(input) of a layer is ∂L/∂(output)
of the one before it, the update's ``.old`` is the state's parameters and its ``.new`` the next
state's, and ``.step`` (= new − old, computed exactly as the stepper does) is not stored at all.
Curves are stored once for the whole timeline (every entry's curves are a prefix of the newest).
With that, an iteration of the lecture network at batch 32 takes about 3.2 MB (4.9 MB naively):
100 of them fit in 500 MB with room to spare.

Usage::

    tl = Timeline()
    tl.attach(stepper)                          # the state the next iteration starts from
    stepper.run(6, on_iteration=tl.record)      # or tl.record(stepper, iteration_record)
    tl.diff(1, 4); tl.resume(stepper, 2)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np

from core.debugger.timeline_store import Entry, TimelineStore
from core.debugger.what_if import max_abs_diff
from core.snapshot import frozen, update_arrays
from core.stepper import Stepper

UPDATE_SUFFIXES = (".old", ".step", ".new")


@dataclass(frozen=True)
class Diff:
    """What changed from iteration i to iteration j (j's value minus i's)."""

    i: int
    j: int
    params: Mapping[str, dict] = field(default_factory=dict)  # "conv1.weight" -> {"max_abs", "norm"}
    arrays: Mapping[str, float] = field(default_factory=dict)  # array key -> max |Δ|

    def rows(self) -> list[tuple[str, str, float, float | None]]:
        """(kind, key, max |Δ|, norm of Δ or None), parameters first: for a table."""
        out = [("param", k, d["max_abs"], d["norm"]) for k, d in self.params.items()]
        out += [("array", k, v, None) for k, v in self.arrays.items()]
        return out


class Timeline(TimelineStore):
    """The recorded iterations (core.debugger.timeline_store), read back: states, arrays (replayed
    for iterations run on the fast path), comparisons, and resuming. Thread-safe."""

    # --- reading ----------------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._entries)

    def iterations(self) -> list[int]:
        """The recorded iteration indices, oldest first."""
        with self._lock:
            return [e.iteration for e in self._entries]

    def entry(self, i: int) -> Entry:
        with self._lock:
            for e in self._entries:
                if e.iteration == i:
                    return e
        raise KeyError(f"iteration {i} is not recorded (recorded: {self._range_text()})")

    def _range_text(self) -> str:
        its = self.iterations()
        return f"{its[0]}–{its[-1]}" if its else "none"

    def has_arrays(self, i: int) -> bool:
        return self.entry(i).arrays is not None

    def state_at(self, i: int) -> dict:
        """The boundary state at the start of iteration i (arrays read-only; load_state copies them)."""
        with self._lock:
            e = self.entry(i)
            state = dict(e.state)
            state["params"] = {lname: dict(ps) for lname, ps in e.state["params"].items()}
            if e.own_history is not None:
                h = e.own_history
            else:
                nb, ne = e.history_len
                h = {"batch_loss": self._history["batch_loss"][:nb], "batch_acc": self._history["batch_acc"][:nb],
                     "epochs": [dict(r) for r in self._history["epochs"][:ne]]}
            state["history"] = {k: list(v) for k, v in h.items()}
            return state

    def params_at(self, i: int) -> dict[str, np.ndarray]:
        """``{"conv1.weight": array, ...}`` at the start of iteration i."""
        return {f"{lname}.{k}": v for lname, ps in self.entry(i).state["params"].items() for k, v in ps.items()}

    def arrays_at(self, i: int) -> Mapping[str, np.ndarray]:
        """Every array iteration i produced (Snapshot keys), recorded or replayed from its state."""
        with self._lock:
            e = self.entry(i)
            if e.arrays is None:
                return MappingProxyType(self._replay(e)[0])
            old = e.state["params"]
            new = {lname: {k: e.new_params[f"{lname}.{k}"] for k in ps} for lname, ps in old.items()}
            update = update_arrays(old, new)
            update.update({k: frozen(v) for k, v in update.items() if k.endswith(".step")})
            return MappingProxyType({**e.arrays, **update})

    def batch_at(self, i: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(x, y, batch indices) iteration i trained on."""
        with self._lock:
            e = self.entry(i)
            if e.x is None:
                _, rec = self._replay(e)
                return rec.last.x, rec.last.y, rec.last.batch_indices
            return e.x, e.y, e.batch_indices

    def quantities_at(self, i: int) -> tuple:
        with self._lock:
            e = self.entry(i)
            return e.quantities if e.arrays is not None else tuple(self._replay(e)[1].quantities)

    def record_of(self, i: int):
        """The core.record.IterationRecord of recorded iteration i, run again phase by phase from its
        start state on a copy of the network (the same numbers: the same computation)."""
        with self._lock:
            return self._replay(self.entry(i))[1]

    def _replay(self, e: Entry):
        """Run iteration e phase by phase on a copy of the network, from its state."""
        from core.record import IterationRecord

        if self._replayed is not None and self._replayed[0] == e.iteration:
            return self._replayed[1], self._replayed[2]
        if self._source is None:
            raise RuntimeError("the timeline has no stepper to replay with (record one first)")
        st = replay_stepper(self._source, self.state_at(e.iteration))
        rec = IterationRecord(e.iteration)
        while True:
            snap = st.step_phase()
            rec.add(snap)
            if snap.kind == "update":
                break
        arrays = dict(rec.arrays)
        self._replayed = (e.iteration, arrays, rec)
        self._bytes = self._count_bytes()
        return arrays, rec

    # --- comparing and resuming -------------------------------------------------------------------

    def diff(self, i: int, j: int) -> Diff:
        """Per parameter (at the start of each iteration): max |Δ| and ‖Δ‖; per array key: max |Δ|."""
        pi, pj = self.params_at(i), self.params_at(j)
        params = {}
        for k in pi:
            if k in pj and pi[k].shape == pj[k].shape:
                d = pj[k].astype(np.float64) - pi[k].astype(np.float64)
                params[k] = {"max_abs": float(np.abs(d).max(initial=0.0)), "norm": float(np.linalg.norm(d))}
        ai, aj = dict(self.arrays_at(i)), dict(self.arrays_at(j))
        arrays = {}
        for k, a in ai.items():
            b = aj.get(k)
            if b is not None and a.shape == b.shape and a.dtype != bool:
                arrays[k] = max_abs_diff(a, b)
        return Diff(i, j, MappingProxyType(params), MappingProxyType(arrays))

    def resume(self, stepper: Stepper, i: int) -> None:
        """Load the state at the start of iteration i into ``stepper`` and forget iterations ≥ i.

        Continuing from there reproduces the recorded run bit for bit (same seed, same state).
        """
        with self._lock:
            state = self.state_at(i)
            stepper.load_state(state)
            self._drop_from(i)
            self._source, self._pending = stepper, stepper.state(copy=False)
            self._bytes = self._count_bytes()


def replay_stepper(source: Stepper, state: dict) -> Stepper:
    """A Stepper on a copy of ``source``'s network and its data, at ``state`` (the live one is untouched)."""
    net = source.net.astype(source.net.dtype)
    st = Stepper(net, source.data, batch_size=int(state["batch_size"]), optimizer=state["optimizer"]["name"],
                 lr=state["optimizer"]["lr"], seed=int(state["seed"]), evaluate_every_epoch=False)
    st.load_state(state)
    return st
