"""12.4's algorithm boxes with this network's numbers: one node per layer, its sum written out."""

from __future__ import annotations

from PySide6.QtWidgets import QVBoxLayout

from core.lecture import summaries
from core.lecture.latex import latex_plain
from core.lecture.roles import Roles
from desktop.lecture.array_image import tex_number
from desktop.lecture.figure import Figure
from desktop.math_view import MathView


def _n(v: float) -> str:
    return tex_number(v)


def _idx(t) -> str:
    return ",".join(str(k) for k in t)


class SummaryFigure(Figure):
    def __init__(self, conv: bool, parent=None):
        super().__init__(parent)
        self.conv = conv
        self.lines = [MathView(size=18) for _ in range(6)]
        self.notes = [self.label(pt=10.5) for _ in range(6)]
        lay = QVBoxLayout(self)
        lay.addWidget(self.label("This network's numbers for the focused sample, at the node with the largest error:"))
        for m, n in zip(self.lines, self.notes):
            lay.addWidget(m)
            lay.addWidget(n)
        lay.addStretch(1)

    def draw(self) -> None:
        v = self.view
        roles = Roles(v.nodes)
        want = "error-conv" if self.conv else "error-dense"
        steps = [s for s in roles.steps() if s.kind == want and s.quantity.key in v.arrays]
        for m in self.lines:
            m.set_latex("")
        for n in self.notes:
            n.setText("")
        self._shown = {"nodes": [], "weights": []}
        row = 0
        for st in steps:
            z, zn, w = roles.symbol(st.z_node), roles.symbol(st.weighted), roles.weight(st.weighted)
            if self.conv:
                ns = summaries.conv_node(v, roles, st, v.focus)
                c, i, j = ns.via
                node = _idx(ns.index)
                self.lines[row].set_latex(
                    rf"\frac{{\partial L}}{{\partial {z}_{{{node}}}}} = \Big(\sum_f \sum_{{m,n}} {w}_{{f{c}mn}}"
                    rf"\frac{{\partial L}}{{\partial {zn}_{{f,({i}-m),({j}-n)}}}}\Big) f'({z}_{{{node}}})"
                    rf" = ({_n(ns.back)})({_n(ns.fprime)}) = {_n(ns.value)}")
                self.notes[row].setText(self.html(
                    f"Node {ns.index} was the maximum of pooled value ({c}, {i}, {j}), whose error is the bracket. "
                    f"The engine's value: {ns.engine:.6g}."))
            else:
                ns = summaries.fc_node(v, roles, st, v.focus)
                i = _idx(ns.index)
                col = ns.via[0] if ns.via else i
                self.lines[row].set_latex(
                    rf"\frac{{\partial L}}{{\partial {z}_{{{i}}}}} = \Big(\sum_j {w}_{{j,{col}}}"
                    rf"\frac{{\partial L}}{{\partial {zn}_j}}\Big) f'({z}_{{{i}}}) = ({_n(ns.back)})({_n(ns.fprime)})"
                    rf" = {_n(ns.value)}")
                routed = st.node + 1 != st.weighted
                self.notes[row].setText(self.html(
                    (f"Node {ns.index} was the maximum of its pooling window, which flattens to input {col} of "
                     f"{latex_plain(w)}: the bracket is the error sent back to it. " if routed else "")
                    + f"The engine's value: {ns.engine:.6g}."))
            self._shown["nodes"].append(ns)
            row += 1
        layers = [n.name for n in v.nodes if n.layer.weighted
                  and (n.layer.spec.category == "Convolution") == self.conv and f"{n.name}.weight.grad" in v.arrays]
        for name in layers:
            if row >= len(self.lines):
                break
            k = [n.name for n in v.nodes].index(name)
            w, zs, ins = roles.weight(k), roles.symbol(k), roles.symbol(k - 1)
            if self.conv:
                idx, total, engine = summaries.conv_weight(v, name, v.focus)
                f, c, m, n = idx
                self.lines[row].set_latex(rf"\frac{{\partial L}}{{\partial {w}_{{{_idx(idx)}}}}} = \sum_{{\nc{{y,x}}}}"
                                          rf"\frac{{\partial L}}{{\partial {zs}_{{{f},\nc{{yx}}}}}}\, "
                                          rf"{ins}_{{{c},(\nc{{y}}+{m})(\nc{{x}}+{n})}}"
                                          rf" = {_n(total)}")
                self.notes[row].setText(self.html(f"The engine's own gradient of this sample: {engine:.6g}."))
                self._shown["weights"].append((name, idx, total, engine))
            else:
                (i, j), a, dz, prod, engine = summaries.fc_weight(v, name, v.focus)
                self.lines[row].set_latex(rf"\frac{{\partial L}}{{\partial {w}_{{{i},{j}}}}} = {ins}_{{{j}}}"
                                          rf"\frac{{\partial L}}{{\partial {zs}_{{{i}}}}} = ({_n(a)})({_n(dz)})"
                                          rf" = {_n(prod)}")
                self.notes[row].setText(self.html(f"The engine's own gradient of this sample: {engine:.6g}."))
                self._shown["weights"].append((name, (i, j), prod, engine))
            row += 1
