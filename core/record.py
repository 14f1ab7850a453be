"""Everything one iteration has produced so far, merged from its phase snapshots.

A panel showing the feature maps needs every forward output of this iteration, not only the
phase just run; the error maps need every backward phase so far. ``IterationRecord`` gathers the
snapshots of one iteration (they are immutable, so this holds references, not copies).
"""

from __future__ import annotations

from types import MappingProxyType

from core.notation import Quantity
from core.snapshot import Snapshot


class IterationRecord:
    """The snapshots of one iteration in order, and their arrays merged by key."""

    def __init__(self, iteration: int):
        self.iteration = iteration
        self.snapshots: list[Snapshot] = []
        self._arrays: dict = {}

    def add(self, snap: Snapshot) -> None:
        if snap.iteration != self.iteration:
            raise ValueError(f"snapshot of iteration {snap.iteration} added to the record of {self.iteration}")
        self.snapshots.append(snap)
        self._arrays.update(snap.arrays)

    @property
    def last(self) -> Snapshot | None:
        return self.snapshots[-1] if self.snapshots else None

    @property
    def arrays(self):
        return MappingProxyType(self._arrays)

    @property
    def quantities(self) -> list[Quantity]:
        return [q for s in self.snapshots for q in s.quantities]

    @property
    def complete(self) -> bool:
        return bool(self.snapshots) and self.snapshots[-1].kind == "update"

    def snapshot_of(self, phase: str) -> Snapshot | None:
        return next((s for s in self.snapshots if s.phase == phase), None)
