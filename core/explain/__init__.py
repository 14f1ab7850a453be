"""Every value with its formula: the lecture's equation for one element, with its numbers.

``explain(arrays, params, nodes, key, index)`` takes the arrays of one iteration (an
IterationRecord's or a StepView's, keys as in core.stepper.Snapshot), the parameters, the
network's nodes, an array key and a full index (sample first for batch arrays), and returns an
:class:`Explanation`: the equation in the lecture's symbols (core.notation: x, z⁽ˡ⁾, f(z⁽ˡ⁾), a⁽ˡ⁾,
g⁽ᶜ⁾, W⁽ᵈ⁾, ŷ), every term with its numbers substituted, their sum, the value the array holds, and
``related``: the elements each term reads (the receptive field, the pooling route), by array key,
for panels to highlight.

Each layer explains its own elements: its class names an :class:`Explainer` in the attribute
``explainer`` (the built-ins' live beside their plugins: plugins/conv2d_explain.py, …; a user's
plugin may bring its own, see docs/plugins.md). This package is the shared machinery: the
Term/Derivation/Explanation types (terms.py), the view of the recorded arrays an explainer works
with (context.py), the protocol (explainer.py), the loss and the update, which are the same for
every layer (loss.py, update.py), and the dispatch on the kind of key (dispatch.py).

The terms always add up to the displayed value (up to rounding): a factor that multiplies the
whole sum — the activation's f′, a pooling route — is shown once in ``factors`` and is also
included in every term's product. For example the error at a pixel of the first sigmoid's input,
in the lecture's network (conv1 → sig1 → pool1 → conv2)::

    ∂L/∂z⁽¹⁾ᵤᵥ = [ (u, v) is the max of its pool window (i, j) ]
                 · (Σ_f Σₘ Σₙ g⁽²⁾[f, c, m, n] ∂L/∂z⁽²⁾[f, i − m, j − n]) · f(z⁽¹⁾ᵤᵥ)(1 − f(z⁽¹⁾ᵤᵥ))

Batch-summed quantities (∂L/∂g, ∂L/∂W, ∂L/∂b) are listed as one term per sample: that sample's
sum over positions (∂L/∂z already carries the 1/N of the mean loss). Forward values are explained
too (z = b + Σ g·a over the receptive field, f(z), the window's max, …), and so are the loss, ŷ,
∂L/∂ŷ, ŷ − y and the update (old − α·∂L/∂θ = new, or the optimiser's step).

Which parameters: after the update phase, ``params`` hold the new weights while the forward and
backward passes used the old ones; the record's "<layer>.<p>.old" arrays are used when present.

A key that is not covered (an intermediate, a layer without an explainer) gives an Explanation
with the layer's Formula text, no terms and a note saying why; ``explain`` never raises.
"""

from core.explain.context import Context, LayerContext, NotRecordedError, explainer_of
from core.explain.dispatch import explain
from core.explain.explainer import MAX_TERMS, Elementwise, Explainer
from core.explain.terms import (
    Derivation,
    Explanation,
    Factor,
    Term,
    factor_refs,
    factor_values,
    fmt,
    inner_sum,
    ix,
    term,
)

__all__ = [
    "MAX_TERMS", "Context", "Derivation", "Elementwise", "Explainer", "Explanation", "Factor", "LayerContext",
    "NotRecordedError", "Term", "explain", "explainer_of", "factor_refs", "factor_values", "fmt", "inner_sum", "ix",
    "term",
]
