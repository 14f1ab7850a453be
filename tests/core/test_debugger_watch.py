"""Watch expressions: values equal the engine's arrays; errors are clear; nothing else runs."""

import numpy as np
import pytest

from core.debugger.watch import WatchError, WatchExpression, WatchList, WatchScope, format_value, scalar_of
from core.network import Network
from core.spec import load_spec
from core.stepper import Stepper


@pytest.fixture
def scope(lecture_path, tiny):
    st = Stepper(Network(load_spec(lecture_path), dtype=np.float64), tiny, batch_size=8)
    arrays = {}
    for _ in range(st.phases.index("update")):  # everything but the update
        arrays.update(st.step_phase().arrays)
    return WatchScope(st.params_view(), arrays, tuple(n.name for n in st.net.nodes), lr=st.lr)


def ev(text, scope):
    return WatchExpression(text).evaluate(scope)


def test_values_equal_the_arrays(scope):
    p, a = scope.params, scope.arrays
    assert ev("conv1.weight[0,0,2,2]", scope) == p["conv1"]["weight"][0, 0, 2, 2]
    assert np.array_equal(ev("fc2.bias", scope), p["fc2"]["bias"])
    assert ev("mean(abs(grad(conv2)))", scope) == pytest.approx(np.abs(a["conv2.weight.grad"]).mean())
    assert np.array_equal(ev("grad(fc1.bias)", scope), a["fc1.bias.grad"])
    assert np.array_equal(ev("out(pool1)", scope), a["pool1.out"])
    assert np.array_equal(ev("grad_in(sig1)", scope), a["sig1.grad_in"])
    assert np.array_equal(ev("conv1.weight.grad", scope), a["conv1.weight.grad"])
    assert ev("norm(grad(fc2))", scope) == pytest.approx(np.sqrt((a["fc2.weight.grad"] ** 2).sum()))
    assert ev("max(fc2.bias) - min(fc2.bias)", scope) == pytest.approx(np.ptp(p["fc2"]["bias"]))
    assert ev("sum(fc2.bias) / 2 * 3 + 1", scope) == pytest.approx(p["fc2"]["bias"].sum() / 2 * 3 + 1)
    assert ev("std(conv1.weight[0])", scope) == pytest.approx(p["conv1"]["weight"][0].std())
    assert ev("conv1.weight[-1,0,-1,-1]", scope) == p["conv1"]["weight"][-1, 0, -1, -1]
    assert np.array_equal(ev("conv1.weight[0,0,1:3,2]", scope), p["conv1"]["weight"][0, 0, 1:3, 2])
    assert ev("loss", scope) == pytest.approx(float(a["loss"]))
    assert ev("-lr * 2e-1", scope) == pytest.approx(-scope.lr * 0.2)


@pytest.mark.parametrize("text, message", [
    ("conv9.weight", "unknown layer 'conv9'"),
    ("grad(conv9)", "unknown layer 'conv9'"),
    ("conv1", "'conv1' is a layer"),
    ("conv1.weight[6,0,0,0]", "out of range"),
    ("grad(pool1)", "has no parameters"),
    ("conv1.bogus", "layer 'conv1' has no 'bogus'"),
    ("conv1.weight.step", "not computed yet"),
    ("median(fc2.bias)", "unknown function 'median'"),
])
def test_errors_are_clear(scope, text, message):
    with pytest.raises(WatchError, match=message.replace("(", r"\(").replace("[", r"\[")):
        ev(text, scope)


@pytest.mark.parametrize("text", [
    "__import__('os').system('true')", "conv1.weight.__class__", "(lambda: 1)()", "[1, 2]",
    "'text'", "fc2.bias if 1 else 0", "fc2.bias.sum()", "x == 1", "True", "mean(a=1)",
])
def test_nothing_outside_the_whitelist_runs(scope, text):
    with pytest.raises(WatchError):
        ev(text, scope)


def test_watch_list_history_per_iteration(lecture_path, tiny):
    st = Stepper(Network(load_spec(lecture_path), dtype=np.float64), tiny, batch_size=8)
    wl = WatchList(["conv1.weight[0,0,2,2]", "mean(abs(grad(conv2)))", "grad(conv9)"])
    expect_w, expect_g = [], []
    for it in range(3):
        arrays = {}
        for _ in st.phases:
            arrays.update(st.step_phase().arrays)
        expect_w.append(float(st.net.params["conv1"]["weight"][0, 0, 2, 2]))
        expect_g.append(float(np.abs(arrays["conv2.weight.grad"]).mean()))
        scope = WatchScope(st.params_view(), arrays, tuple(n.name for n in st.net.nodes))
        wl.record(it, scope)
        wl.record(it, scope)  # the same iteration again replaces, not appends
    assert [i for i, _ in wl[0].history] == [0, 1, 2]
    assert [v for _, v in wl[0].history] == pytest.approx(expect_w)
    assert [v for _, v in wl[1].history] == pytest.approx(expect_g)
    assert not wl[2].history and "unknown layer 'conv9'" in wl[2].display
    assert WatchList.from_list(wl.to_list() + ["bad((("]).to_list() == wl.to_list()
    wl.record(1, scope)  # back in time: the later history is dropped
    assert [i for i, _ in wl[0].history] == [0, 1]


def test_summaries():
    assert scalar_of(np.array([1.0, 3.0])) == 2.0 and scalar_of(2.5) == 2.5
    assert format_value(0.5) == "0.5"
    assert format_value(np.array([1.0, 2.0])) == "[1 2]"
    assert format_value(np.arange(12.0).reshape(3, 4)).startswith("shape (3, 4): mean 5.5")
