"""Softmax cross-entropy and the optimisers, checked against the lecture's numbers."""

import numpy as np
import pytest

from core.errors import HyperParamError
from core.losses import cross_entropy, grad_logits, grad_probs, softmax
from core.optim import SGD, make_optimizer


def test_lecture_dL_dz_is_yhat_minus_y():
    # The lecture: ŷ = [0.5, 0, 0.1, 0.2, 0.1], y = class 1 (Penguin) -> dL/dz(4) = [-0.5, 0, 0.1, 0.2, 0.1]
    y_hat = np.array([[0.5, 0.0, 0.1, 0.2, 0.1]])
    np.testing.assert_allclose(grad_logits(y_hat, np.array([0])), [[-0.5, 0, 0.1, 0.2, 0.1]], atol=1e-15)


def test_gradient_through_softmax_matches_finite_differences():
    rng = np.random.default_rng(0)
    z, y = rng.standard_normal((4, 5)), np.array([0, 3, 2, 4])
    analytic = grad_logits(cross_entropy(z, y)[1], y)
    numeric = np.zeros_like(z)
    for idx in np.ndindex(z.shape):
        zp, zm = z.copy(), z.copy()
        zp[idx] += 1e-6
        zm[idx] -= 1e-6
        numeric[idx] = (cross_entropy(zp, y)[0] - cross_entropy(zm, y)[0]) / 2e-6
    np.testing.assert_allclose(analytic, numeric, rtol=1e-7, atol=1e-10)


def test_chain_rule_dL_dyhat_times_softmax_jacobian_is_yhat_minus_y():
    """The lecture's derivation: Σ_j ∂L/∂ŷ_j ∂ŷ_j/∂z_i = ŷ_i − y_i (batch of 1)."""
    z, y = np.array([[1.0, -0.5, 0.3, 2.0, 0.0]]), np.array([3])
    p = softmax(z)[0]
    jac = np.diag(p) - np.outer(p, p)  # ∂ŷ_j/∂z_i: ŷ_i(1−ŷ_i) on the diagonal, −ŷ_iŷ_j off it
    np.testing.assert_allclose(grad_probs(p[None], y)[0] @ jac, grad_logits(p[None], y)[0], atol=1e-12)


def test_stable_for_huge_logits():
    loss, probs = cross_entropy(np.array([[1000.0, -1000.0, 0.0]]), np.array([1]))
    assert np.isfinite(loss) and loss == pytest.approx(2000.0)
    assert np.isfinite(probs).all()


def test_batch_loss_is_the_mean_and_its_gradient_is_divided_by_n():
    rng = np.random.default_rng(1)
    z, y = rng.standard_normal((3, 4)), np.array([0, 1, 2])
    per_sample = [cross_entropy(z[i:i + 1], y[i:i + 1])[0] for i in range(3)]
    assert cross_entropy(z, y)[0] == pytest.approx(np.mean(per_sample))
    g = grad_logits(cross_entropy(z, y)[1], y)
    g0 = grad_logits(cross_entropy(z[:1], y[:1])[1], y[:1])
    np.testing.assert_allclose(g[0] * 3, g0[0])


def test_sgd_is_the_lecture_update_rule_and_never_writes_in_place():
    p = {"fc": {"weight": np.ones(3)}}
    g = {"fc": {"weight": np.array([1.0, 2.0, 3.0])}}
    new = SGD(0.1).step(p, g)
    np.testing.assert_allclose(new["fc"]["weight"], [0.9, 0.8, 0.7])
    np.testing.assert_array_equal(p["fc"]["weight"], np.ones(3))


@pytest.mark.parametrize("name", ["momentum", "adam"])
def test_other_optimisers_descend_a_quadratic(name):
    opt = make_optimizer(name, 0.05)
    p = {"l": {"w": np.array([3.0, -2.0])}}
    for _ in range(300):
        p = opt.step(p, {"l": {"w": 2 * p["l"]["w"]}})
    assert np.abs(p["l"]["w"]).max() < 0.1


@pytest.mark.parametrize("lr", [0, -1, float("nan"), float("inf")])
def test_non_positive_learning_rate_is_refused(lr):
    with pytest.raises(HyperParamError, match="learning rate"):
        SGD(lr)
