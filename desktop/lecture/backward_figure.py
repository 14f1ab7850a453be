"""12.3's nine steps: the chain rule with one factor boxed at a time, as the slides do.

Frame 0 shows the chain; frame k boxes factor k, shows its numbers for the focused sample and the
slide's words about it (the chapter file's ``boxk:`` and ``boxk_math:``); a weight step ends with
its update rule. Always shown: the map the step fills, framed, and the factors multiplied out
(core.lecture.backward.multiply_out) against the engine's own value.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QVBoxLayout

from core.lecture.backward import chain, multiply_out, update
from core.lecture.chapters import fill
from core.lecture.colours import box_colour
from core.lecture.latex import latex_plain
from core.lecture.roles import Roles
from desktop.lecture.array_image import ArrayImage, tex_number
from desktop.lecture.figure import Figure, IndexBox
from desktop.math_view import MathView, is_dark

ROW = 12  # a long vector is drawn in rows of this many


def as_2d(a: np.ndarray, f: int, c: int) -> np.ndarray:
    a = np.asarray(a, np.float64)
    if a.ndim == 1:
        if a.size <= ROW:
            return a[None, :]
        return np.pad(a, (0, -a.size % ROW), constant_values=np.nan).reshape(-1, ROW)
    if a.ndim == 3:
        return a[min(c, a.shape[0] - 1)]
    if a.ndim == 4:
        return a[min(f, a.shape[0] - 1), min(c, a.shape[1] - 1)]
    return a


def _n(v: float) -> str:
    return tex_number(v)


class BackwardFigure(Figure):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.chain_view = MathView(size=26)
        self.box_text = self.label(pt=11.5)
        self.box_math = MathView(size=19)
        self.filt = IndexBox("filter / unit f = ")
        self.chan = IndexBox("channel c = ")
        self.factor_map = ArrayImage()
        self.partial_map = ArrayImage()
        self.result_map = ArrayImage()
        self.check = self.label(pt=10.5)
        self.update_math = MathView(size=19)
        self.update_nums = MathView(size=17)
        pick = QHBoxLayout()
        pick.addWidget(self.filt)
        pick.addWidget(self.chan)
        pick.addStretch(1)
        self.maps = maps = QGridLayout()
        lay = QVBoxLayout(self)
        lay.addWidget(self.chain_view)
        lay.addWidget(self.box_text)
        lay.addWidget(self.box_math)
        lay.addWidget(self.update_math)
        lay.addWidget(self.update_nums)
        lay.addLayout(pick)
        lay.addLayout(maps, 1)
        lay.addWidget(self.check)
        self.filt.valueChanged.connect(lambda _: self.redraw())
        self.chan.valueChanged.connect(lambda _: self.redraw())

    def boxed(self) -> int | None:
        """The factor boxed in this frame (0-based), None on the first and the update frame."""
        ch = self._chain
        if ch is None or self.frame == 0 or self.frame > len(ch.factors) or len(ch.factors) == 1:
            return None
        return self.frame - 1

    def draw(self) -> None:
        v, plan = self.view, self.plan
        roles = Roles(v.nodes)
        self._chain = ch = chain(v, roles, plan.kind, v.focus)
        if ch is None:
            self.chain_view.set_latex(r"\text{(not computed yet)}")
            return
        dark = is_dark(self)
        box = self.boxed()
        self.chain_view.set_latex(ch.latex(box))
        meta = plan.step.meta
        text = meta.get(f"box{box + 1}", "") if box is not None else ""
        if box is not None and text:
            self.box_text.setText(self.html(f"$\\boxed{{{ch.factors[box].latex}}}$ {fill(text, plan.values)}"))
        elif box is None and self.frame == 0 and len(ch.factors) > 1:
            self.box_text.setText(self.html(f"Space boxes the {len(ch.factors)} factors one at a time."))
        else:
            self.box_text.setText("")
        bm = meta.get(f"box{box + 1}_math", "") if box is not None else ""
        if not bm and box is not None and ch.factors[box].meaning:
            bm = f"{ch.factors[box].latex} = {ch.factors[box].meaning}"
        self.box_math.set_latex(fill(bm, plan.values))
        self.box_math.setVisible(bool(bm))
        product, partials = multiply_out(ch, v, roles)
        self._draw_maps(ch, box, partials, dark)
        err = float(np.abs(product - ch.result).max() / (np.abs(ch.result).max() or 1))
        self.check.setText(self.html(
            f"Sample {v.focus + 1}'s own loss. The factors multiplied out (numpy, from the factors alone) against "
            f"the engine's **{ch.result_key}**{' × N' if ch.result_key.endswith(('grad_in', 'grad_out')) else ''}: "
            f"largest difference {err:.1e} of its largest value."))
        is_update = plan.kind.kind.startswith("weight") and self.frame == len(ch.factors) + 1
        self.update_math.setVisible(is_update)
        self.update_nums.setVisible(is_update)
        self._shown = {"factors": [f.value for f in ch.factors], "result": ch.result, "product": product,
                       "partials": [p[2] for p in ch.partials], "partial_products": partials, "boxed": box,
                       "latex": ch.latex(box), "relative_error": err}
        if is_update:
            self._draw_update(ch)

    def _draw_maps(self, ch, box, partials, dark) -> None:
        kind = ch.step.kind
        sides = {"loss": ["out"], "logits": ["out", "w"]}.get(kind, ["out", "in"] if kind.startswith("weight")
                                                             else ["out", "w", "in"])
        result_side = "w" if kind.startswith("weight") else ("in" if kind.startswith("error") else "out")
        arrays = [f.value for f in ch.factors] + [ch.result]
        fmax = max([a.shape[0] for a, s in zip(arrays, sides + [result_side]) if s in ("out",) and a.ndim >= 3]
                   + [a.shape[0] for a in arrays if a.ndim == 4] + [1])
        cmax = max([a.shape[0] for a, s in zip(arrays, sides + [result_side]) if s == "in" and a.ndim == 3]
                   + [a.shape[1] for a in arrays if a.ndim == 4] + [1])
        for sp, top in ((self.filt, fmax), (self.chan, cmax)):
            sp.set_count(top)
            sp.setVisible(top > 1)
        f, c = self.filt.index(), self.chan.index()
        colour = box_colour(dark)
        labels = {q.key: q.label for q in self.view.quantities}
        shown = box if box is not None else 0
        fac = ch.factors[shown]
        side = sides[shown]
        self.factor_map.role = "L" if "partial L" in fac.latex else ("W" if side == "w" else None)
        what = latex_plain(fac.latex) + (f" = {latex_plain(fac.meaning)}" if fac.meaning else "")
        self.factor_map.set_array(as_2d(fac.value, f, c if side != "out" else f),
                                  title=f"{'boxed' if box is not None else 'first factor'}: {what}")
        self.factor_map.highlight([])
        if box is not None:
            a = self.factor_map.shown()
            self.factor_map.highlight([(0, 0, a.shape[0], a.shape[1], colour)])
        if ch.partials:
            lat, key, val = ch.partials[0]
            self.partial_map.show()
            self.partial_map.role = "L"
            self.partial_map.set_array(as_2d(val, f, c), title=f"on the way: {labels.get(key, key)} ({key})")
        else:
            self.partial_map.hide()
        self.result_map.role = "L"
        self.result_map.set_array(as_2d(ch.result, f, c if result_side != "out" else f),
                                  title=f"fills {ch.step.quantity.label}: {ch.result_key}")
        r = self.result_map.shown()
        self.result_map.highlight([(0, 0, r.shape[0], r.shape[1], colour)])
        a = self.factor_map.shown()
        for w in (self.factor_map, self.partial_map, self.result_map):
            self.maps.removeWidget(w)
        if a.shape[1] > 2.5 * a.shape[0]:  # a wide factor (W: out × in) gets a row of its own
            self.maps.addWidget(self.factor_map, 0, 0, 1, 2)
            self.maps.addWidget(self.partial_map, 1, 0)
            self.maps.addWidget(self.result_map, 1, 1)
            self.maps.setRowStretch(0, 1)
            self.maps.setRowStretch(1, 3)
        else:
            self.maps.addWidget(self.factor_map, 0, 0)
            self.maps.addWidget(self.partial_map, 0, 1)
            self.maps.addWidget(self.result_map, 0, 2)
            self.maps.setRowStretch(0, 1)
            self.maps.setRowStretch(1, 0)

    def _draw_update(self, ch) -> None:
        plan, v = self.plan, self.view
        rule = plan.step.meta.get("update", r"\theta = \theta - \alpha \frac{\partial L}{\partial \theta}")
        self.update_math.set_latex(fill(rule, plan.values))
        up = update(v, plan.layer)
        if up is None:
            return
        idx = np.unravel_index(int(np.argmax(np.abs(up.grad))), up.grad.shape)
        w = plan.values.get("W", r"\theta")
        where = ",".join(str(int(k) + 1) for k in idx)  # counted from 1, as the panels count
        self.update_nums.set_latex(
            rf"{w}_{{{where}}} = {_n(up.old[idx])} - {_n(up.lr)} \times ({_n(up.grad[idx])}) = {_n(up.new[idx])}")
        self.box_text.setText(self.html(
            f"The update uses the batch's gradient, the mean of the {v.batch_size} samples' own (12.5), with "
            f"α = {up.lr:g}; shown for the entry with the largest gradient."
            + ("" if up.optimizer == "sgd" else f" This run trains with {up.optimizer}, whose step is not the "
                                                 "lecture's rule.")))
        self._shown.update(update_old=up.old, update_grad=up.grad, update_new=up.new, update_index=idx,
                           lr=up.lr)
