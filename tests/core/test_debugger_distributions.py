"""Distributions over time equal numpy's histograms of the recorded arrays, in shared bins; the
gradient flow shows ∂L/∂z shrinking at every sigmoid on the way back."""

import numpy as np
import pytest

from core.debugger.distributions import (
    PERCENTILES,
    Distributions,
    distribution,
    distribution_keys,
    gradient_flow,
    gradient_flow_series,
    histogram_series,
    shared_edges,
    timeline_records,
)
from core.debugger.timeline import Timeline
from core.network import Network
from core.spec import load_spec
from core.stepper import Stepper
from tests.conftest import LECTURE, tiny_dataset
from tests.core.test_debugger_timeline import run_phases


@pytest.fixture(scope="module")
def recorded():
    """Five iterations of the lecture network in a Timeline: three phase by phase, two fast."""
    net = Network(load_spec(LECTURE), seed=0)
    st = Stepper(net, tiny_dataset(), batch_size=8, seed=3, evaluate_every_epoch=False)
    tl = Timeline()
    tl.attach(st)
    run_phases(st, 3, tl)
    st.run(2, on_iteration=tl.record)
    return st, tl, timeline_records(tl)


def test_records_hold_every_iteration_with_its_starting_parameters(recorded):
    st, tl, records = recorded
    assert [i for i, _ in records] == [0, 1, 2, 3, 4]
    for i, arrays in records:
        np.testing.assert_array_equal(arrays["conv1.weight"], tl.params_at(i)["conv1.weight"])
        assert "conv1.weight.grad" in arrays and "fc2.out" in arrays  # replayed where run fast


@pytest.mark.parametrize("key", ["conv1.weight", "conv1.weight.grad", "sig3.out", "fc1.grad_out", "conv2.bias"])
def test_histograms_equal_numpys_on_the_recorded_arrays_in_shared_bins(recorded, key):
    _, _, records = recorded
    series = Distributions(recorded[0].net.nodes, records)[key]
    arrays = [a[key] for _, a in records]
    lo = min(float(a.min()) for a in arrays)
    hi = max(float(a.max()) for a in arrays)
    np.testing.assert_allclose(series.edges, np.linspace(lo, hi, 31))  # the same bins at every iteration
    assert series.iterations == (0, 1, 2, 3, 4)
    for t, a in enumerate(arrays):
        np.testing.assert_array_equal(series.counts[t], np.histogram(a, bins=series.edges)[0])
        assert series.counts[t].sum() == a.size
        np.testing.assert_allclose(series.percentiles[t], np.percentile(a.astype(np.float64), PERCENTILES))
    assert not series.nonfinite.any()


def test_keys_by_layer_and_kind(recorded):
    st, _, records = recorded
    keys = distribution_keys(st.net.nodes, records)
    assert list(keys) == [n.name for n in st.net.nodes]
    assert keys["conv1"] == {"weights": ["conv1.weight", "conv1.bias"],
                             "gradients": ["conv1.weight.grad", "conv1.bias.grad"],
                             "activations": ["conv1.out"], "errors": ["conv1.grad_out"]}
    assert keys["sig1"] == {"activations": ["sig1.out"], "errors": ["sig1.grad_out"]}
    d = Distributions(st.net.nodes, records)
    assert list(d)[:6] == ["conv1.weight", "conv1.bias", "conv1.weight.grad", "conv1.bias.grad",
                           "conv1.out", "conv1.grad_out"]
    assert d["fc2.weight"] is d["fc2.weight"]  # computed once


def test_nan_and_inf_are_left_out_and_counted_apart():
    a = np.array([0.0, 1.0, np.nan, 2.0, np.inf])
    b = np.array([-1.0, 3.0])
    s = histogram_series([a, b], bins=4)
    np.testing.assert_allclose(s.edges, [-1, 0, 1, 2, 3])
    np.testing.assert_array_equal(s.counts, [[0, 1, 1, 1], [1, 0, 0, 1]])  # the last bin is closed
    np.testing.assert_array_equal(s.nonfinite, [2, 0])
    np.testing.assert_allclose(shared_edges([np.full(3, 2.0)], 2), [1.5, 2.0, 2.5])  # all equal: ±0.5


def test_a_missing_key_skips_that_iteration():
    records = [(0, {"x.out": np.ones(3)}), (1, {}), (2, {"x.out": np.zeros(3)})]
    assert distribution(records, "x.out").iterations == (0, 2)


def test_gradient_flow_is_the_mean_absolute_gradient_and_shrinks_through_every_sigmoid(recorded):
    st, _, records = recorded
    arrays = records[-1][1]
    flow = {row.layer: row for row in gradient_flow(st.net.nodes, arrays)}
    assert flow["fc1"].grad_out == pytest.approx(float(np.abs(arrays["fc1.grad_out"].astype(np.float64)).mean()))
    w, b = arrays["conv2.weight.grad"], arrays["conv2.bias.grad"]
    assert flow["conv2"].param_grad == pytest.approx(
        float((np.abs(w).sum(dtype=np.float64) + np.abs(b).sum(dtype=np.float64)) / (w.size + b.size)))
    assert flow["conv2"].param_grads["bias"] == pytest.approx(float(np.abs(b).mean(dtype=np.float64)))
    assert flow["sig1"].param_grad is None
    for sig in ("sig1", "sig2", "sig3"):  # ∂L/∂z = ∂L/∂f · f(1 − f), and f(1 − f) ≤ 1/4
        assert flow[sig].grad_in <= flow[sig].grad_out / 4 + 1e-12, sig
    series = gradient_flow_series(st.net.nodes, records)
    assert series.layers == tuple(n.name for n in st.net.nodes)
    assert series.grad_out.shape == (5, len(st.net.nodes))
    assert series.grad_out[-1, series.layers.index("fc1")] == pytest.approx(flow["fc1"].grad_out)
    assert series.at(4)[series.layers.index("sig2")].grad_out == pytest.approx(flow["sig2"].grad_out)
