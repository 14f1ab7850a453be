"""The formula view on the real window: a clicked error pixel shows terms that add up to its value."""

import re

import numpy as np
import pytest

pytest.importorskip("pytestqt")


def number(text: str) -> float:
    return float(re.search(r"=\s*(\S+)\s*$", text).group(1))


def test_show_element_fills_the_terms_and_their_sum_is_the_displayed_value(debug_window, qtbot):
    window = debug_window
    from desktop.debugger.formula_view import FormulaView

    fv = window.debugger.formula  # installed by the window
    assert isinstance(fv, FormulaView)
    debug = next(a.menu() for a in window.menuBar().actions() if a.menu() and "Debug" in a.menu().title())
    assert any(a.text() == "Formula of an element" for a in debug.actions())
    assert window.bridge.step_iteration()
    view = window.bridge.view()
    with qtbot.waitSignal(fv.sigHighlight) as sig:
        e = fv.show_element(view, "sig1.grad_in", (0, 2, 5, 7))
    related = sig.args[0]
    assert {"conv2.weight", "conv2.grad_out", "sig1.out"} <= set(related)
    rows = fv.terms_shown()
    assert len(rows) == len(e.terms) and len(rows) >= 16 * 3 * 4
    assert rows[0][0].startswith("g⁽²⁾[") and "∂L/∂z⁽²⁾" in rows[0][0]
    assert "f′" in rows[0][1]
    assert "f(z⁽¹⁾)(1 − f(z⁽¹⁾))" in fv.equation_label.text()
    shown_value = number(fv.value_label.text())
    assert shown_value == pytest.approx(float(view.arrays["sig1.grad_in"][0, 2, 5, 7]), rel=1e-7)
    assert fv.sum_label.text().split("=")[-1].strip() == fv.value_label.text().split("=")[-1].strip()
    # a winning pixel: a non-zero error, still adding up
    ij = tuple(int(i) for i in np.argwhere(view.arrays["pool1.argmax_mask"][0, 2])[9])
    e = window.debugger.formula.explain("sig1.grad_in", (0, 2, *ij))
    assert e.value != 0
    assert number(fv.sum_label.text()) == pytest.approx(number(fv.value_label.text()), rel=1e-7)
    assert fv.sum_label.text().split("=")[-1].strip() == fv.value_label.text().split("=")[-1].strip()
    fv.setFloating(True)
    fv.resize(900, 700)
    qtbot.wait(50)
    assert fv.grab().save("/tmp/formula.png")


def test_the_view_follows_the_training_and_handles_any_key(debug_window, qtbot):
    window = debug_window
    fv = window.debugger.formula
    fv.show()
    window.bridge.step_iteration()
    window.debugger.formula.explain("fc1.weight.grad", (3, 17))
    first = fv.value_label.text()
    window.bridge.step_iteration()  # a new view: the same element, new numbers
    assert fv.explanation.key == "fc1.weight.grad" and fv.value_label.text() != first
    assert fv.sum_label.text().split("=")[-1].strip() == fv.value_label.text().split("=")[-1].strip()
    e = window.debugger.formula.explain("pool1.argmax_mask", (0, 0, 0, 0))
    assert not e.supported and fv.table.isHidden() and "No term-by-term" in fv.sum_label.text()


def test_clicking_an_error_pixel_opens_its_formula(debug_window, qtbot):
    """A click on a map element (the panel's click handler, as the mouse calls it) explains it."""
    window = debug_window
    assert window.bridge.step_iteration()
    panel = window.docks["debug.error_maps"].widget()  # the Debug workspace's error maps
    window.docks["debug.error_maps"].raise_()
    panel.update_view(window.bridge.view())
    shown = panel.displayed()
    key = "sig1.grad_in"
    assert key in shown
    name, full = panel.click_at(key, (2, 5, 7))
    assert (name, full) == (key, (window.bridge.focus, 2, 5, 7))
    terms = window.debugger.formula.terms_shown()
    assert terms, "the formula view lists the terms of the clicked element"
    total = sum(t.product for t in window.debugger.formula.explanation.terms)
    value = window.bridge.view().arrays[key][full]
    assert total == pytest.approx(float(value), rel=1e-4, abs=1e-12)


def test_an_error_is_explained_as_the_maps_show_it_the_samples_own(debug_window, qtbot):
    """The error maps show the focused sample's own errors (of its loss L⁽ˢ⁾); so does its formula:
    ∂L⁽ˢ⁾/∂z⁽⁴⁾ = ŷ − y, and an error further back N times the batch loss's, its terms adding up."""
    window = debug_window
    assert window.bridge.step_iteration()
    view = window.bridge.view()
    n, s = view.batch_size, view.focus
    label = int(view.y[s])
    e = window.debugger.formula.explain("fc2.grad_out", (s, label))
    assert "ŷᵢ − yᵢ" in e.equation and "/ N" not in e.equation and "∂L⁽ˢ⁾/∂" in e.title
    assert e.value == pytest.approx(float(view.arrays["probs"][s, label]) - 1.0, abs=1e-6)
    big = np.unravel_index(np.abs(view.arrays["sig2.grad_in"][s]).argmax(), view.arrays["sig2.grad_in"][s].shape)
    e = window.debugger.formula.explain("sig2.grad_in", (s, *big))
    assert e.value == pytest.approx(n * float(view.arrays["sig2.grad_in"][(s, *big)]), rel=1e-5)
    assert e.adds_up(1e-4)
    g = window.debugger.formula.explain("conv2.weight.grad", (0, 0, 0, 0))  # a parameter's: the batch's
    assert g.value == pytest.approx(float(view.arrays["conv2.weight.grad"][0, 0, 0, 0]))
