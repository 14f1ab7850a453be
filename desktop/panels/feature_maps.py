"""Every layer's output for the focused sample: z⁽ᵏ⁾, f(z⁽ᵏ⁾), a⁽ᵏ⁾ as tiled maps, vectors as strips.

One row per block of the lecture's network (conv → sigmoid → pool; dense → sigmoid; dense);
flatten layers are left out (their output is the pool's, reshaped). The layer the current phase
touched is framed and its title bold; a layer not run yet in this iteration keeps its title, greyed
(a title that changed wording would be laid out again, and the grid with it). Levels: 0..1 for
non-negative outputs up to 1 (sigmoid,
pooled sigmoid), otherwise symmetric around zero (diverging colours), rounded to 1-2-5 steps.
"""

from __future__ import annotations

from core.view import StepView, shape_text
from desktop.panels.base import Panel
from desktop.panels.image_grid import auto_style


def block_rows(nodes) -> list[list]:
    """Nodes (Reshape ones dropped) in rows: one per conv block (a new row at each weighted layer
    with map outputs), then all the vector layers (dense blocks) in one row."""
    rows: list[list] = []
    for node in nodes:
        if node.layer.spec.category == "Reshape":
            continue
        maps = len(node.out_shape) == 3
        if not rows or (node.layer.weighted and maps) or (not maps and len(rows[-1][-1].out_shape) == 3):
            rows.append([])
        rows[-1].append(node)
    return rows


class FeatureMapsPanel(Panel):
    title = "Feature maps"

    def __init__(self, parent=None):
        super().__init__(parent)
        self.grid = self.make_grid()
        self.caption = self.make_captioned_body(self.grid, caption_pt=9)
        self.caption.setText("Framed: the layer of this phase. Greyed: not computed yet in this iteration.")

    def draw(self, view: StepView) -> str | None:
        rows = block_rows(view.nodes)
        self.grid.set_cells([[f"{n.name}.out" for n in row] for row in rows])
        symbols = view.output_symbols
        focus = min(view.focus, len(view.x) - 1) if view.x is not None else 0
        any_shown = False
        for row in rows:
            for node in row:
                key = f"{node.name}.out"
                title = f"{node.name} — {symbols[node.name].unicode} ({shape_text(node.out_shape)})"
                maps = view.focused(key)
                if maps is None:
                    self.grid.clear_map(key, title)
                    continue
                levels, cmap = auto_style(maps)
                self.grid.set_map(key, maps, title, levels, cmap, highlight=node.name == view.layer)
                self.record(key, maps, prefix=(("sample", focus),))
                any_shown = True
        return None if any_shown else "Step (F11) to run the first phase: the forward pass fills these maps"
