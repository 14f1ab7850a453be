"""(b) The fast layers agree with the plain-loop versions of the lecture's sums (float64, 1e-10)."""

import numpy as np
import pytest

from plugins.avgpool2d import AvgPool2D, avgpool2d_backward_loops, avgpool2d_forward_loops
from plugins.conv2d import Conv2D, conv2d_backward_loops, conv2d_forward_loops
from plugins.dense import Dense, dense_backward_loops, dense_forward_loops
from plugins.maxpool2d import MaxPool2D, maxpool2d_backward_loops, maxpool2d_forward_loops

TOL = 1e-10


def _random_conv_case(seed):
    rng = np.random.default_rng(seed)
    k = int(rng.integers(1, 5))
    s = int(rng.integers(1, 4))
    p = int(rng.integers(0, 3))
    h = int(rng.integers(max(1, k - 2 * p), 10))
    w = int(rng.integers(max(1, k - 2 * p), 10))
    n, c, f = (int(v) for v in rng.integers(1, 4, size=3))
    return rng, n, c, h, w, f, k, s, p


@pytest.mark.parametrize("seed", range(12))
def test_conv2d_random_shapes(seed):
    rng, n, c, h, w, f, k, s, p = _random_conv_case(seed)
    _compare_conv(rng, n, c, h, w, f, k, s, p)


@pytest.mark.parametrize(
    "n, c, h, w, f, k, s, p",
    [
        (2, 3, 7, 7, 4, 3, 2, 1),  # stride 2, padding 1
        (2, 2, 9, 8, 3, 5, 2, 2),  # stride 2, padding 2
        (1, 1, 28, 28, 6, 5, 1, 0),  # the lecture's first layer
        (3, 6, 12, 12, 16, 5, 1, 0),  # the lecture's second layer
        (2, 2, 6, 6, 2, 3, 1, 2),  # padding larger than needed
    ],
)
def test_conv2d_named_shapes(n, c, h, w, f, k, s, p):
    _compare_conv(np.random.default_rng(7), n, c, h, w, f, k, s, p)


@pytest.mark.parametrize("small", [0, 10**9], ids=["col2im-slices", "col2im-bincount"])
@pytest.mark.parametrize("seed", range(4))
def test_conv2d_both_col2im_paths(monkeypatch, small, seed):
    import core.im2col

    monkeypatch.setattr(core.im2col, "SMALL", small)
    rng, n, c, h, w, f, k, s, p = _random_conv_case(100 + seed)
    _compare_conv(rng, n, c, h, w, f, k, s, p)
    _compare_conv(np.random.default_rng(seed), 3, 2, 9, 8, 3, 3, 2, 1)


def _compare_conv(rng, n, c, h, w, f, k, s, p):
    layer = Conv2D(out_channels=f, kernel_size=k, stride=s, padding=p)
    x = rng.standard_normal((n, c, h, w))
    params = {"weight": rng.standard_normal((f, c, k, k)), "bias": rng.standard_normal(f)}
    z, cache = layer.forward(x, params)
    assert z.shape == (n, *layer.output_shape((c, h, w)))
    z_ref = conv2d_forward_loops(x, params["weight"], params["bias"], s, p)
    np.testing.assert_allclose(z, z_ref, rtol=0, atol=TOL)
    dout = rng.standard_normal(z.shape)
    dx, grads = layer.backward(dout, cache)
    dx_ref, dw_ref, db_ref = conv2d_backward_loops(dout, x, params["weight"], s, p)
    np.testing.assert_allclose(dx, dx_ref, rtol=0, atol=TOL)
    np.testing.assert_allclose(grads["weight"], dw_ref, rtol=0, atol=TOL)
    np.testing.assert_allclose(grads["bias"], db_ref, rtol=0, atol=TOL)


POOL_CASES = [(2, 2), (3, 2), (2, 1), (3, 3), (2, 3), (1, 1), (3, 1)]


@pytest.mark.parametrize("k, s", POOL_CASES)
@pytest.mark.parametrize("seed", range(3))
def test_maxpool2d_random_shapes(k, s, seed):
    rng = np.random.default_rng(seed)
    n, c = (int(v) for v in rng.integers(1, 4, size=2))
    h, w = (int(v) for v in rng.integers(k, 10, size=2))
    layer = MaxPool2D(kernel_size=k, stride=s)
    for x in (rng.standard_normal((n, c, h, w)), rng.integers(0, 3, (n, c, h, w)).astype(float)):
        # the second input is full of ties: the first maximum must win in both versions
        out, cache = layer.forward(x, {})
        np.testing.assert_allclose(out, maxpool2d_forward_loops(x, k, s), rtol=0, atol=TOL)
        dout = rng.standard_normal(out.shape)
        dx, _ = layer.backward(dout, cache)
        np.testing.assert_allclose(dx, maxpool2d_backward_loops(dout, x, k, s), rtol=0, atol=TOL)


@pytest.mark.parametrize("k, s", POOL_CASES)
@pytest.mark.parametrize("seed", range(3))
def test_avgpool2d_random_shapes(k, s, seed):
    rng = np.random.default_rng(seed)
    n, c = (int(v) for v in rng.integers(1, 4, size=2))
    h, w = (int(v) for v in rng.integers(k, 10, size=2))
    layer = AvgPool2D(kernel_size=k, stride=s)
    x = rng.standard_normal((n, c, h, w))
    out, cache = layer.forward(x, {})
    np.testing.assert_allclose(out, avgpool2d_forward_loops(x, k, s), rtol=0, atol=TOL)
    dout = rng.standard_normal(out.shape)
    dx, _ = layer.backward(dout, cache)
    np.testing.assert_allclose(dx, avgpool2d_backward_loops(dout, x, k, s), rtol=0, atol=TOL)


@pytest.mark.parametrize("n, fin, fout", [(1, 1, 1), (3, 6, 4), (5, 17, 9)])
def test_dense(n, fin, fout):
    rng = np.random.default_rng(fin)
    layer = Dense(out_features=fout)
    a = rng.standard_normal((n, fin))
    params = {"weight": rng.standard_normal((fout, fin)), "bias": rng.standard_normal(fout)}
    z, cache = layer.forward(a, params)
    np.testing.assert_allclose(z, dense_forward_loops(a, params["weight"], params["bias"]), rtol=0, atol=TOL)
    dout = rng.standard_normal(z.shape)
    da, grads = layer.backward(dout, cache)
    da_ref, dw_ref, db_ref = dense_backward_loops(dout, a, params["weight"])
    np.testing.assert_allclose(da, da_ref, rtol=0, atol=TOL)
    np.testing.assert_allclose(grads["weight"], dw_ref, rtol=0, atol=TOL)
    np.testing.assert_allclose(grads["bias"], db_ref, rtol=0, atol=TOL)


def test_layers_chain_through_non_contiguous_layouts():
    """Outputs may be views in another memory order; the next layer must not care."""
    from plugins.flatten import Flatten
    from plugins.sigmoid import Sigmoid

    rng = np.random.default_rng(3)
    x = rng.standard_normal((3, 2, 10, 10))
    g1 = rng.standard_normal((4, 2, 3, 3))
    g2 = rng.standard_normal((5, 4, 3, 3))
    conv1, conv2 = Conv2D(out_channels=4, kernel_size=3), Conv2D(out_channels=5, kernel_size=3, padding=1)
    z1, c1 = conv1.forward(x, {"weight": g1, "bias": np.zeros(4)})
    a1, cs = Sigmoid().forward(z1, {})
    p1, cp = MaxPool2D().forward(a1, {})
    z2, c2 = conv2.forward(p1, {"weight": g2, "bias": np.zeros(5)})
    flat, cf = Flatten().forward(z2, {})
    dense = Dense(out_features=2)
    w = rng.standard_normal((2, flat.shape[1]))
    out, cd = dense.forward(flat, {"weight": w, "bias": np.zeros(2)})
    # the same chain with the loop references on plain C-ordered arrays
    r1 = conv2d_forward_loops(x, g1, np.zeros(4))
    ra1 = 1 / (1 + np.exp(-r1))
    rp1 = maxpool2d_forward_loops(ra1)
    r2 = conv2d_forward_loops(rp1, g2, np.zeros(5), 1, 1)
    rout = r2.reshape(3, -1) @ w.T
    np.testing.assert_allclose(out, rout, rtol=0, atol=1e-10)
    # and back
    dout = rng.standard_normal(out.shape)
    d, _ = dense.backward(dout, cd)
    d, _ = Flatten().backward(d, cf)
    d2, grads2 = conv2.backward(d, c2)
    rd = (dout @ w).reshape(r2.shape)
    rdx2, rdw2, _ = conv2d_backward_loops(rd, rp1, g2, 1, 1)
    np.testing.assert_allclose(d2, rdx2, rtol=0, atol=1e-10)
    np.testing.assert_allclose(grads2["weight"], rdw2, rtol=0, atol=1e-10)
    d1, _ = MaxPool2D().backward(d2, cp)
    np.testing.assert_allclose(d1, maxpool2d_backward_loops(rdx2, ra1), rtol=0, atol=1e-10)
