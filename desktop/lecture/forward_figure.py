"""12.2's forward equations: the block's maps for the focused digit, from its input to its output."""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QGridLayout, QVBoxLayout

from core.lecture.colours import role_of
from desktop.lecture.array_image import ArrayImage
from desktop.lecture.figure import Figure, IndexBox


class ForwardFigure(Figure):
    """One map per layer of the block (a chosen channel of each), input first; ŷ as a bar of cells."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.channel = IndexBox("channel ")
        self.row = QGridLayout()  # two maps a row: large enough to see
        self.maps: list[ArrayImage] = []
        self.note = self.label(pt=10.5)
        lay = QVBoxLayout(self)
        lay.addWidget(self.channel)
        lay.addLayout(self.row, 1)
        lay.addWidget(self.note)
        self.channel.valueChanged.connect(lambda _: self.redraw())

    def _map(self, k: int) -> ArrayImage:
        while len(self.maps) <= k:
            m = ArrayImage()
            self.row.addWidget(m, len(self.maps) // 2, len(self.maps) % 2)
            self.maps.append(m)
        return self.maps[k]

    def draw(self) -> None:
        v, plan = self.view, self.plan
        names = [n.name for n in v.nodes]
        first = names.index(plan.layer)
        last_phase = [p for p in plan.runs if p.startswith("forward:")][-1]
        end = names.index(last_phase.partition(":")[2])
        s = v.focus
        items = [("x" if first == 0 else v.output_symbols[names[first - 1]].unicode,
                  v.x[s] if first == 0 else v.arrays.get(f"{names[first - 1]}.out", [None] * (s + 1))[s])]
        for i in range(first, end + 1):
            if v.nodes[i].layer.spec.category == "Reshape":
                continue
            a = v.arrays.get(f"{names[i]}.out")
            items.append((f"{v.output_symbols[names[i]].unicode}  ({names[i]})", None if a is None else a[s]))
        if "loss" in plan.runs and "probs" in v.arrays:
            items.append(("ŷ = softmax", v.arrays["probs"][s]))
        chans = [np.asarray(a).shape[0] for _, a in items if a is not None and np.ndim(a) == 3]
        self.channel.set_count(min(chans) if chans else 1)
        self.channel.setVisible(bool(chans))
        c = self.channel.index()
        self._shown = {}
        for k, (title, a) in enumerate(items):
            m = self._map(k)
            m.show()
            m.role = role_of(title.split()[0]) or ("yhat" if title.startswith("ŷ") else None)
            if a is None:
                m.set_array(None, title=title)
                continue
            a = np.asarray(a, np.float64)
            shown = a[min(c, a.shape[0] - 1)] if a.ndim == 3 else (a[:, None] if a.ndim == 1 and a.size <= 16 else a)
            if shown.ndim == 1:  # a long vector: in rows of 12
                cols = 12
                shown = np.pad(shown, (0, -shown.size % cols), constant_values=np.nan).reshape(-1, cols)
            m.set_array(shown, title=title + (f", channel {min(c, a.shape[0] - 1)}" if a.ndim == 3 else ""))
            self._shown[title.split()[0]] = a
        for m in self.maps[len(items):]:
            m.hide()
        self.note.setText(self.html(f"Sample {s + 1} of the batch (label {int(v.y[s])}); each map is the layer's "
                                    "output as the phase left it."))
