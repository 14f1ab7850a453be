"""Max pooling on the real map: forward (12.1: the window and its maximum) and backward (12.4:
the error "sent back to the node where it came from")."""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout

from core.lecture.colours import box_colour
from desktop.lecture.array_image import ArrayImage, tex_number
from desktop.lecture.figure import Figure, IndexBox
from desktop.math_view import MathView, is_dark


def _n(v: float) -> str:
    return tex_number(v)


class PoolingFigure(Figure):
    def __init__(self, backward: bool = False, parent=None):
        super().__init__(parent)
        self.backward = backward
        self.channel = IndexBox("channel ")
        self.inp = ArrayImage("", "L" if backward else "a")
        self.out = ArrayImage("", "L" if backward else "a")
        self.sum_view = MathView(size=18)
        self.note = self.label(pt=10.5)
        self.cell: tuple[int, int] | None = None  # None: the window with the widest spread of values
        maps = QHBoxLayout()
        maps.addWidget(self.out if backward else self.inp, 1)
        maps.addWidget(self.inp if backward else self.out, 1)
        lay = QVBoxLayout(self)
        lay.addWidget(self.channel)
        lay.addLayout(maps, 1)
        lay.addWidget(self.sum_view)
        lay.addWidget(self.note)
        self.channel.valueChanged.connect(lambda _: self.redraw())
        self.out.sigCellClicked.connect(self.click)

    def click(self, i: int, j: int) -> None:
        self.cell = (i, j)
        self.redraw()

    def draw(self) -> None:
        v, layer = self.view, self.plan.layer
        names = [n.name for n in v.nodes]
        k = names.index(layer)
        node = v.nodes[k]
        ks, st = node.layer.hp.get("kernel_size", 2), node.layer.hp.get("stride", 2)
        s = v.focus
        fwd_in = np.asarray(v.x[s] if k == 0 else v.arrays[f"{names[k - 1]}.out"][s], np.float64)
        fwd_out = np.asarray(v.arrays[f"{layer}.out"][s], np.float64)
        self.channel.set_count(fwd_out.shape[0])
        c = self.channel.index()
        if self.cell is None and self.backward:  # the pooled value with the largest error
            g = np.abs(np.asarray(v.sample_value(f"{layer}.grad_out"), np.float64)[c])
            self.cell = tuple(int(t) for t in np.unravel_index(int(np.argmax(g)), g.shape))
        if self.cell is None:
            ho, wo = fwd_out.shape[1:]
            spread = np.array([[np.ptp(fwd_in[c, a * st:a * st + ks, b * st:b * st + ks]) for b in range(wo)]
                               for a in range(ho)])
            self.cell = tuple(int(t) for t in np.unravel_index(int(np.argmax(spread)), spread.shape))
        i, j = min(self.cell[0], fwd_out.shape[1] - 1), min(self.cell[1], fwd_out.shape[2] - 1)
        win = fwd_in[c, i * st:i * st + ks, j * st:j * st + ks]
        m, n = np.unravel_index(int(np.argmax(win)), win.shape)
        u, w = i * st + m, j * st + n
        colour = box_colour(is_dark(self))
        pin, pout = self.plan.values.get("in", "a"), self.plan.values.get("out", "a")
        if self.backward:
            g_out = np.asarray(v.sample_value(f"{layer}.grad_out"), np.float64)
            g_in = np.asarray(v.sample_value(f"{layer}.grad_in"), np.float64)
            sin, sout = v.output_symbols[names[k - 1]].unicode if k else "x", v.output_symbols[layer].unicode
            self.out.set_array(g_out[c], signed=True, title=f"∂L/∂{sout}, channel {c + 1}")
            self.inp.set_array(g_in[c], signed=True, title=f"∂L/∂{sin}: sent back")
            self.sum_view.set_latex(rf"\frac{{\partial L}}{{\partial {pin}_{{{u + 1},{w + 1}}}}} = "
                                    rf"\frac{{\partial L}}{{\partial {pout}_{{{i + 1},{j + 1}}}}} = "
                                    rf"{_n(g_out[c, i, j])} "
                                    rf"\qquad \text{{the other {ks * ks - 1} of the window: }} 0")
            self.note.setText(self.html(
                f"The window of pooled value ({i + 1}, {j + 1}) covers rows {i * st + 1}–{i * st + ks}, columns "
                f"{j * st + 1}–{j * st + ks}; its maximum sat at ({u + 1}, {w + 1}) in the forward pass "
                f"({fwd_in[c, u, w]:.4f}), so its error goes there and nowhere else."))
            self._shown = {"grad_out": g_out[c], "grad_in": g_in[c], "cell": (i, j), "argmax": (u, w),
                           "routed": g_in[c, u, w], "window_grad": g_in[c, i * st:i * st + ks, j * st:j * st + ks]}
        else:
            sin, sout = v.output_symbols[names[k - 1]].unicode if k else "x", v.output_symbols[layer].unicode
            self.inp.set_array(fwd_in[c], signed=False, title=f"{sin} before pooling, channel {c + 1}")
            self.out.set_array(fwd_out[c], signed=False, title=f"{sout} after pooling, channel {c + 1}")
            vals = ", ".join(_n(x) for x in win.ravel())
            self.sum_view.set_latex(rf"{pout}_{{{i + 1},{j + 1}}} = \max({vals}) = {_n(fwd_out[c, i, j])}")
            self.note.setText(self.html(f"Window ({i + 1}, {j + 1}): rows {i * st + 1}–{i * st + ks}, columns "
                                        f"{j * st + 1}–{j * st + ks}; the maximum sits at ({u + 1}, {w + 1}). "
                                        "Click another."))
            self._shown = {"input": fwd_in[c], "output": fwd_out[c], "cell": (i, j), "window": win,
                           "max": float(win.max())}
        self.inp.highlight([(i * st, j * st, i * st + ks, j * st + ks, colour), (u, w, u + 1, w + 1, "#e53935")])
        self.out.highlight([(i, j, i + 1, j + 1, colour)])
