"""(d) float32 stays float32 and float64 stays float64, forward and backward, for every layer."""

import numpy as np
import pytest

from plugins.avgpool2d import AvgPool2D
from plugins.conv2d import Conv2D
from plugins.dense import Dense
from plugins.flatten import Flatten
from plugins.maxpool2d import MaxPool2D
from plugins.relu import ReLU
from plugins.sigmoid import Sigmoid
from plugins.tanh import Tanh

LAYERS = [
    (Conv2D(out_channels=4, kernel_size=3), (2, 6, 6)),
    (Conv2D(out_channels=4, kernel_size=3, stride=2, padding=1), (2, 6, 6)),
    (MaxPool2D(), (2, 6, 6)),
    (MaxPool2D(kernel_size=3, stride=2), (2, 7, 7)),
    (AvgPool2D(), (2, 6, 6)),
    (AvgPool2D(kernel_size=3, stride=1), (2, 5, 5)),
    (Sigmoid(), (2, 6, 6)),
    (ReLU(), (2, 6, 6)),
    (Tanh(), (2, 6, 6)),
    (Flatten(), (2, 6, 6)),
    (Dense(out_features=5), (7,)),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("layer, in_shape", LAYERS, ids=[type(lname).__name__ for lname, _ in LAYERS])
def test_dtype_is_kept(layer, in_shape, dtype):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, *in_shape)).astype(dtype)
    params = {k: v.astype(dtype) for k, v in layer.init_params(in_shape, rng).items()}
    out, cache = layer.forward(x, params, True)
    assert out.dtype == dtype
    assert out.shape == (3, *layer.output_shape(in_shape))
    dx, grads = layer.backward(rng.standard_normal(out.shape).astype(dtype), cache)
    assert dx.dtype == dtype and dx.shape == x.shape
    assert grads.keys() == params.keys()
    for name, g in grads.items():
        assert g.dtype == dtype and g.shape == params[name].shape, name


@pytest.mark.parametrize("layer, in_shape", LAYERS, ids=[type(lname).__name__ for lname, _ in LAYERS])
def test_init_params_are_float64_with_zero_bias(layer, in_shape):
    params = layer.init_params(in_shape, np.random.default_rng(0))
    for value in params.values():
        assert value.dtype == np.float64
    if "bias" in params:
        assert not params["bias"].any()
        assert params["weight"].std() > 0


@pytest.mark.parametrize("init", ["glorot", "he"])
def test_init_follows_the_requested_scheme(init):
    layer = Dense(out_features=400)
    w = layer.init_params((300,), np.random.default_rng(0), init)["weight"]
    if init == "glorot":
        r = np.sqrt(6 / 700)
        assert np.abs(w).max() <= r and np.abs(w).max() > 0.95 * r
    else:
        assert w.std() == pytest.approx(np.sqrt(2 / 300), rel=0.02)
