"""The formula view shows a user's layer's own formula with its numbers."""

from types import SimpleNamespace

import pytest

pytest.importorskip("pytestqt")


def test_formula_view_shows_the_plugins_own_terms(qtbot, monkeypatch):
    from core.registry import discover
    from desktop.debugger.formula_view import FormulaView
    from tests.core.test_explain_plugin import EXPLAINED, gain_network, one_iteration

    monkeypatch.setenv("BACKSTEP_PLUGIN_PATH", str(EXPLAINED))
    st, rec = one_iteration(gain_network(discover(strict=True)))
    first = rec.snapshots[0]
    view = SimpleNamespace(arrays=rec.arrays, params=st.net.params, nodes=st.net.nodes, lr=st.lr, x=first.x,
                           y=first.y, focus=0)
    fv = FormulaView()
    qtbot.addWidget(fv)
    fv.show()
    with qtbot.waitSignal(fv.sigHighlight) as sig:
        e = fv.show_element(view, "gain.out", (1, 2, 7, 9))
    assert e.supported and "gain.gain" in sig.args[0]
    assert "a[n,c,i,j] = γ[c] · z[n,c,i,j]" in fv.equation_label.text()
    (row,) = fv.terms_shown()
    # counted from 1, as the panels count
    assert row[0] == "γ[3] · z[2,3,8,10]" and "γ = " in row[1] and "z = " in row[1]
    assert fv.sum_label.text().split("=")[-1].strip() == fv.value_label.text().split("=")[-1].strip()
    assert not fv.table.isHidden()
    # the gain's parameter gradient: one term per sample
    e = fv.show_element(view, "gain.gain.grad", (0,))
    assert len(fv.terms_shown()) == 3 and e.adds_up(1e-10)
    assert "∂L/∂γ[c]" in fv.equation_label.text()
