"""core.gradcheck.check_layer: what it reports, and that it catches wrong backward passes."""

import numpy as np
import pytest

from core.api import Layer, LayerSpec
from core.errors import PluginError
from core.gradcheck import LayerCheck, check_layer, rel_error
from plugins.conv2d import Conv2D
from plugins.dense import Dense
from plugins.maxpool2d import MaxPool2D
from plugins.sigmoid import Sigmoid


def test_report_fields():
    layer = Dense(out_features=3)
    result = check_layer(layer, (4,), batch=2)
    assert isinstance(result, LayerCheck)
    assert set(result.targets) == {"input", "weight", "bias"}
    w = result["weight"]
    assert w.analytic.shape == w.numeric.shape == w.rel_error.shape == (3, 4)
    assert result["input"].analytic.shape == (2, 4)
    assert result.max_rel_error.keys() == {"input", "weight", "bias"}
    assert result.max_error == max(result.max_rel_error.values())
    name, index = result.worst
    assert result[name].rel_error[index] == result.max_error
    assert result.passed() and result.passed(tol=1e-6)
    assert "Dense" in result.summary()


def test_given_inputs_are_not_changed():
    layer = Dense(out_features=3)
    x = np.arange(8.0).reshape(2, 4) / 7
    params = layer.init_params((4,), np.random.default_rng(1))
    before = {k: v.copy() for k, v in params.items()}
    result = check_layer(layer, (4,), x=x, params=params)
    assert np.array_equal(x, np.arange(8.0).reshape(2, 4) / 7)
    assert all(np.array_equal(before[k], params[k]) for k in params)
    assert result.passed()


def test_float32_inputs_are_checked_in_float64():
    layer = Sigmoid()
    x = np.random.default_rng(0).standard_normal((2, 5)).astype(np.float32)
    result = check_layer(layer, (5,), x=x)
    assert result["input"].analytic.dtype == np.float64
    assert result.passed()


def test_rel_error_floor_uses_the_target_scale():
    a = np.array([1.0, 1e-9])
    n = np.array([1.0 + 1e-12, 2e-9])  # the tiny element is off by 100 %, but by 1e-9 absolute
    err = rel_error(a, n)
    assert err[1] < 1e-6
    assert rel_error(np.zeros(3), np.zeros(3)).max() == 0.0


class _SigmoidWithoutDerivative(Sigmoid):
    """Forgets the f′ factor: passes dL/da through unchanged."""

    def backward(self, dout, cache):
        return dout.copy(), {}


class _DenseTransposedBack(Dense):
    """Sends the error back through W instead of Wᵀ (only possible for square W)."""

    def backward(self, dout, cache):
        a, w = cache
        return dout @ w.T, {"weight": dout.T @ a, "bias": dout.sum(axis=0)}


class _DenseBiasAveraged(Dense):
    """Divides the bias gradient by the batch size a second time."""

    def backward(self, dout, cache):
        dx, grads = super().backward(dout, cache)
        return dx, {**grads, "bias": grads["bias"] / len(dout)}


class _ConvUnflipped(Conv2D):
    """Sends the error back with the kernel flipped (the lecture's convolution, not ours)."""

    def backward(self, dout, cache):
        cols, g, shape, s, p = cache
        dx, grads = super().backward(dout, (cols, g[:, :, ::-1, ::-1], shape, s, p))
        return dx, {**grads}


class _MaxPoolToWholeWindow(MaxPool2D):
    """Sends each window's gradient to all four of its positions, not only to its maximum."""

    def backward(self, dout, cache):
        return np.repeat(np.repeat(dout, 2, axis=2), 2, axis=3), {}


@pytest.mark.parametrize(
    "layer, in_shape, target",
    [
        (_SigmoidWithoutDerivative(), (3, 4, 4), "input"),
        (_DenseTransposedBack(out_features=5), (5,), "input"),
        (_DenseBiasAveraged(out_features=3), (4,), "bias"),
        (_ConvUnflipped(out_channels=2, kernel_size=3), (2, 6, 6), "input"),
        (_MaxPoolToWholeWindow(), (2, 4, 4), "input"),
    ],
)
def test_wrong_backward_is_flagged(layer, in_shape, target):
    result = check_layer(layer, in_shape, batch=3)
    assert not result.passed(1e-6)
    assert result.max_rel_error[target] > 1e-2
    assert result.worst[0] == target


def test_wrong_gradient_shape_is_a_plugin_error():
    class Bad(Dense):
        def backward(self, dout, cache):
            dx, grads = super().backward(dout, cache)
            return dx, {**grads, "weight": grads["weight"].T}

    with pytest.raises(PluginError, match="weight gradient of shape"):
        check_layer(Bad(out_features=3), (4,))


def test_missing_gradient_is_a_plugin_error():
    class Bad(Dense):
        def backward(self, dout, cache):
            dx, grads = super().backward(dout, cache)
            return dx, {"weight": grads["weight"]}

    with pytest.raises(PluginError, match="no gradient for parameter 'bias'"):
        check_layer(Bad(out_features=3), (4,))


def test_output_that_views_the_input_is_handled():
    class Identity(Layer):
        spec = LayerSpec(id="identity", name="Identity")

        def output_shape(self, in_shape):
            return in_shape

        def forward(self, x, params, train=True):
            return x[:, ::-1], None  # a view of the perturbed array

        def backward(self, dout, cache):
            return dout[:, ::-1], {}

    assert check_layer(Identity(), (5,)).passed()
