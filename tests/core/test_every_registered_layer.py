"""Every registered layer — built-in or a user's plugin — passes the gradient check.

The list comes from the registry (the same discovery the app and the CLI use), with a user's
plugin folder on BACKSTEP_PLUGIN_PATH, so a new layer is checked without touching this file.
"""

import os

import pytest

from core.gradcheck import check_layer
from core.registry import discover
from tests.fixtures import plugins as fixture_plugins


def _registry():
    import tempfile
    from pathlib import Path
    folder = Path(tempfile.mkdtemp(prefix="backstep-user-plugins-"))
    (folder / "softsign.py").write_text(fixture_plugins.GOOD)
    old = os.environ.get("BACKSTEP_PLUGIN_PATH")
    os.environ["BACKSTEP_PLUGIN_PATH"] = str(folder)
    try:
        return discover(strict=True)
    finally:
        if old is None:
            os.environ.pop("BACKSTEP_PLUGIN_PATH")
        else:
            os.environ["BACKSTEP_PLUGIN_PATH"] = old


REGISTRY = _registry()


def test_the_user_plugin_is_among_them():
    assert REGISTRY.plugin("softsign").source == "path"


@pytest.mark.parametrize("type_id", REGISTRY.ids())
def test_registered_layer_passes_gradcheck(type_id):
    cls = REGISTRY.get(type_id)
    result = check_layer(cls(), tuple(cls.example_shape), batch=2, seed=1)
    assert result.passed(1e-6), result.summary()


@pytest.mark.parametrize("type_id", REGISTRY.ids())
def test_param_grads_are_the_grads_of_backward(type_id):
    """Training asks the first layer for Layer.param_grads (no dL/dx): the same numbers."""
    import numpy as np

    cls = REGISTRY.get(type_id)
    layer, rng = cls(), np.random.default_rng(0)
    shape = tuple(cls.example_shape)
    params = layer.init_params(shape, rng)
    x = rng.standard_normal((3, *shape))
    out, cache = layer.forward(x, params)
    dout = rng.standard_normal(out.shape)
    grads = layer.param_grads(dout, cache)
    _, expected = layer.backward(dout, cache)
    assert grads.keys() == expected.keys()
    for k in grads:
        np.testing.assert_array_equal(grads[k], expected[k])
