"""Training health: every figure against a value worked out by hand on a tiny array."""

import math

import numpy as np
import pytest

from core.debugger.health import dead_fraction, layer_health, norm, saturated_fraction, update_ratio
from core.network import Network
from core.spec import load_spec, parse_spec
from core.stepper import Stepper


def test_saturated_sigmoid_counts_values_within_002_of_0_or_1():
    a = np.array([[0.01, 0.5, 0.99, 0.02], [0.979, 0.981, 0.3, 0.0]])
    # saturated: 0.01, 0.99, 0.981, 0.0 -> 4 of 8 (0.02 and 0.979 are not: strict inequalities)
    assert saturated_fraction(a, "sigmoid") == 4 / 8


def test_saturated_tanh_counts_abs_above_098():
    a = np.array([[-0.99, 0.5], [0.985, -0.97]])
    assert saturated_fraction(a, "tanh") == 2 / 4
    with pytest.raises(ValueError):
        saturated_fraction(a, "relu")


def test_dead_relu_is_zero_for_every_sample_of_the_batch():
    # 3 samples x 4 units: unit 0 dead, unit 1 alive in sample 2, unit 2 alive, unit 3 dead
    a = np.array([[0, 0, 1.0, 0], [0, 0, 2.0, 0], [0, 0.5, 0, 0]])
    assert dead_fraction(a) == 2 / 4
    maps = np.zeros((2, 1, 2, 2))
    maps[1, 0, 0, 1] = 3.0  # one of 4 map positions ever fires
    assert dead_fraction(maps) == 3 / 4


def test_update_ratio_and_norm_by_hand():
    old = [np.array([3.0, 4.0])]  # ‖θ‖ = 5
    step = [np.array([0.03, 0.04])]  # ‖Δθ‖ = 0.05
    assert update_ratio(step, old) == pytest.approx(0.01)
    # two arrays together: ‖(3,4,0)‖ = 5, ‖(0,0,0.5)‖ = 0.5
    assert update_ratio([np.zeros(2), np.array([0.5])], [np.array([3.0, 4.0]), np.zeros(1)]) == pytest.approx(0.1)
    assert norm(np.array([[1.0, 2.0], [2.0, 4.0]])) == 5.0
    assert update_ratio([np.zeros(1)], [np.zeros(1)]) == 0.0
    assert math.isinf(update_ratio([np.ones(1)], [np.zeros(1)]))


def test_layer_health_from_arrays():
    arrays = {
        "fc.out": np.array([[1.0, -2.0]]), "fc.weight.grad": np.array([[3.0, 4.0]]),
        "fc.bias.grad": np.array([0.0]), "fc.grad_in": np.array([[0.6, 0.8]]),
        "fc.weight.old": np.array([[6.0, 8.0]]), "fc.weight.step": np.array([[-0.6, -0.8]]),
        "fc.bias.old": np.array([0.0]), "fc.bias.step": np.array([0.0]),
        "s.out": np.array([[0.99, 0.5]]), "r.out": np.array([[0.0, 1.0], [0.0, 0.0]]),
    }
    fc, s, r = layer_health([("fc", "dense"), ("s", "sigmoid"), ("r", "relu")], arrays)
    assert fc.update_ratio == pytest.approx(0.1) and fc.grad_norm == 5.0 and fc.grad_in_norm == pytest.approx(1.0)
    assert fc.act_norm == pytest.approx(math.sqrt(5)) and fc.saturated is None and fc.dead is None
    assert s.saturated == 0.5 and s.update_ratio is None and s.grad_norm is None
    assert r.dead == 0.5
    (missing,) = layer_health({"z": "relu"}, arrays)
    assert missing.dead is None and missing.act_norm is None


def test_health_of_a_real_iteration_matches_the_arrays(lecture_path, tiny):
    spec = load_spec(lecture_path).to_dict()
    spec["layers"][1]["type"] = "relu"  # conv1 -> relu1 so both figures appear
    net = Network(parse_spec(spec), dtype=np.float64)
    st = Stepper(net, tiny, batch_size=8)
    arrays = {}
    for _ in st.phases:
        arrays.update(st.step_phase().arrays)
    h = {x.layer: x for x in layer_health(net.nodes, arrays)}
    relu = arrays["sig1.out"]
    assert h["sig1"].dead == np.mean(np.all(relu == 0, axis=0))
    sig = arrays["sig2.out"]
    assert h["sig2"].saturated == np.mean((sig < 0.02) | (sig > 0.98))
    w_old, w_step = arrays["conv2.weight.old"], arrays["conv2.weight.step"]
    b_old, b_step = arrays["conv2.bias.old"], arrays["conv2.bias.step"]
    expect = math.sqrt((w_step ** 2).sum() + (b_step ** 2).sum()) / math.sqrt((w_old ** 2).sum() + (b_old ** 2).sum())
    assert h["conv2"].update_ratio == pytest.approx(expect)
    # plain SGD: the step is −lr·grad, so the ratio is lr·‖grad‖/‖θ‖
    assert h["conv2"].update_ratio == pytest.approx(st.lr * h["conv2"].grad_norm
                                                    / math.sqrt((w_old ** 2).sum() + (b_old ** 2).sum()))


def test_a_user_layer_brings_its_own_saturation_and_dead_rules():
    from types import SimpleNamespace

    from core.api import Layer, LayerSpec

    class HardTanh(Layer):
        spec = LayerSpec(id="hard_tanh", name="Hard tanh", category="Activation")

        def output_shape(self, in_shape):
            return tuple(in_shape)

        def forward(self, x, params, train=True):
            return np.clip(x, -1, 1), x

        def backward(self, dout, cache):
            return dout * (np.abs(cache) < 1), {}

        def saturated(self, a, margin):
            return np.abs(a) >= 1

        def inactive(self, a):
            return np.abs(a) >= 1

    node = SimpleNamespace(name="h", type="hard_tanh", layer=HardTanh())
    a = np.array([[1.0, 0.2, -1.0], [1.0, -0.5, 0.3]])
    (h,) = layer_health([node], {"h.out": a})
    assert h.saturated == 3 / 6 and h.dead == 1 / 3
    assert saturated_fraction(a, HardTanh()) == 0.5
    # a layer without the hooks has neither figure
    (d,) = layer_health([("fc", "dense")], {"fc.out": a})
    assert d.saturated is None and d.dead is None and d.act_norm is not None
