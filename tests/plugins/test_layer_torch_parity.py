"""(e) Forward and backward (input and parameter gradients) match PyTorch to 1e-10 in float64."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")
F = torch.nn.functional

from plugins.avgpool2d import AvgPool2D  # noqa: E402
from plugins.conv2d import Conv2D  # noqa: E402
from plugins.dense import Dense  # noqa: E402
from plugins.flatten import Flatten  # noqa: E402
from plugins.maxpool2d import MaxPool2D  # noqa: E402
from plugins.relu import ReLU  # noqa: E402
from plugins.sigmoid import Sigmoid  # noqa: E402
from plugins.tanh import Tanh  # noqa: E402

TOL = 1e-10


def _compare(layer, x, params, torch_fn):
    """Run our layer and torch_fn(x, **params) on the same numbers; compare outputs and gradients."""
    rng = np.random.default_rng(123)
    out, cache = layer.forward(x, params, True)
    dout = rng.standard_normal(out.shape)
    dx, grads = layer.backward(dout, cache)

    tx = torch.tensor(x, requires_grad=True)
    tp = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    tout = torch_fn(tx, **tp)
    tout.backward(torch.tensor(dout))
    np.testing.assert_allclose(out, tout.detach().numpy(), rtol=0, atol=TOL)
    np.testing.assert_allclose(dx, tx.grad.numpy(), rtol=0, atol=TOL)
    assert grads.keys() == tp.keys()
    for name, t in tp.items():
        np.testing.assert_allclose(grads[name], t.grad.numpy(), rtol=0, atol=TOL, err_msg=name)


def _conv_params(rng, f, c, k):
    return {"weight": rng.standard_normal((f, c, k, k)), "bias": rng.standard_normal(f)}


@pytest.mark.parametrize(
    "n, c, h, w, f, k, s, p",
    [
        (2, 1, 28, 28, 6, 5, 1, 0),  # lecture conv1
        (4, 6, 12, 12, 16, 5, 1, 0),  # lecture conv2
        (2, 3, 9, 9, 4, 3, 2, 1),  # stride 2, padding 1
        (3, 2, 10, 7, 5, 5, 2, 2),  # stride 2, padding 2, non-square input
        (2, 3, 8, 8, 2, 3, 1, 1),  # "same" convolution
        (1, 2, 6, 6, 3, 1, 1, 0),  # 1×1 kernel
    ],
)
def test_conv2d(n, c, h, w, f, k, s, p):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, c, h, w))
    layer = Conv2D(out_channels=f, kernel_size=k, stride=s, padding=p)
    _compare(layer, x, _conv_params(rng, f, c, k),
             lambda x, weight, bias: F.conv2d(x, weight, bias, stride=s, padding=p))


@pytest.mark.parametrize("k, s, shape", [(2, 2, (3, 4, 8, 8)), (3, 2, (2, 3, 9, 9)), (2, 2, (2, 2, 7, 5)),
                                          (3, 1, (2, 2, 6, 6)), (2, 3, (2, 2, 8, 8))])
def test_maxpool2d(k, s, shape):
    x = np.random.default_rng(1).standard_normal(shape)
    _compare(MaxPool2D(kernel_size=k, stride=s), x, {}, lambda x: F.max_pool2d(x, k, s))


def test_maxpool2d_ties_go_to_the_first_maximum_like_torch():
    x = np.random.default_rng(2).integers(0, 2, (2, 3, 8, 8)).astype(float)
    _compare(MaxPool2D(), x, {}, lambda x: F.max_pool2d(x, 2, 2))


@pytest.mark.parametrize("k, s, shape", [(2, 2, (3, 4, 8, 8)), (3, 2, (2, 3, 9, 9)), (2, 1, (2, 2, 5, 6))])
def test_avgpool2d(k, s, shape):
    x = np.random.default_rng(3).standard_normal(shape)
    _compare(AvgPool2D(kernel_size=k, stride=s), x, {}, lambda x: F.avg_pool2d(x, k, s))


@pytest.mark.parametrize(
    "layer, fn",
    [(Sigmoid(), torch.sigmoid), (ReLU(), F.relu), (Tanh(), torch.tanh)],
    ids=["sigmoid", "relu", "tanh"],
)
@pytest.mark.parametrize("shape", [(3, 2, 5, 5), (4, 9)])
def test_activations(layer, fn, shape):
    x = np.random.default_rng(4).standard_normal(shape) * 4
    _compare(layer, x, {}, fn)


def test_dense():
    rng = np.random.default_rng(5)
    x = rng.standard_normal((8, 256))
    params = {"weight": rng.standard_normal((120, 256)), "bias": rng.standard_normal(120)}
    _compare(Dense(out_features=120), x, params, lambda x, weight, bias: F.linear(x, weight, bias))


def test_flatten():
    x = np.random.default_rng(6).standard_normal((3, 16, 4, 4))
    _compare(Flatten(), x, {}, lambda x: torch.flatten(x, 1))


def test_lecture_network_end_to_end():
    """The whole lecture network, chained with our layers' own (non-contiguous) outputs."""
    rng = np.random.default_rng(7)
    x = rng.standard_normal((4, 1, 28, 28))
    layers = [Conv2D(out_channels=6, kernel_size=5), Sigmoid(), MaxPool2D(),
              Conv2D(out_channels=16, kernel_size=5), Sigmoid(), MaxPool2D(), Flatten(),
              Dense(out_features=120), Sigmoid(), Dense(out_features=10)]
    shape, params = (1, 28, 28), []
    for layer in layers:
        params.append(layer.init_params(shape, rng))
        shape = layer.output_shape(shape)
    a, caches = x, []
    for layer, p in zip(layers, params):
        a, cache = layer.forward(a, p)
        caches.append(cache)
    dout = rng.standard_normal(a.shape)
    d, grads = dout, []
    for layer, cache in zip(reversed(layers), reversed(caches)):
        d, g = layer.backward(d, cache)
        grads.append(g)
    grads.reverse()

    tx = torch.tensor(x, requires_grad=True)
    tp = [{k: torch.tensor(v, requires_grad=True) for k, v in p.items()} for p in params]
    t = F.conv2d(tx, tp[0]["weight"], tp[0]["bias"])
    t = F.max_pool2d(torch.sigmoid(t), 2)
    t = F.conv2d(t, tp[3]["weight"], tp[3]["bias"])
    t = torch.flatten(F.max_pool2d(torch.sigmoid(t), 2), 1)
    t = F.linear(torch.sigmoid(F.linear(t, tp[7]["weight"], tp[7]["bias"])), tp[9]["weight"], tp[9]["bias"])
    t.backward(torch.tensor(dout))
    np.testing.assert_allclose(a, t.detach().numpy(), rtol=0, atol=TOL)
    np.testing.assert_allclose(d, tx.grad.numpy(), rtol=0, atol=TOL)
    for g, p in zip(grads, tp):
        for name in p:
            np.testing.assert_allclose(g[name], p[name].grad.numpy(), rtol=0, atol=TOL)
