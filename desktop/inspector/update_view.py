"""The update of one parameter, one slice at a time: old, −α·∂L/∂θ, new and new − old, each a
grid with its numbers; a line below checks that new − old is the step.

Old and new share one colour scale and one number format (with enough decimals to show the
step where the cells have room); the step and new − old share the step's (it is much smaller).
Two by two — old | step over new | new − old: old sits above new and the step above the
difference that must equal it, each pair's colour bar under it — or, for a vector or a wide
matrix, the four in one column (old, new, step, new − old), whichever leaves larger cells.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QLabel, QVBoxLayout, QWidget

from desktop.inspector.array_view import ArrayView
from desktop.inspector.colour_bar import ColourBar
from desktop.inspector.item import UpdateItem
from desktop.inspector.numbers import finite_max_abs, number_format, value_text
from desktop.inspector.plane import Plane, plane_of
from desktop.panels.base import set_look
from desktop.panels.image_grid import DIVERGING
from desktop.panels.levels import symmetric_levels

PARTS = ("old", "step", "new", "diff")
# row by row; "values" and "changes" are the colour bars of (old, new) and (step, new − old)
ORDER = {2: ("old", "step", "new", "diff", "values", "changes"), 1: ("old", "new", "values", "step", "diff", "changes")}
# px around each grid: its left axis beside it; its title, top axis and (a share of) a colour bar
SIDE, ABOVE = 30, 70
MAX_STRETCH = 1.6  # update grids are number tables: cells up to 1.6× wider than tall


def arrangement(plane_shape: tuple[int, int], width: float, height: float) -> int:
    """How many columns (2 or 1) make the cells largest for four planes of ``plane_shape``."""
    h, w = plane_shape
    cells = {cols: min((width / cols - SIDE) / w, (height / (4 // cols) - ABOVE) / h) for cols in (2, 1)}
    return 1 if cells[1] > cells[2] + 0.5 else 2


class UpdateView(QWidget):
    """``set_update(item, fixed, tiles)``; ``sigHover(part, index)``, ``sigClicked(part, index)``."""

    sigHover = Signal(str, tuple)
    sigClicked = Signal(str, tuple)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.views: dict[str, ArrayView] = {}
        self.titles: dict[str, QLabel] = {}
        self._boxes: dict[str, QWidget] = {}
        for part in PARTS:
            box = QWidget()
            lay = QVBoxLayout(box)
            lay.setContentsMargins(0, 0, 0, 0)
            lay.setSpacing(0)
            title = QLabel()
            title.setAlignment(Qt.AlignmentFlag.AlignCenter)
            set_look(title, pt=9)
            view = ArrayView(colorbar=None, axis_names=False, max_stretch=MAX_STRETCH)
            view.setMinimumSize(100, 60)
            view.sigHover.connect(lambda index, p=part: self.sigHover.emit(p, index))
            view.sigClicked.connect(lambda index, p=part: self.sigClicked.emit(p, index))
            lay.addWidget(title)
            lay.addWidget(view, 1)
            self.views[part], self.titles[part], self._boxes[part] = view, title, box
        self.bars = {"values": ColourBar("old, new"), "changes": ColourBar("step, new − old")}
        self._boxes.update(self.bars)
        self.check = QLabel()
        self.check.setWordWrap(True)
        set_look(self.check, pt=9)
        self.grid = QGridLayout()
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setSpacing(6)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addLayout(self.grid, 1)
        outer.addWidget(self.check)
        self.columns = 0
        self.item: UpdateItem | None = None
        self.planes: dict[str, Plane] = {}
        self._arrange(2)

    def set_update(self, item: UpdateItem, fixed: tuple[int, ...] = (), tiles: bool = False,
                   keep_zoom: bool = False) -> None:
        self.item = item
        arrays = {"old": item.old, "step": item.step, "new": item.new, "diff": item.diff}
        self.planes = {p: plane_of(a, item.axes, fixed, tiles) for p, a in arrays.items()}
        value_levels = symmetric_levels(np.concatenate([item.old.ravel(), item.new.ravel()]))
        step_levels = symmetric_levels(item.step)
        step_max = finite_max_abs(item.step)
        value_fmt = number_format(finite_max_abs(item.old, item.new), resolution=step_max)
        step_fmt = number_format(step_max)
        self.bars["values"].set_scale(value_levels, exponent=value_fmt.exponent)
        self.bars["changes"].set_scale(step_levels, exponent=step_fmt.exponent)
        for part in PARTS:
            values = part in ("old", "new")
            self.views[part].set_plane(self.planes[part], value_levels if values else step_levels, DIVERGING,
                                       value_fmt if values else step_fmt, keep_zoom=keep_zoom)
        s = item.symbol
        vf, sf = (f"   (numbers {f.factor})" if f.factor else "" for f in (value_fmt, step_fmt))
        self.titles["old"].setText(f"old {s}{vf}")
        alpha = f", α = {item.lr:g}" if item.optimizer == "sgd" else ""
        self.titles["step"].setText(f"{item.step_name}{alpha}{sf}")
        self.titles["new"].setText(f"new {s} = old + step{vf}")
        self.titles["diff"].setText(f"new {s} − old {s}{sf}")
        n = item.old.size
        if item.mismatch == 0:
            text = f"new − old − step = 0 for all {n} values: new = old + step exactly"
        elif item.consistent:
            text = (f"|new − old − step| ≤ {value_text(item.mismatch)} for all {n} values: new = old + step "
                    f"up to the rounding of floating point")
        else:
            text = (f"|new − old − step| is up to {value_text(item.mismatch)}: new is not old + step "
                    f"(the optimiser did more)")
        self.check.setText(text)
        self._arrange(arrangement(self.planes["old"].shape, self.width(), self.height() - 30))

    def set_selected(self, index: tuple | None) -> None:
        for view in self.views.values():
            view.set_selected(index)

    def zoom(self, factor: float) -> None:
        for view in self.views.values():
            view.fit() if factor == 0 else view.zoom(factor)

    def _arrange(self, cols: int) -> None:
        if cols == self.columns:
            return
        self.columns = cols
        for box in self._boxes.values():
            self.grid.removeWidget(box)
        for i, part in enumerate(ORDER[cols]):
            self.grid.addWidget(self._boxes[part], i // cols, i % cols)
        for c in range(2):
            self.grid.setColumnStretch(c, 1 if c < cols else 0)
        for r in range(6):
            self.grid.setRowStretch(r, 0 if r >= len(ORDER[cols]) // cols or ORDER[cols][r * cols] in self.bars else 1)

    def resizeEvent(self, ev) -> None:
        super().resizeEvent(ev)
        if self.planes:
            self._arrange(arrangement(self.planes["old"].shape, ev.size().width(), ev.size().height() - 30))
