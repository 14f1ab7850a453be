"""An axis of the inspector's plane: ticks at cell centres with 1-based numbers, as many as fit."""

from __future__ import annotations

import pyqtgraph as pg

from desktop.inspector.plane import Axis

STEPS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)


class IndexAxis(pg.AxisItem):
    """Labels every cell while they are wide enough, else every 2nd, 5th, 10th… (and the first)."""

    def __init__(self, orientation: str):
        super().__init__(orientation)
        self._ticks: tuple[tuple[float, int], ...] = ()
        self._numbers: dict[float, int] = {}
        self.setStyle(tickLength=-4, autoExpandTextSpace=True, hideOverlappingLabels=True)

    def set_axis(self, axis: Axis | None, named: bool = True) -> None:
        self._ticks = axis.ticks if axis is not None else ()
        self._numbers = {round(p, 6): n for p, n in self._ticks}
        if named and axis is not None:
            self.setLabel(axis.name)
        else:
            self.showLabel(False)
        self.setStyle(showValues=bool(self._ticks))
        self.picture = None
        self.update()

    def tickValues(self, min_val, max_val, size):  # (pyqtgraph calls it positionally)
        if not self._ticks or size <= 0:
            return []
        lo, hi = sorted((min_val, max_val))
        if hi <= lo:
            return []
        stride = self._ticks[1][0] - self._ticks[0][0] if len(self._ticks) > 1 else 1.0
        per_tick = size / (hi - lo) * stride  # px between two neighbouring numbers
        digits = len(str(self._ticks[-1][1]))
        need = 8 + 8 * digits if self.orientation in ("top", "bottom") else 16
        step = next((s for s in STEPS if s * per_tick >= need), STEPS[-1])
        # 1, 2, 3 …; 1, 3, 5 …; 1, 5, 10 …; 1, 10, 20 …
        values = [p for p, n in self._ticks if lo <= p <= hi
                  and (n % step == (1 if step == 2 else 0) or (n == 1 and step > 2))]
        return [(stride * step, values)]

    def tickStrings(self, values, scale, spacing):
        return [str(self._numbers.get(round(v, 6), "")) for v in values]
