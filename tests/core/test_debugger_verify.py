"""Verify a backward pass: the per-element check on the real batch flags a wrong backward."""

import numpy as np
import pytest

from core.debugger.verify import prepare, verify_layer
from core.gradcheck import check_layer
from core.network import Network
from core.record import IterationRecord
from core.spec import load_spec, parse_spec
from core.stepper import Stepper
from tests.conftest import LECTURE, tiny_dataset
from tests.fixtures.plugins import WRONG_BACKWARD


def lecture_stepper(batch=8):
    return Stepper(Network(load_spec(LECTURE), seed=0), tiny_dataset(), batch_size=batch, seed=0)


def test_a_builtin_layer_passes_and_the_numbers_are_the_gradcheck_ones():
    st = lecture_stepper()
    res = verify_layer(st, "conv2")
    assert res.passed(1e-6) and set(res.heat_maps) == {"input", "weight", "bias"}
    assert res.heat_maps["input"].shape == (2, 6, 12, 12)  # two samples of the real batch, like --batch 2
    job = prepare(st, "conv2")
    direct = check_layer(st.net.node("conv2").layer, (6, 12, 12), batch=2, seed=0, params=job.params, x=job.x)
    for name, t in direct.targets.items():
        np.testing.assert_array_equal(res.check[name].rel_error, t.rel_error)
    # the input is the real one: conv1 → sig1 → pool1 of the next batch, in float64
    idx = st.next_batch_indices()[:2]
    x = st.net.check_input(st.data.x_train[idx])
    for i in range(3):
        x, _ = st.net.forward_layer(i, x)
    np.testing.assert_allclose(job.x, x.astype(np.float64), rtol=1e-5)  # float32 BLAS: batch 2 vs 8
    assert job.x.dtype == np.float64 and job.params["weight"].dtype == np.float64


def test_mid_iteration_and_record_inputs():
    st = lecture_stepper()
    rec = IterationRecord(0)
    for _ in range(4):  # forward conv1..conv2
        rec.add(st.step_phase())
    job = prepare(st, "conv2", samples=[3, 1])
    np.testing.assert_array_equal(job.x, np.asarray(st.layer_input(3))[[3, 1]].astype(np.float64))
    assert job.samples == (3, 1)
    job2 = prepare(rec, "conv2", network=st.net, samples=[3, 1])
    np.testing.assert_array_equal(job.x, job2.x)
    assert verify_layer(rec, "sig1", network=st.net).passed()
    with pytest.raises(ValueError):
        prepare(rec, "fc1", network=st.net)  # not reached yet


def test_a_plugin_with_a_wrong_backward_is_flagged_at_its_worst_element(tmp_path, monkeypatch):
    from core.registry import discover

    (tmp_path / "bad_softsign.py").write_text(WRONG_BACKWARD)
    monkeypatch.setenv("BACKSTEP_PLUGIN_PATH", str(tmp_path))
    reg = discover()
    assert "bad_softsign" in reg
    spec = parse_spec({"format": "backstep.network/1", "name": "bad", "input": {"shape": [1, 28, 28]},
                       "layers": [{"name": "conv1", "type": "conv2d", "out_channels": 2, "kernel_size": 5},
                                  {"name": "bad", "type": "bad_softsign"},
                                  {"name": "pool", "type": "maxpool2d"},
                                  {"name": "flat", "type": "flatten"},
                                  {"name": "fc", "type": "dense", "out_features": 10}]})
    st = Stepper(Network(spec, reg), tiny_dataset(), batch_size=4)
    st.step_iteration()
    assert verify_layer(st, "conv1").passed(1e-6)
    res = verify_layer(st, "bad")
    assert not res.passed(1e-6) and res.max_error > 1e-2
    w = res.worst
    rel = res.heat_maps["input"]
    assert w.target == "input"
    assert w.index == tuple(int(i) for i in np.unravel_index(np.argmax(rel), rel.shape))
    assert w.rel_error == rel.max()
    assert w.analytic != pytest.approx(w.numeric, rel=1e-3)
    # the worst element is where the missing square matters most: the largest |z|
    z = prepare(st, "bad").x
    assert abs(z[w.index]) > np.quantile(np.abs(z), 0.9)
    assert res.worst_elements(5)[0] == w
    assert "FAILED" in res.summary()


@pytest.mark.parametrize("stepped", [0, 1])
def test_a_given_batch_is_the_one_checked(stepped):
    """After use_batch (a drawn digit, a test example), at the boundary and one phase in, the check
    runs on that batch, not on the permutation's next one or on x_train[-1]."""
    st = lecture_stepper()
    x = np.random.default_rng(3).random((2, 1, 28, 28)).astype(np.float32)
    st.use_batch(x, np.array([4, 7]))
    for _ in range(stepped):
        st.step_phase()
    job = prepare(st, "conv2")
    want = st.net.check_input(x)
    for i in range(3):
        want, _ = st.net.forward_layer(i, want)
    np.testing.assert_allclose(job.x, want.astype(np.float64), rtol=1e-5)
