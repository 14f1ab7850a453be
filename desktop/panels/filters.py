"""The weights the network learns: conv filters g⁽ᶜ⁾ (F, C, kh, kw) tiled, dense weights W⁽ᵈ⁾ (out, in).

One column per filter and one row per input channel (a grid when there is a single channel);
diverging colours, levels symmetric around zero (1-2-5 rounded, so they hold still while training).
"""

from __future__ import annotations

from core.view import StepView, shape_text
from desktop.panels.base import Panel
from desktop.panels.image_grid import DIVERGING, symmetric_levels


class FiltersPanel(Panel):
    title = "Filters and weights"

    def __init__(self, parent=None):
        super().__init__(parent)
        self.grid = self.make_grid()
        self.set_body(self.grid)

    def draw(self, view: StepView) -> str | None:
        symbols = view.weight_symbols
        names = [n for n in symbols if "weight" in view.params.get(n, {})]
        if not names:
            return "This network has no weighted layers"
        convs = [n for n in names if view.params[n]["weight"].ndim == 4]
        dense = [n for n in names if n not in convs]
        self.grid.set_cells([[f"{n}.weight" for n in row] for row in (convs, dense) if row], colorbars=True)
        for name in names:
            w = view.params[name]["weight"]
            what = "filters" if w.ndim == 4 else "weights (out × in)"
            title = f"{name} {what} {symbols[name].unicode} ({shape_text(w.shape)})"
            self.grid.set_map(f"{name}.weight", w, title, symmetric_levels(w), DIVERGING,
                              highlight=name == view.layer)
            self.record(f"{name}.weight", w)
        return None
