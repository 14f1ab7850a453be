"""The current phase's equations in the lecture's notation, and the lecture's backward steps so far.

forward:<layer> / backward:<layer>: the layer's ``formula`` (core.api.Formula), with this network's
names for its input and output; loss: softmax and cross-entropy; update: θ ← θ − α ∂L/∂θ.
Below, the lecture's numbered backward steps: ✓ computed in this iteration, ▶ computed by this phase.

The equations are typeset (desktop.math_view: LaTeX -> SVG, the one renderer of the app), the
layers' Unicode formulas read as LaTeX (core.lecture.latex.unicode_to_latex); under each, its
plain-text form in small grey, to copy and for screen readers.

The phase, the iteration and the loss's value go in a header line; the equations below depend only
on the phase (and the network), so each distinct page is laid out once and kept as a document:
a phase step swaps documents instead of parsing and laying out HTML again (~2 ms instead of ~10).
"""

from __future__ import annotations

import html
from collections import OrderedDict

import numpy as np
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QTextBrowser

from core.lecture.latex import unicode_to_latex
from core.notation import BIAS_NOTE, backward_quantities, layer_formula, lecture_steps
from core.view import StepView, shape_text
from desktop.math_view import add_to_document, image_tag, is_dark
from desktop.panels.base import Panel, set_look

EQ = "margin: 8px 0 0 12px;"
PLAIN = "font-size: 9pt; color: #888; margin: 0 0 6px 12px;"
MATH_PX = 19  # the typeset equations' font size in pixels
LOSS_EQS = ("ŷᵢ = softmax(z)ᵢ = exp(zᵢ) / Σⱼ exp(zⱼ)", "L = −Σᵢ yᵢ log ŷᵢ   (mean over the batch)",
            "∂L/∂ŷᵢ = −yᵢ / ŷᵢ", "∂L/∂zᵢ = ŷᵢ − yᵢ")
# the same, as the lecture typesets them
LOSS_LATEX = (r"\hat{y}_i = \operatorname{softmax}(@z)_i = \frac{\exp(@z_i)}{\sum_j \exp(@z_j)}",
              r"L = -\sum_i y_i \log \hat{y}_i \quad \text{(mean over the batch)}",
              r"\frac{\partial L}{\partial \hat{y}_i} = -\frac{y_i}{\hat{y}_i}",
              r"\frac{\partial L}{\partial @z_i} = \hat{y}_i - y_i")  # @z: the last layer's z
KEPT_PAGES = 64  # laid-out pages kept (a network has 2 per layer + 2 phases)


def _eq(text: str, latex: str | None = None, formulas: list | None = None, dark: bool = False) -> str:
    """One equation: typeset (its LaTeX, or its Unicode read as LaTeX), then its plain text."""
    latex = latex or unicode_to_latex(text)
    if formulas is not None:
        formulas.append(latex)
    return (f"<p style=\"{EQ}\">{image_tag(latex, MATH_PX, dark)}</p>"
            f"<p style=\"{PLAIN}\">{html.escape(text)}</p>")


class EquationPanel(Panel):
    title = "Equations"

    def __init__(self, parent=None):
        super().__init__(parent)
        self.text = QTextBrowser()
        set_look(self.text, pt=12)
        self.header = self.make_captioned_body(self.text, caption_pt=13)
        self._pages: OrderedDict[tuple, QTextDocument] = OrderedDict()

    def draw(self, view: StepView) -> str | None:
        if view.phase is None:
            return "Step (F11) to run the first phase: its equation appears here"
        header = (f"<b>{html.escape(view.phase)}</b> &nbsp;<span style='color:#888'>"
                  f"iteration {view.iteration + 1}, epoch {view.epoch + 1}")
        loss = view.arrays.get("loss") if view.phase == "loss" else None
        if loss is not None:
            header += f" · L = {float(loss):.4f}"
            self.record("loss", np.asarray(loss))
        self.header.setText(header + "</span>")
        self._formulas: list[str] = []
        self._show_page(self._page_html(view), self._formulas)
        return None

    def _show_page(self, page: str, formulas: tuple | list = ()) -> None:
        """Show ``page``, laid out once and kept (the least recently shown dropped past KEPT_PAGES)."""
        self.text.ensurePolished()  # (the style sheet's font is the widget's once polished)
        font = self.text.font()
        key = (page, font.key(), is_dark(self))  # a new font or theme lays the pages out anew
        doc = self._pages.pop(key, None)
        if doc is None:
            doc = QTextDocument(self)
            doc.setDefaultFont(font)
            dark = is_dark(self)
            for latex in formulas:  # the typeset equations, as the page's image resources
                add_to_document(doc, latex, MATH_PX, dark)
            doc.setHtml(page)
            while len(self._pages) >= KEPT_PAGES:
                old = self._pages.popitem(last=False)[1]
                if old is not self.text.document():
                    old.deleteLater()
        self._pages[key] = doc
        if self.text.document() is not doc:
            self.text.setDocument(doc)

    def _page_html(self, view: StepView) -> str:
        parts = []
        kind, _, layer = view.phase.partition(":")
        names = [n.name for n in view.nodes]
        eq = self._eq
        if kind in ("forward", "backward") and layer in names:
            parts += self._layer_equations(view, kind, names.index(layer))
        elif kind == "loss":
            last = view.output_symbols[names[-1]]
            tex_last = last.ascii.replace("(", "^{(", 1).replace(")", ")}", 1) if "(" in last.ascii else last.ascii
            parts += [eq(e.replace("z", last.unicode, 1) if i in (0, 3) else e, t.replace("@z", tex_last))
                      for i, (e, t) in enumerate(zip(LOSS_EQS, LOSS_LATEX))]
        elif kind == "update":
            parts += [eq("θ ← θ − α ∂L/∂θ   for every g, W and bias",
                         r"\theta \leftarrow \theta - \alpha \frac{\partial L}{\partial \theta}"
                         r"\quad \text{for every } g, W \text{ and bias}"),
                      eq(f"α = {view.lr:g}", rf"\alpha = {view.lr:g}")]
        parts.append(self._steps_html(view, kind, layer, names))
        return "".join(parts)

    def _layer_equations(self, view: StepView, kind: str, i: int) -> list[str]:
        node = view.nodes[i]
        f = layer_formula(view.nodes, i)  # in this network's names: z⁽²⁾ = … g⁽²⁾ … a⁽¹⁾
        symbols = view.output_symbols
        src = symbols[view.nodes[i - 1].name].unicode if i else "x"
        out = symbols[node.name].unicode
        wsym = view.weight_symbols.get(node.name)
        here = (f"{node.name} ({node.layer.spec.name}): {src} ({shape_text(node.in_shape)}) → "
                f"{out} ({shape_text(node.out_shape)})" + (f", weights {wsym.unicode}" if wsym else ""))
        res = [f"<p style='color:#888'>{html.escape(here)}</p>"]
        if kind == "forward":
            res.append(self._eq(f.forward or f"{out} = {node.name}({src})"))
        else:
            res.append(self._eq(f.backward or f"∂L/∂{src} from ∂L/∂{out}"))
            res += [self._eq(g) for g in f.grads.values()]
        if wsym and "bias" in view.params.get(node.name, {}):
            unit = "filter" if node.layer.spec.category == "Convolution" else "output unit"
            res.append(f"<p style='color:#888'>{html.escape(BIAS_NOTE.format(unit=unit, out=out))}</p>")
        return res

    def _eq(self, text: str, latex: str | None = None) -> str:
        return _eq(text, latex, self._formulas, is_dark(self))

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
