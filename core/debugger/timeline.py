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

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np

from core.debugger.what_if import max_abs_diff
from core.snapshot import update_arrays
from core.stepper import Stepper

UPDATE_SUFFIXES = (".old", ".step", ".new")


def _readonly(a: np.ndarray) -> np.ndarray:
    if a.flags.writeable:
        a = np.array(a, copy=True)
        a.setflags(write=False)
    return a


@dataclass
class Entry:
    """One recorded iteration. ``arrays`` is None when it ran on the fast path (replayed on demand)."""

    iteration: int
    epoch: int
    state: dict  # Stepper.state() at its start; "history" replaced by lengths into the timeline's curves
    arrays: dict | None = None  # deduplicated, without ".old"/".step"/".new"
    new_params: dict | None = None  # "<layer>.<param>" -> the update's result (shared with the next state)
    x: np.ndarray | None = None
    y: np.ndarray | None = None
    batch_indices: np.ndarray | None = None
    quantities: tuple = ()
    history_len: tuple = (0, 0)  # (batches, epochs) of the curves at its start
    own_history: dict | None = None  # set when the curves are not a prefix of the timeline's


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


class Timeline:
    """The recorded iterations, oldest first, bounded in count and bytes. Thread-safe."""

    def __init__(self, max_iterations: int = 100, max_bytes: int = 500 * 2**20):
        self.max_iterations = int(max_iterations)
        self.max_bytes = int(max_bytes)
        self._entries: list[Entry] = []
        self._pending: dict | None = None  # the boundary state the next iteration starts from
        self._history = {"batch_loss": [], "batch_acc": [], "epochs": []}
        self._replayed: tuple | None = None  # (iteration, arrays, IterationRecord) of the last replay
        self._source: Stepper | None = None  # network and data to replay with
        self._bytes = 0
        self._lock = threading.RLock()

    # --- recording --------------------------------------------------------------------------------

    def attach(self, stepper: Stepper) -> None:
        """Remember the state the next iteration starts from (call at an iteration boundary)."""
        with self._lock:
            self._source = stepper
            self._pending = stepper.state(copy=False)

    @property
    def attached_at(self) -> int | None:
        """The iteration the next recorded one must be (the stepper's boundary when last seen)."""
        with self._lock:
            return None if self._pending is None else int(self._pending["iteration"])

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._replayed = None
            self._history = {"batch_loss": [], "batch_acc": [], "epochs": []}
            self._bytes = 0

    def record(self, stepper: Stepper, record=None) -> bool:
        """Record the iteration ``stepper`` has just completed (it is at the next boundary).

        ``record``: its core.record.IterationRecord if it was run phase by phase (its arrays are
        kept), else None (they are replayed when asked for). Returns False if the state at the
        iteration's start is unknown (call :meth:`attach` before the first one) — the timeline
        then starts from here.
        """
        with self._lock:
            done = stepper.iteration - 1
            start, end = self._pending, stepper.state(copy=False)
            self._source, self._pending = stepper, end
            if self._entries and self._entries[-1].iteration >= done:  # a rewind we were not told of
                self._drop_from(done)
            if start is None or int(start["iteration"]) != done:
                return False
            _settings_as_used(start, end)
            entry = Entry(done, int(start["epoch"]), start)
            self._share_history(entry, end["history"])
            if record is not None and getattr(record, "complete", False) and record.iteration == done:
                self._keep_arrays(entry, record)
            # the state's parameters are the previous update's results: one copy for both
            prev = self._entries[-1] if self._entries and self._entries[-1].iteration == done - 1 else None
            for lname, ps in start["params"].items():
                for k, v in ps.items():
                    old = prev.new_params.get(f"{lname}.{k}") if prev and prev.new_params else None
                    ps[k] = old if old is not None and _same(old, v) else _readonly(v)
            self._entries.append(entry)
            self._evict()
            return True

    def _share_history(self, entry: Entry, latest: dict) -> None:
        """Curves: entries store lengths into the newest curves when theirs are a prefix of them."""
        h = entry.state.pop("history")
        nb, ne = len(h["batch_loss"]), len(h["epochs"])
        prefix = (latest["batch_loss"][:nb] == h["batch_loss"] and latest["batch_acc"][:nb] == h["batch_acc"]
                  and latest["epochs"][:ne] == h["epochs"])
        if prefix:
            entry.history_len = (nb, ne)
        else:
            entry.own_history = h
        self._history = latest

    def _keep_arrays(self, entry: Entry, record) -> None:
        snap = record.last
        entry.x, entry.y, entry.batch_indices = snap.x, snap.y, snap.batch_indices
        entry.quantities = tuple(record.quantities)
        seen: dict[tuple, list[np.ndarray]] = {}
        for ps in entry.state["params"].values():
            for v in ps.values():
                seen.setdefault((v.dtype.str, v.shape), []).append(v)
        arrays, new = {}, {}
        for key, a in record.arrays.items():
            if key.endswith(".old") or key.endswith(".step"):
                continue  # .old is the state's parameter; .step = new − old, derived on reading
            a = _readonly(np.asarray(a))
            bucket = seen.setdefault((a.dtype.str, a.shape), [])
            same = next((b for b in bucket if b is a or _same(b, a)), None)
            if same is None:
                bucket.append(a)
                same = a
            if key.endswith(".new"):
                new[key[: -len(".new")]] = same
            else:
                arrays[key] = same
        entry.arrays, entry.new_params = arrays, new

    def _drop_from(self, iteration: int) -> None:
        self._entries = [e for e in self._entries if e.iteration < iteration]
        self._replayed = None

    def _evict(self) -> None:
        """Keep the newest entries within both limits.

        A full count walks every entry, too slow to do at every iteration of a Run, so the last
        exact count plus each new entry's own bytes (an upper bound: nothing shared is
        subtracted) is kept, and the exact count is taken only when that bound reaches the limit.
        """
        while len(self._entries) > max(self.max_iterations, 1):
            self._entries.pop(0)
        if self._entries:
            self._bytes += self._count_bytes(self._entries[-1:], curves=False)
        if self._bytes <= self.max_bytes:
            return
        self._bytes = self._count_bytes()
        while len(self._entries) > 1 and self._bytes > self.max_bytes:
            self._entries.pop(0)
            self._bytes = self._count_bytes()
        if self._replayed is not None and self._replayed[0] not in self.iterations():
            self._replayed = None

    def set_limits(self, max_iterations: int | None = None, max_bytes: int | None = None) -> None:
        with self._lock:
            if max_iterations is not None:
                self.max_iterations = int(max_iterations)
            if max_bytes is not None:
                self.max_bytes = int(max_bytes)
            self._evict()

    # --- memory -----------------------------------------------------------------------------------

    def _count_bytes(self, entries=None, curves: bool = True) -> int:  # noqa: C901 - to be split along its seams (#9)
        """Bytes of every distinct array buffer held, plus the curves (about 32 bytes a number).

        ``entries``: count only these (default all); ``curves``: add the shared curves and the
        replayed arrays too.
        """
        seen: set[int] = set()
        total = 0

        def add(a):
            nonlocal total
            if a is None:
                return
            base = a
            while isinstance(base.base, np.ndarray):
                base = base.base
            if id(base) not in seen:
                seen.add(id(base))
                total += base.nbytes

        for e in self._entries if entries is None else entries:
            for ps in e.state["params"].values():
                for v in ps.values():
                    add(v)
            for v in e.state["optimizer"]["state"].values():
                add(v)
            for group in (e.arrays or {}, e.new_params or {}):
                for v in group.values():
                    add(v)
            add(e.x), add(e.y), add(e.batch_indices)
            if e.own_history is not None:
                total += 32 * (2 * len(e.own_history["batch_loss"]) + 8 * len(e.own_history["epochs"]))
            total += 32 * len(e.state.get("epoch_acc", [[]])[0])
        if not curves:
            return total
        total += 32 * (2 * len(self._history["batch_loss"]) + 8 * len(self._history["epochs"]))
        if self._replayed is not None:
            for v in self._replayed[1].values():
                add(v)
        return total

    @property
    def bytes_bound(self) -> int:
        """The running figure: an upper bound of the bytes held, exact after each full count; free to read."""
        with self._lock:
            return self._bytes

    @property
    def bytes_used(self) -> int:
        """The exact count: walks every buffer held (the running figure is an upper bound between counts)."""
        with self._lock:
            self._bytes = self._count_bytes()
            return self._bytes

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
            update.update({k: _readonly(v) for k, v in update.items() if k.endswith(".step")})
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


def _settings_as_used(start: dict, end: dict) -> None:
    """Settings changed between iterations (learning rate, optimiser, batch size) took effect for
    this iteration: its start state must carry them, or resuming there would train differently."""
    s, e = start["optimizer"], end["optimizer"]
    if s["name"] != e["name"]:  # switching optimiser starts it fresh
        start["optimizer"] = {"name": e["name"], "lr": e["lr"], "state": {}}
    else:
        s["lr"] = e["lr"]
    start["batch_size"] = end["batch_size"]


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and a.dtype == b.dtype and bool(np.array_equal(a, b))


def replay_stepper(source: Stepper, state: dict) -> Stepper:
    """A Stepper on a copy of ``source``'s network and its data, at ``state`` (the live one is untouched)."""
    net = source.net.astype(source.net.dtype)
    st = Stepper(net, source.data, batch_size=int(state["batch_size"]), optimizer=state["optimizer"]["name"],
                 lr=state["optimizer"]["lr"], seed=int(state["seed"]), evaluate_every_epoch=False)
    st.load_state(state)
    return st
