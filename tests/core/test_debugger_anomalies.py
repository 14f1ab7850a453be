"""The first anomaly: counts per tensor, and the first tensor that went bad, in time and then in
the network, whether the records are phase snapshots or merged iterations."""

import numpy as np
import pytest

from core.debugger.anomalies import (
    Alert,
    alerts,
    count_tensor,
    first_anomaly,
    ordered,
    phase_of,
    phase_order,
)
from core.debugger.health import saturated_fraction
from core.io import full_pass
from core.network import Network
from core.spec import load_spec
from core.stepper import Stepper
from tests.conftest import LECTURE, tiny_dataset


def test_counts_by_hand():
    tiny = np.finfo(np.float32).tiny
    a = np.array([np.nan, np.inf, -np.inf, 0, tiny / 4, -tiny / 2, tiny, -2, 3, 0], np.float32)
    c = count_tensor(a, "x")
    assert (c.nan, c.posinf, c.neginf, c.zero, c.subnormal) == (1, 1, 1, 2, 2)
    assert (c.negative, c.positive) == (2, 3) and c.size == 10 and c.nonfinite == 3
    assert c.saturated is None and c.dead is None
    assert count_tensor(np.array([1e-310, 1e-300])).subnormal == 1  # float64's own tiny


def test_saturation_and_dead_units_follow_the_health_rules():
    a = np.array([[0.01, 0.5, 0.99, 0.97], [0.0, 0.3, 1.0, 0.021]], np.float32)
    c = count_tensor(a, "sig1.out", "sigmoid")
    assert c.saturated == 4 == saturated_fraction(a) * a.size
    relu = np.array([[0, 1, 0], [0, 2, 3]], np.float32)
    c = count_tensor(relu, "r.out", "relu")
    assert (c.dead, c.units) == (1, 3) and c.saturated is None
    assert count_tensor(np.array([True, False])).zero == 0  # masks are not counted


@pytest.fixture(scope="module")
def net():
    return Network(load_spec(LECTURE), seed=0)


def test_phases_and_their_order(net):
    order = phase_order(net.nodes)
    assert order[0] == "forward:conv1" and order[10] == "loss" and order[11] == "backward:fc2"
    assert order[-2:] == ["backward:conv1", "update"]
    assert phase_of("conv2.out", net.nodes) == ("forward:conv2", 1)
    assert phase_of("conv2.weight", net.nodes)[0] == "forward:conv2"  # the weight the forward uses
    assert phase_of("pool1.argmax", net.nodes) == ("forward:pool1", 2)
    assert phase_of("probs", net.nodes)[0] == "loss"
    assert phase_of("probs.grad", net.nodes)[0] == "backward:fc2"
    assert phase_of("fc1.grad_in", net.nodes) == ("backward:fc1", 3)
    assert phase_of("fc1.weight.grad", net.nodes) == ("backward:fc1", 2)
    assert phase_of("conv1.weight.new", net.nodes)[0] == "update"
    keys = ordered({"sig1.grad_in": 0, "conv1.out": 0, "fc2.grad_out": 0, "conv1.weight": 0,
                    "conv1.weight.grad": 0, "loss": 0, "conv1.weight.old": 0, "sig1.out": 0}, net.nodes)
    assert [k for _, k in keys] == ["conv1.weight", "conv1.out", "sig1.out", "loss", "fc2.grad_out",
                                    "sig1.grad_in", "conv1.weight.grad", "conv1.weight.old"]


def phase_snapshots(net, iterations):
    """(iteration, phase, arrays) of every phase of ``iterations`` iterations, as the stepper gives them."""
    st = Stepper(net.astype(np.float32), tiny_dataset(), batch_size=4, seed=1, evaluate_every_epoch=False)
    out = []
    for _ in range(iterations * len(st.phases)):
        snap = st.step_phase()
        out.append((snap.iteration, snap.phase, dict(snap.arrays)))
    return out


def poisoned(arrays, key, value=np.nan):
    a = np.array(arrays[key], copy=True)
    a.flat[3] = value
    return {**arrays, key: a}


def test_a_nan_injected_at_a_known_phase_is_the_first_anomaly(net):
    records = phase_snapshots(net, 2)
    assert first_anomaly(records, net.nodes) is None
    # iteration 1, backward:sig2 makes a NaN in ∂L/∂z⁽²⁾; everything after it is poisoned too
    at = next(i for i, (it, ph, _) in enumerate(records) if it == 1 and ph == "backward:sig2")
    records[at] = (1, "backward:sig2", poisoned(records[at][2], "sig2.grad_in"))
    for j in range(at + 1, len(records)):
        it, ph, arrays = records[j]
        records[j] = (it, ph, {k: v + np.nan if v.dtype.kind == "f" else v for k, v in arrays.items()})
    first = first_anomaly(records, net.nodes)
    assert first.where == (1, "backward:sig2", "sig2.grad_in", "NaN")
    assert first.count == 1 and first.of == records[at][2]["sig2.grad_in"].size
    assert first.text.startswith("NaN: 1 of ")
    every = alerts(records, net.nodes, kinds=("NaN",))
    assert every[0] == first and len(every) > 10


def test_an_inf_in_a_weight_is_found_before_what_it_spoils_in_merged_iterations(net):
    data = tiny_dataset()
    x, y = data.x_train[:4], data.y_train[:4]
    clean, _ = full_pass(net, x, y, intermediates=True)
    params = {name: dict(ps) for name, ps in net.params.items()}
    params["fc1"]["weight"] = params["fc1"]["weight"].copy()
    params["fc1"]["weight"][0, 0] = np.inf
    with np.errstate(all="ignore"):
        bad, _ = full_pass(net, x, y, params=params, intermediates=True)
    start = {f"{n}.{k}": v for n, ps in params.items() for k, v in ps.items()}
    records = [(0, clean), (1, {**start, **bad})]
    first = first_anomaly(records, net.nodes)
    assert first.where == (1, "forward:fc1", "fc1.weight", "+Inf")
    without_params = first_anomaly([(0, clean), (1, bad)], net.nodes)
    assert without_params.iteration == 1 and without_params.phase == "forward:fc1"
    assert without_params.key == "fc1.out"


def test_saturation_and_subnormal_alerts_are_listed_in_time_order(net):
    sig = np.full((4, 120), 0.999, np.float32)
    grad = np.zeros((4, 10), np.float32)
    grad[0, 0] = np.finfo(np.float32).tiny / 8
    records = [(0, {"sig3.out": sig[:, :10] * 0 + 0.5}), (2, {"fc2.grad_out": grad, "sig3.out": sig})]
    found = alerts(records, net.nodes)
    assert [(a.iteration, a.phase, a.key, a.what) for a in found] == [
        (2, "forward:sig3", "sig3.out", "saturated"), (2, "backward:fc2", "fc2.grad_out", "subnormal")]
    assert found[0].count == found[0].of == 480
    assert isinstance(found[1], Alert) and found[1].count == 1
    assert first_anomaly(records, net.nodes) is None  # neither is "bad"
    assert first_anomaly(records, net.nodes, kinds=("subnormal",)).key == "fc2.grad_out"
