"""The timeline's storage: recorded iterations, their arrays stored once, bounded in count and bytes.

For every completed iteration ``i`` an Entry keeps the boundary state at its start
(``Stepper.state()``) and, when it was run phase by phase, the arrays it produced. Arrays that
hold the same numbers are stored once: ∂L/∂(input) of a layer is ∂L/∂(output) of the one before
it, the update's ``.old`` is the state's parameters and its ``.new`` the next state's, and
``.step`` (= new − old) is not stored at all. Curves are stored once for the whole timeline
(every entry's curves are a prefix of the newest). Memory is bounded by ``max_iterations`` and
``max_bytes``; the oldest iterations are dropped first. Reading, replaying, comparing and
resuming are core.debugger.timeline's.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

from core.snapshot import frozen
from core.stepper import Stepper


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and a.dtype == b.dtype and bool(np.array_equal(a, b))


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


class TimelineStore:
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
                    ps[k] = old if old is not None and _same(old, v) else frozen(v)
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
            a = frozen(np.asarray(a))
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

    @staticmethod
    def _arrays_of(e: Entry):
        """Every array an entry holds (some shared with other entries)."""
        for ps in e.state["params"].values():
            yield from ps.values()
        yield from e.state["optimizer"]["state"].values()
        for group in (e.arrays or {}, e.new_params or {}):
            yield from group.values()
        yield from (a for a in (e.x, e.y, e.batch_indices) if a is not None)

    def _count_bytes(self, entries=None, curves: bool = True) -> int:
        """Bytes of every distinct array buffer held, plus the curves (about 32 bytes a number).

        ``entries``: count only these (default all); ``curves``: add the shared curves and the
        replayed arrays too.
        """
        seen: set[int] = set()
        total = 0

        def add(a) -> int:
            base = a
            while isinstance(base.base, np.ndarray):
                base = base.base
            if id(base) in seen:
                return 0
            seen.add(id(base))
            return base.nbytes

        for e in self._entries if entries is None else entries:
            total += sum(add(a) for a in self._arrays_of(e))
            if e.own_history is not None:
                total += 32 * (2 * len(e.own_history["batch_loss"]) + 8 * len(e.own_history["epochs"]))
            total += 32 * len(e.state.get("epoch_acc", [[]])[0])
        if not curves:
            return total
        total += 32 * (2 * len(self._history["batch_loss"]) + 8 * len(self._history["epochs"]))
        if self._replayed is not None:
            total += sum(add(a) for a in self._replayed[1].values())
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


def _settings_as_used(start: dict, end: dict) -> None:
    """Settings changed between iterations (learning rate, optimiser, batch size) took effect for
    this iteration: its start state must carry them, or resuming there would train differently."""
    s, e = start["optimizer"], end["optimizer"]
    if s["name"] != e["name"]:  # switching optimiser starts it fresh
        start["optimizer"] = {"name": e["name"], "lr": e["lr"], "state": {}}
    else:
        s["lr"] = e["lr"]
    start["batch_size"] = end["batch_size"]
