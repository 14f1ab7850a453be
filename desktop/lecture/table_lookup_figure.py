"""12.1's table lookup: the digit in view, and how many images of its size there are."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout

from core.lecture.forward import humans_seen, table_count
from desktop.lecture.array_image import ArrayImage
from desktop.lecture.figure import Figure
from desktop.math_view import MathView


class TableLookupFigure(Figure):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.image = ArrayImage("x: the digit in view", "x")
        self.lecture = MathView(size=26)
        self.humans = MathView(size=26)
        self.ours = MathView(size=30)
        self.ratio = self.label()
        right = QVBoxLayout()
        seen = "Images seen by all humans ever (people × generations × years × days × seconds × frames):"
        for w in (self.label("The lecture's 3×18 image:"), self.lecture, self.label(seen), self.humans,
                  self.label("Images of the size in view:"), self.ours, self.ratio):
            right.addWidget(w)
        right.addStretch(1)
        lay = QHBoxLayout(self)
        lay.addWidget(self.image, 2)
        lay.addLayout(right, 3)

    def draw(self) -> None:
        v = self.view
        x = None if v is None or v.x is None else v.x[min(v.focus, len(v.x) - 1)]
        shape = tuple(self.plan_shape())
        pixels = 1
        for s in shape:
            pixels *= int(s)
        title = f"x: sample {v.focus + 1} of the batch, {shape[1]}×{shape[2]}" if x is not None else "x"
        self.image.set_array(None if x is None else x[0], signed=False, title=title)
        m54, e54 = table_count(54)
        m, e = table_count(pixels)
        seen = humans_seen()
        self.lecture.set_latex(rf"256^{{54}} = {m54:.1f} \times 10^{{{e54}}}")
        self.humans.set_latex(rf"10^{{10}} \times 10^3 \times 10^2 \times 356 \times 86400 \times 30 = "
                              rf"{seen / 1e23:.1f} \times 10^{{23}} \approx 10^{{24}}")
        self.ours.set_latex(rf"256^{{{pixels}}} = {m:.2f} \times 10^{{{e}}}")
        self.ratio.setText(self.html(f"A table of every {shape[1]}×{shape[2]} image would have about "
                                     f"$10^{{{e - 24}}}$ rows for every image people have ever seen."))
        self._shown = {"pixels": pixels, "lecture": (m54, e54), "count": (m, e), "humans": seen}

    def plan_shape(self):
        v = self.view
        if v is not None and v.nodes:
            shape = tuple(v.nodes[0].in_shape)
            return shape if len(shape) == 3 else (1, 1, int(shape[0]))
        return (1, 28, 28)
