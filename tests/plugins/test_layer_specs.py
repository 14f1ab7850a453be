"""Every built-in layer declares what the registry and the GUI need, and smoke-runs on its example."""

import numpy as np
import pytest

import core.api
from core.api import API_VERSION, CATEGORIES, Formula, HyperParam, Layer
from plugins.avgpool2d import AvgPool2D
from plugins.conv2d import Conv2D
from plugins.dense import Dense
from plugins.flatten import Flatten
from plugins.maxpool2d import MaxPool2D
from plugins.relu import ReLU
from plugins.sigmoid import Sigmoid
from plugins.tanh import Tanh

# the sigmoid's own Glorot range (×4, Glorot & Bengio 2010) where the API offers it
SIGMOID_INIT = "glorot_sigmoid" if "glorot_sigmoid" in getattr(core.api, "INIT_SCHEMES", ()) else "glorot"

EXPECTED = {
    "conv2d": (Conv2D, "Convolution", True, None),
    "maxpool2d": (MaxPool2D, "Pooling", False, None),
    "avgpool2d": (AvgPool2D, "Pooling", False, None),
    "sigmoid": (Sigmoid, "Activation", False, SIGMOID_INIT),
    "relu": (ReLU, "Activation", False, "he"),
    "tanh": (Tanh, "Activation", False, "glorot"),
    "dense": (Dense, "Fully connected", True, None),
    "flatten": (Flatten, "Reshape", False, None),
}


@pytest.mark.parametrize("layer_id", EXPECTED)
def test_spec(layer_id):
    cls, category, weighted, init = EXPECTED[layer_id]
    assert issubclass(cls, Layer)
    assert cls.spec.id == layer_id
    assert cls.spec.name and cls.spec.description
    assert cls.spec.category == category and category in CATEGORIES
    assert cls.spec.api_version == API_VERSION
    assert cls.weighted is weighted
    assert cls.init == init
    assert isinstance(cls.formula, Formula) and cls.formula.forward and cls.formula.backward
    if weighted:
        assert set(cls.formula.grads) == {"weight", "bias"}
    for name, hp in cls.hyperparams.items():
        assert isinstance(hp, HyperParam) and hp.help, name
        assert hp.min is not None and hp.max is not None, name
        hp.coerce(name, hp.default)  # the default is valid
    assert cls.__doc__ and cls.forward.__doc__ and cls.backward.__doc__


def test_hyperparams_as_listed():
    assert list(Conv2D.hyperparams) == ["out_channels", "kernel_size", "stride", "padding"]
    assert Conv2D().hp["stride"] == 1 and Conv2D().hp["padding"] == 0
    assert MaxPool2D().hp == {"kernel_size": 2, "stride": 2}
    assert list(Dense.hyperparams) == ["out_features"]
    assert Dense.example_shape == (6,)


@pytest.mark.parametrize("layer_id", EXPECTED)
def test_smoke_run_on_the_example_shape(layer_id):
    layer = EXPECTED[layer_id][0]()
    in_shape = layer.example_shape
    out_shape = layer.output_shape(in_shape)
    rng = np.random.default_rng(0)
    params = layer.init_params(in_shape, rng)
    x = rng.standard_normal((2, *in_shape))
    out, cache = layer.forward(x, params, True)
    assert out.shape == (2, *out_shape)
    dx, grads = layer.backward(np.ones_like(out), cache)
    assert dx.shape == x.shape
    assert {k: v.shape for k, v in grads.items()} == {k: v.shape for k, v in params.items()}
    assert isinstance(layer.inspect(cache), dict)


def test_forward_is_pure():
    """Calling forward twice gives the same result; backward never changes its inputs."""
    layer = Conv2D(out_channels=2, kernel_size=3)
    rng = np.random.default_rng(0)
    params = layer.init_params((1, 5, 5), rng)
    x = rng.standard_normal((2, 1, 5, 5))
    x0 = x.copy()
    a, cache = layer.forward(x, params)
    b, _ = layer.forward(x, params)
    np.testing.assert_array_equal(a, b)
    dout = rng.standard_normal(a.shape)
    d0 = dout.copy()
    r1 = layer.backward(dout, cache)
    r2 = layer.backward(dout, cache)
    np.testing.assert_array_equal(r1[0], r2[0])
    np.testing.assert_array_equal(dout, d0)
    np.testing.assert_array_equal(x, x0)
