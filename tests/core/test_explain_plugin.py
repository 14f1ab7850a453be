"""A user's layer explains its own elements; one without an explainer gets a clear note, never an error."""

from pathlib import Path

import numpy as np
import pytest

from core.explain import Explainer, explain
from core.network import Network
from core.record import IterationRecord
from core.registry import discover
from core.spec import parse_spec
from core.stepper import Stepper
from tests.conftest import tiny_dataset

EXPLAINED = Path(__file__).resolve().parents[1] / "fixtures" / "explained"


def gain_network(registry):
    spec = parse_spec({"format": "backstep.network/1", "name": "gain", "input": {"shape": [1, 28, 28]},
                       "layers": [{"name": "c", "type": "conv2d", "out_channels": 3, "kernel_size": 5},
                                  {"name": "s", "type": "sigmoid"},
                                  {"name": "gain", "type": "channel_gain"},
                                  {"name": "p", "type": "maxpool2d"},
                                  {"name": "f", "type": "flatten"},
                                  {"name": "d", "type": "dense", "out_features": 10}]})
    return Network(spec, registry, dtype=np.float64, seed=0)


def one_iteration(net, batch=3):
    st = Stepper(net, tiny_dataset(), batch_size=batch, seed=0)
    rec = IterationRecord(0)
    while True:
        rec.add(st.step_phase())
        if rec.last.kind == "update":
            return st, rec


@pytest.fixture(scope="module")
def gain_run():
    mp = pytest.MonkeyPatch()
    mp.setenv("BACKSTEP_PLUGIN_PATH", str(EXPLAINED))
    try:
        yield one_iteration(gain_network(discover(strict=True)))
    finally:
        mp.undo()


def ex(st, rec, key, index):
    first = rec.snapshots[0]
    return explain(rec.arrays, st.net.params, st.net.nodes, key, index, lr=st.lr, x=first.x, y=first.y)


@pytest.mark.parametrize("key, index", [("gain.out", (1, 2, 7, 9)), ("gain.grad_in", (2, 0, 3, 4)),
                                        ("gain.gain.grad", (1,)), ("s.grad_out", (0, 1, 5, 5))])
def test_the_plugin_explains_its_elements_with_numbers(gain_run, key, index):
    st, rec = gain_run
    e = ex(st, rec, key, index)
    assert e.supported and e.terms, e.note
    assert e.value == float(rec.arrays[key][index]) and e.adds_up(1e-10)
    assert "γ" in e.equation


def test_an_earlier_layer_is_expanded_through_the_plugin(gain_run):
    """The error at the sigmoid's input is written out through f′, the gain, the pool and the dense layer."""
    st, rec = gain_run
    e = ex(st, rec, "s.grad_in", (0, 1, 6, 6))
    assert any(n == "γ" for t in e.terms for n, _ in t.values)
    assert any(n.startswith("f′") for t in e.terms for n, _ in t.values)
    assert ("gain.gain", (1,)) in {r for t in e.terms for r in t.refs}
    assert any(n.startswith("W") for t in e.terms for n, _ in t.values)
    assert "γ[c]" in e.equation and e.adds_up(1e-10)


def test_a_layer_without_explainer_says_so(tmp_path, monkeypatch):
    from tests.fixtures.plugins import GOOD

    (tmp_path / "softsign.py").write_text(GOOD)
    monkeypatch.setenv("BACKSTEP_PLUGIN_PATH", str(tmp_path))
    spec = parse_spec({"format": "backstep.network/1", "name": "p", "input": {"shape": [1, 28, 28]},
                       "layers": [{"name": "f", "type": "flatten"}, {"name": "soft", "type": "softsign"},
                                  {"name": "d", "type": "dense", "out_features": 10}]})
    st, rec = one_iteration(Network(spec, discover(), dtype=np.float64), batch=2)
    for key, index in (("soft.out", (0, 3)), ("soft.grad_in", (1, 5)), ("f.grad_out", (0, 5))):
        e = ex(st, rec, key, index)
        assert not e.supported and not e.terms
        assert e.note.startswith("No explanation for this layer (type softsign)"), e.note
    # dense's own explanation still works; its chain ends at the recorded error
    assert ex(st, rec, "d.weight.grad", (3, 7)).adds_up(1e-10)


def test_an_explainer_that_fails_never_raises(gain_run, monkeypatch):
    st, rec = gain_run

    class Broken(Explainer):
        def forward(self, at, index):
            raise RuntimeError("oops")

    monkeypatch.setattr(type(st.net.node("gain").layer), "explainer", Broken())
    e = ex(st, rec, "gain.out", (0, 0, 0, 0))
    assert not e.supported and "RuntimeError: oops" in e.note
    assert e.equation == "a = γ[c] · z"


def test_the_template_explains_itself(tmp_path, monkeypatch):
    import shutil

    shutil.copy(Path(__file__).resolve().parents[2] / "resources" / "plugin_template.py", tmp_path / "leaky.py")
    monkeypatch.setenv("BACKSTEP_PLUGIN_PATH", str(tmp_path))
    spec = parse_spec({"format": "backstep.network/1", "name": "t", "input": {"shape": [1, 28, 28]},
                       "layers": [{"name": "f", "type": "flatten"}, {"name": "d1", "type": "dense", "out_features": 8},
                                  {"name": "leaky", "type": "leaky_relu", "slope": 0.1},
                                  {"name": "d", "type": "dense", "out_features": 10}]})
    st, rec = one_iteration(Network(spec, discover(strict=True), dtype=np.float64), batch=4)
    for key in ("leaky.out", "leaky.grad_in", "d1.grad_out", "d1.out"):
        for index in ((0, 0), (3, 5), (2, 7)):
            e = ex(st, rec, key, index)
            assert e.supported and e.adds_up(1e-10), (key, index, e.note)
