"""What-if: one iteration replayed with an edit differs from the original exactly as the maths says."""

import numpy as np
import pytest

from core.debugger.what_if import (
    EditError,
    LabelEdit,
    LearningRateEdit,
    PixelEdit,
    WeightEdit,
    replay_iteration,
    what_if,
)
from core.network import Network
from core.record import IterationRecord
from core.spec import load_spec
from core.stepper import Stepper
from tests.conftest import tiny_dataset


@pytest.fixture
def setup(lecture_path):
    """A stepper after 2 iterations; the boundary state and the batch of iteration 2."""
    net = Network(load_spec(lecture_path), dtype=np.float64, seed=0)
    st = Stepper(net, tiny_dataset(), batch_size=8, seed=1, lr=0.1, evaluate_every_epoch=False)
    st.run(2)
    state = st.state()
    idx = st.next_batch_indices()
    x, y = st.data.x_train[idx].astype(np.float64), st.data.y_train[idx]
    return st, state, (x, y)


def test_without_edits_the_replay_is_the_steppers_iteration(setup):
    st, state, batch = setup
    before = {lname: {k: v.copy() for k, v in ps.items()} for lname, ps in st.net.params.items()}
    res = what_if(st.net, state, batch, [])
    rec = IterationRecord(st.iteration)
    while st.position or not rec.snapshots:
        rec.add(st.step_phase())
    assert set(res.original) == set(rec.arrays)
    for k, v in rec.arrays.items():
        np.testing.assert_allclose(res.original[k], v, rtol=0, atol=1e-14, err_msg=k)
    assert all(d == 0 for d in res.diff.values())
    # the live network was not touched by the what-if
    for lname, ps in before.items():
        for k, v in ps.items():
            assert np.array_equal(rec.snapshot_of("forward:conv1").params[lname][k], v)


def test_changing_a_label_changes_only_that_rows_dL_dz4_by_y_hat_minus_y(setup):
    st, state, (x, y) = setup
    old = int(y[0])
    new = (old + 3) % 10
    res = what_if(st.net, state, (x, y), [LabelEdit(0, new)], dtype=np.float64)
    n = len(y)
    d = res.delta("fc2.grad_out")  # ∂L/∂z⁽⁴⁾ = (ŷ − y)/N
    expected = np.zeros_like(d)
    expected[0, old], expected[0, new] = 1.0 / n, -1.0 / n  # ŷ is unchanged: only −y moves
    np.testing.assert_allclose(d, expected, rtol=0, atol=1e-15)
    assert np.array_equal(res.original["probs"], res.edited["probs"])  # the forward pass does not see y
    for key in ("fc2.out", "conv1.out", "sig3.out"):
        assert res.diff[key] == 0.0
    np.testing.assert_allclose(res.edited["fc2.grad_out"][0],
                               (res.edited["probs"][0] - np.eye(10)[new]) / n, atol=1e-15)
    assert res.diff["fc2.weight.grad"] > 0 and res.y_edited[0] == new and res.y[0] == old
    assert res.loss[0] != res.loss[1]


def test_doubling_the_learning_rate_doubles_the_step(setup):
    st, state, batch = setup
    res = what_if(st.net, state, batch, [LearningRateEdit(2 * state["optimizer"]["lr"])], dtype=np.float64)
    assert res.lr_edited == pytest.approx(2 * res.lr)
    for key in ("conv1.weight", "fc1.bias", "fc2.weight"):
        np.testing.assert_allclose(res.edited[f"{key}.step"], 2 * res.original[f"{key}.step"], rtol=1e-9, atol=1e-15)
        assert np.array_equal(res.edited[f"{key}.grad"], res.original[f"{key}.grad"])  # gradients unchanged
    assert res.diff["loss"] == 0.0


def test_a_weight_edit_changes_that_filters_map_by_delta_times_the_window(setup):
    st, state, (x, y) = setup
    f, c, m, n = 2, 0, 1, 3
    old = state["params"]["conv1"]["weight"][f, c, m, n]
    delta = 0.25
    res = what_if(st.net, state, (x, y), [WeightEdit("conv1.weight", (f, c, m, n), old + delta)], dtype=np.float64)
    d = res.delta("conv1.out")  # z[n,f,i,j] = b + Σ g[f,c,m,n'] x[n,c,i+m,j+n']
    ho, wo = d.shape[2:]
    np.testing.assert_allclose(d[:, f], delta * x[:, c, m:m + ho, n:n + wo], rtol=1e-9, atol=1e-12)
    others = np.delete(d, f, axis=1)
    assert np.abs(others).max() == 0.0
    assert res.diff["loss"] > 0 and res.diff["conv1.weight.grad"] > 0
    assert res.original["conv1.weight.old"][f, c, m, n] == old
    assert res.edited["conv1.weight.old"][f, c, m, n] == pytest.approx(old + delta)


def test_a_pixel_edit_changes_the_sample_only(setup):
    st, state, (x, y) = setup
    res = what_if(st.net, state, (x, y), [PixelEdit(1, (0, 14, 14), 1.0 + x[1, 0, 14, 14])], dtype=np.float64)
    d = res.delta("fc2.out")
    assert np.abs(d[1]).max() > 0 and np.abs(np.delete(d, 1, axis=0)).max() == 0.0
    assert res.x_edited[1, 0, 14, 14] == pytest.approx(1.0 + x[1, 0, 14, 14]) and np.array_equal(res.x, x)
    assert "conv1.weight.grad" in res.changed()


def test_impossible_edits_say_why(setup):
    st, state, batch = setup
    for edit, words in [(WeightEdit("conv9.weight", (0,), 1.0), "no parameter"),
                        (WeightEdit("conv1.weight", (9, 0, 0, 0), 1.0), "outside"),
                        (PixelEdit(99, (0, 0, 0), 1.0), "not in the batch"),
                        (LabelEdit(0, 10), "class index"),
                        (LearningRateEdit(-1.0), "positive")]:
        with pytest.raises(EditError, match=words):
            what_if(st.net, state, batch, [edit])


def test_replay_iteration_with_momentum_state_matches_the_stepper(lecture_path):
    net = Network(load_spec(lecture_path), dtype=np.float64, seed=0)
    st = Stepper(net, tiny_dataset(), batch_size=8, optimizer="momentum", evaluate_every_epoch=False)
    st.run(2)
    state = st.state()
    idx = st.next_batch_indices()
    arrays = replay_iteration(net, state["params"], state["optimizer"], st.data.x_train[idx].astype(np.float64),
                              st.data.y_train[idx])
    st.run(1)
    for lname, ps in st.net.params.items():
        for k, v in ps.items():
            np.testing.assert_allclose(arrays[f"{lname}.{k}.new"], v, rtol=0, atol=1e-14)
