"""(c) What the lecture says about these layers, checked on small examples."""

import numpy as np
import pytest

from plugins.conv2d import Conv2D
from plugins.dense import Dense
from plugins.maxpool2d import MaxPool2D
from plugins.sigmoid import Sigmoid

G1_IDENTITY = np.array([[0, 0, 0], [0, 1, 0], [0, 0, 0]], float)
G2_BLUR = np.array([[0.107, 0.113, 0.107], [0.113, 0.119, 0.113], [0.107, 0.113, 0.107]])
G3_VERTICAL_EDGES = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], float)


def _filter(image, kernel, padding=0):
    """One grey image (H, W) through a one-filter conv2d with the given 3×3 kernel."""
    layer = Conv2D(out_channels=1, kernel_size=3, padding=padding)
    params = {"weight": kernel.reshape(1, 1, 3, 3), "bias": np.zeros(1)}
    z, _ = layer.forward(image[None, None], params)
    return z[0, 0]


def _total_variation(img):
    return np.abs(np.diff(img, axis=0)).sum() + np.abs(np.diff(img, axis=1)).sum()


def test_identity_kernel_leaves_the_image_unchanged():
    image = np.random.default_rng(0).random((9, 11))
    np.testing.assert_array_equal(_filter(image, G1_IDENTITY, padding=1), image)


def test_blur_kernel_blurs():
    image = np.random.default_rng(1).random((32, 32))
    blurred = _filter(image, G2_BLUR)
    inner = image[1:-1, 1:-1]  # the same region as the valid output
    assert _total_variation(blurred) < 0.5 * _total_variation(inner)
    assert blurred.mean() == pytest.approx(inner.mean(), rel=0.02)  # the weights sum to 0.999
    assert blurred.std() < 0.6 * inner.std()


def test_vertical_edge_kernel():
    flat = np.full((8, 8), 0.3)
    vertical_step = np.zeros((8, 8))
    vertical_step[:, 4:] = 1.0  # dark left, bright right
    horizontal_step = vertical_step.T.copy()

    np.testing.assert_allclose(_filter(flat, G3_VERTICAL_EDGES), 0, atol=1e-12)
    np.testing.assert_allclose(_filter(horizontal_step, G3_VERTICAL_EDGES), 0, atol=1e-12)

    response = _filter(vertical_step, G3_VERTICAL_EDGES)  # output column j looks at columns j..j+2
    edge_columns = [2, 3]  # the windows that straddle the step between columns 3 and 4
    np.testing.assert_allclose(response[:, edge_columns], 4.0)
    others = np.delete(response, edge_columns, axis=1)
    np.testing.assert_allclose(others, 0, atol=1e-12)


def test_sigmoid_derivative_is_f_times_one_minus_f():
    z = np.linspace(-8, 8, 41).reshape(1, 41)
    layer = Sigmoid()
    a, cache = layer.forward(z, {})
    dz, grads = layer.backward(np.ones_like(z), cache)
    f = 1 / (1 + np.exp(-z))
    np.testing.assert_allclose(a, f, rtol=1e-15)
    np.testing.assert_allclose(dz, f * (1 - f), rtol=1e-13)
    assert grads == {}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_is_stable_for_large_inputs(dtype):
    z = np.array([[-1e4, -1000.0, -50.0, 0.0, 50.0, 1000.0, 1e4]], dtype)
    with np.errstate(all="raise"):  # no overflow warning escapes, no NaN appears
        a, cache = Sigmoid().forward(z, {})
        dz, _ = Sigmoid().backward(np.ones_like(z), cache)
    assert np.isfinite(a).all() and np.isfinite(dz).all()
    assert a[0, 0] == 0 and a[0, -1] == 1 and a[0, 3] == 0.5
    np.testing.assert_allclose(a[0, 2], 1 / (1 + np.exp(np.float64(50))), rtol=1e-6)  # tiny, yet exact


def test_maxpool_sends_the_gradient_only_to_each_maximum():
    x = np.array([[[[1, 5, 2, 0],
                    [3, 4, 7, 1],
                    [0, 0, 6, 6],
                    [2, 9, 6, 6]]]], float)
    layer = MaxPool2D(kernel_size=2, stride=2)
    out, cache = layer.forward(x, {})
    np.testing.assert_array_equal(out[0, 0], [[5, 7], [9, 6]])
    dout = np.array([[[[10.0, 20.0], [30.0, 40.0]]]])
    dx, grads = layer.backward(dout, cache)
    expected = np.zeros((4, 4))
    expected[0, 1] = 10  # the 5
    expected[1, 2] = 20  # the 7
    expected[3, 1] = 30  # the 9
    expected[2, 2] = 40  # four 6s tie: the first in row-major order wins
    np.testing.assert_array_equal(dx[0, 0], expected)
    assert grads == {}
    mask = layer.inspect(cache)["argmax_mask"]
    np.testing.assert_array_equal(mask[0, 0], expected != 0)


def test_maxpool_overlapping_windows_share_a_maximum():
    x = np.array([[[[0, 0, 0], [0, 9, 0], [0, 0, 0]]]], float)
    layer = MaxPool2D(kernel_size=2, stride=1)
    out, cache = layer.forward(x, {})
    np.testing.assert_array_equal(out, 9)
    dx, _ = layer.backward(np.ones_like(out), cache)
    assert dx[0, 0, 1, 1] == 4 and dx.sum() == 4  # all four windows chose the centre
    assert layer.inspect(cache)["argmax_mask"].sum() == 1


def test_dense_weight_gradient_is_a_j_times_dL_dz_i_summed_over_the_batch():
    rng = np.random.default_rng(2)
    a = rng.standard_normal((5, 4))
    params = {"weight": rng.standard_normal((3, 4)), "bias": rng.standard_normal(3)}
    layer = Dense(out_features=3)
    z, cache = layer.forward(a, params)
    np.testing.assert_allclose(z, a @ params["weight"].T + params["bias"])  # z = W a + b per sample
    dz = rng.standard_normal(z.shape)
    da, grads = layer.backward(dz, cache)
    expected = np.zeros((3, 4))
    for n in range(5):
        for i in range(3):
            for j in range(4):
                expected[i, j] += a[n, j] * dz[n, i]
    np.testing.assert_allclose(grads["weight"], expected, rtol=1e-13)
    np.testing.assert_allclose(grads["bias"], dz.sum(axis=0), rtol=1e-13)
    # ∂L/∂a_i = Σ_j W_ji ∂L/∂z_j (the lecture's fully connected summary, before f′)
    np.testing.assert_allclose(da, np.einsum("ji,nj->ni", params["weight"], dz), rtol=1e-13)
