"""Every value with its formula: the terms of each explained element add up to the value shown."""

import json

import numpy as np
import pytest

from core.explain import Explanation, explain
from core.network import Network
from core.notation import layer_formula
from core.record import IterationRecord
from core.spec import load_spec, parse_spec
from core.stepper import Stepper
from tests.conftest import LECTURE, tiny_dataset


def run_iteration(spec, dtype=np.float64, batch=4, optimizer="sgd"):
    net = Network(spec, dtype=dtype, seed=0)
    st = Stepper(net, tiny_dataset(), batch_size=batch, seed=0, optimizer=optimizer)
    rec = IterationRecord(0)
    while True:
        snap = st.step_phase()
        rec.add(snap)
        if snap.kind == "update":
            return st, rec


@pytest.fixture(scope="module")
def lecture64():
    return run_iteration(load_spec(LECTURE))


def ex(st, rec, key, index, **kw):
    first = rec.snapshots[0]
    return explain(rec.arrays, st.net.params, st.net.nodes, key, index, lr=st.lr, x=first.x, y=first.y, **kw)


def sample_indices(shape, rng, n=4):
    out = [tuple(0 for _ in shape), tuple(d - 1 for d in shape)]
    out += [tuple(int(rng.integers(0, d)) for d in shape) for _ in range(n)]
    return out


def check_all_keys(st, rec, rtol, n=4):
    rng = np.random.default_rng(0)
    kinds = set()
    for key, a in rec.arrays.items():
        if key.endswith("argmax_mask"):
            continue
        for idx in sample_indices(a.shape, rng, n):
            e = ex(st, rec, key, idx)
            assert e.supported, (key, idx, e.note)
            assert e.terms, (key, idx)
            assert e.value == pytest.approx(float(a[idx]), rel=0, abs=0)
            assert e.adds_up(rtol), (key, idx, e.total, e.value)
            assert "⚠" not in e.note
        kinds.add(key.split(".", 1)[-1] if "." in key else key)
    return kinds


def test_terms_add_up_for_every_key_of_the_lecture_network(lecture64):
    st, rec = lecture64
    kinds = check_all_keys(st, rec, 1e-10)
    for kind in ("out", "grad_in", "grad_out", "weight.grad", "bias.grad", "weight.old", "weight.step",
                 "weight.new", "probs", "loss", "grad"):
        assert kind in kinds


def test_terms_add_up_in_float32_too():
    st, rec = run_iteration(load_spec(LECTURE), dtype=np.float32)
    check_all_keys(st, rec, 1e-6, n=2)


def test_clicked_error_pixel_lists_the_conv2_terms_and_the_sigmoid_factor(lecture64):
    st, rec = lecture64
    e = ex(st, rec, "sig1.grad_in", (0, 2, 5, 7))
    assert e.title.startswith("∂L/∂z⁽¹⁾")
    assert "g⁽²⁾" in e.equation and "∂L/∂z⁽²⁾" in e.equation and "f(z⁽¹⁾)(1 − f(z⁽¹⁾))" in e.equation
    a = float(rec.arrays["sig1.out"][0, 2, 5, 7])
    assert len(e.factors) == 1 and e.factors[0][1] == pytest.approx(a * (1 - a), rel=1e-15)
    # 16 filters × the 5×5 offsets that reach pooled position (2, 3) of the 8×8 output
    assert len(e.terms) == 16 * 3 * 4
    assert all("g⁽²⁾" in t.label and "∂L/∂z⁽²⁾" in t.label for t in e.terms)
    assert all(any(n.startswith("f′") for n, _ in t.values) for t in e.terms)
    assert e.adds_up(1e-10)
    assert e.value == float(rec.arrays["sig1.grad_in"][0, 2, 5, 7])
    # the receptive field and the route, for the panels to highlight
    assert (0, 2, 5, 7) in e.related["sig1.out"]
    assert all(k[1] == 2 for k in e.related["conv2.weight"])
    assert {k[0] for k in e.related["conv2.grad_out"]} == {0}


def test_a_pixel_that_wins_its_pooling_window_gets_a_nonzero_error(lecture64):
    st, rec = lecture64
    mask = rec.arrays["pool1.argmax_mask"]
    idx = tuple(int(i) for i in np.argwhere(mask[0, 2])[5])
    e = ex(st, rec, "sig1.grad_in", (0, 2, *idx))
    assert e.value != 0 and e.adds_up(1e-10)
    routes = {v for t in e.terms for n, v in t.values if n.startswith("route")}
    assert routes == {1.0}
    inner = sum(t.values[0][1] * t.values[1][1] for t in e.terms)
    assert inner == pytest.approx(float(rec.arrays["conv2.grad_in"][0, 2, idx[0] // 2, idx[1] // 2]), rel=1e-10)


def test_softmax_and_update_read_like_the_lecture(lecture64):
    st, rec = lecture64
    e = ex(st, rec, "fc2.grad_out", (1, 3))
    assert "ŷ" in e.equation and "y" in e.equation and e.adds_up(1e-12)
    e = ex(st, rec, "fc1.weight.new", (4, 7))
    assert "α" in e.equation and e.adds_up(1e-10)
    assert [t.values[0][0] for t in e.terms[:2]] == ["old", "−α"]
    assert e.terms[1].values[0][1] == -st.lr


def test_other_layer_kinds_and_hyperparameters():
    spec = parse_spec(json.loads("""{"format": "backstep.network/1", "name": "mix", "input": {"shape": [1, 28, 28]},
      "layers": [
        {"name": "c1", "type": "conv2d", "out_channels": 3, "kernel_size": 3, "stride": 2, "padding": 1},
        {"name": "r1", "type": "relu"},
        {"name": "p1", "type": "avgpool2d", "kernel_size": 3, "stride": 2},
        {"name": "t1", "type": "tanh"},
        {"name": "c2", "type": "conv2d", "out_channels": 4, "kernel_size": 3, "padding": 1},
        {"name": "s2", "type": "sigmoid"},
        {"name": "p2", "type": "maxpool2d", "kernel_size": 3, "stride": 2},
        {"name": "f", "type": "flatten"},
        {"name": "d", "type": "dense", "out_features": 10}]}"""))
    st, rec = run_iteration(spec, optimizer="adam")
    check_all_keys(st, rec, 1e-10)
    e = ex(st, rec, "c1.weight.new", (0, 0, 1, 1))
    assert "optimiser" in e.terms[1].label


def test_unsupported_keys_never_raise(lecture64):
    st, rec = lecture64
    e = ex(st, rec, "pool1.argmax_mask", (0, 0, 0, 0))
    assert isinstance(e, Explanation) and not e.supported and not e.terms
    assert e.equation == layer_formula(st.net.nodes, 2).forward
    for key, idx in (("nope.out", (0,)), ("conv1.out", (99, 0, 0, 0)), ("conv1.out", None)):
        e = ex(st, rec, key, idx)
        assert isinstance(e, Explanation) and not e.terms
    # before the backward pass: the layer's formula and a note
    half = IterationRecord(0)
    half.add(rec.snapshots[0])
    e = explain(half.arrays, st.net.params, st.net.nodes, "conv1.grad_in", (0, 0, 0, 0))
    assert not e.supported and "not recorded" in e.note
    assert e.equation == layer_formula(st.net.nodes, 0).backward  # in this network's names (x, z⁽¹⁾, g⁽¹⁾)


def test_plugin_layer_shows_its_formula(tmp_path, monkeypatch):
    from core.registry import discover
    from tests.fixtures.plugins import GOOD

    (tmp_path / "softsign.py").write_text(GOOD)
    monkeypatch.setenv("BACKSTEP_PLUGIN_PATH", str(tmp_path))
    reg = discover()
    spec = parse_spec({"format": "backstep.network/1", "name": "p", "input": {"shape": [1, 28, 28]},
                       "layers": [{"name": "c", "type": "conv2d", "out_channels": 2, "kernel_size": 5},
                                  {"name": "soft", "type": "softsign"}, {"name": "f", "type": "flatten"},
                                  {"name": "d", "type": "dense", "out_features": 10}]})
    net = Network(spec, reg, dtype=np.float64)
    st = Stepper(net, tiny_dataset(), batch_size=2)
    rec = IterationRecord(0)
    while st.position or not rec.snapshots:
        rec.add(st.step_phase())
        if rec.last.kind == "update":
            break
    e = explain(rec.arrays, st.net.params, net.nodes, "soft.grad_in", (0, 1, 2, 3))
    assert not e.supported and e.equation == "∂L/∂z = ∂L/∂a · s / (1 + |z|)²"
    # the conv before it still explains itself, stopping at the plugin's recorded error
    e = explain(rec.arrays, st.net.params, net.nodes, "c.weight.grad", (1, 0, 2, 2), x=rec.snapshots[0].x)
    assert e.supported and e.adds_up(1e-10)
