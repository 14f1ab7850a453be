"""The current phase's equations in the lecture's notation, and the lecture's backward steps so far.

forward:<layer> / backward:<layer>: the layer's ``formula`` (core.api.Formula), with this network's
names for its input and output; loss: softmax and cross-entropy; update: θ ← θ − α ∂L/∂θ.
Below, the lecture's numbered backward steps: ✓ computed in this iteration, ▶ computed by this phase.
"""

from __future__ import annotations

import html

import numpy as np
from PySide6.QtWidgets import QTextBrowser

from core.notation import backward_quantities, lecture_steps
from desktop.panels.base import Panel
from desktop.panels.feature_maps import shape_text
from desktop.view_model import StepView

EQ = "font-size: 13pt; font-family: 'DejaVu Serif', serif; margin: 6px 0 6px 12px;"
LOSS_EQS = ("ŷᵢ = softmax(z)ᵢ = exp(zᵢ) / Σⱼ exp(zⱼ)", "L = −Σᵢ yᵢ log ŷᵢ   (mean over the batch)",
            "∂L/∂ŷᵢ = −yᵢ / ŷᵢ", "∂L/∂zᵢ = ŷᵢ − yᵢ")


def _eq(text: str) -> str:
    return f"<p style=\"{EQ}\">{html.escape(text)}</p>"


class EquationPanel(Panel):
    title = "Equations"

    def __init__(self, parent=None):
        super().__init__(parent)
        self.text = QTextBrowser()
        self.text.setStyleSheet("font-size: 12pt;")
        self.set_body(self.text)

    def draw(self, view: StepView) -> str | None:
        if view.phase is None:
            return "Step (F11) to run the first phase: its equation appears here"
        parts = [f"<h3>{html.escape(view.phase)} &nbsp;<span style='font-weight:normal; color:#888'>"
                 f"iteration {view.iteration + 1}, epoch {view.epoch + 1}</span></h3>"]
        kind, _, layer = view.phase.partition(":")
        names = [n.name for n in view.nodes]
        if kind in ("forward", "backward") and layer in names:
            parts += self._layer_equations(view, kind, names.index(layer))
        elif kind == "loss":
            last = view.output_symbols[names[-1]].unicode
            parts += [_eq(e.replace("z", last, 1) if i in (0, 3) else e) for i, e in enumerate(LOSS_EQS)]
            loss = view.arrays.get("loss")
            if loss is not None:
                parts.append(_eq(f"L = {float(loss):.4f}"))
                self.record("loss", np.asarray(loss))
        elif kind == "update":
            parts += [_eq("θ ← θ − α ∂L/∂θ   for every g, W and bias"), _eq(f"α = {view.lr:g}")]
        parts.append(self._steps_html(view, kind, layer, names))
        self.text.setHtml("".join(parts))
        return None

    def _layer_equations(self, view: StepView, kind: str, i: int) -> list[str]:
        node = view.nodes[i]
        f = node.layer.formula
        symbols = view.output_symbols
        src = symbols[view.nodes[i - 1].name].unicode if i else "x"
        out = symbols[node.name].unicode
        wsym = view.weight_symbols.get(node.name)
        here = (f"{node.name} ({node.layer.spec.name}): {src} ({shape_text(node.in_shape)}) → "
                f"{out} ({shape_text(node.out_shape)})" + (f", weights {wsym.unicode}" if wsym else ""))
        res = [f"<p style='color:#888'>{html.escape(here)}</p>"]
        if kind == "forward":
            res.append(_eq(f.forward or f"{out} = {node.name}({src})"))
        else:
            res.append(_eq(f.backward or f"∂L/∂{src} from ∂L/∂{out}"))
            res += [_eq(g) for g in f.grads.values()]
        return res

    @staticmethod
    def _steps_html(view: StepView, kind: str, layer: str, names: list[str]) -> str:
        current = set()
        if kind == "backward" and layer in names:
            current = {q.key for q in backward_quantities(list(view.nodes))[names.index(layer)]}
        rows = []
        for q in lecture_steps(list(view.nodes)):
            if q.key in current:
                mark, style = "▶", "background:#5a4210; color:#ffcc66; font-weight:bold;"
            elif q.key in view.arrays:
                mark, style = "✓", "color:#8bc34a;"
            else:
                mark, style = "○", "color:#888;"
            rows.append(f"<tr style='{style}'><td>{mark}</td><td>{q.step}</td><td>{html.escape(q.label)}</td>"
                        f"<td style='color:#999; font-weight:normal'>{html.escape(q.key)}</td></tr>")
        return ("<h4>The lecture's backward steps</h4><table cellpadding='2' style='font-size:11pt'>"
                + "".join(rows) + "</table>")
