"""The stepper: phases in order, the lecture's nine quantities, snapshots, determinism."""

import numpy as np
import pytest

from core.errors import DivergedError
from core.network import Network
from core.spec import load_spec
from core.stepper import Stepper

NINE = ["dL/dy_hat", "dL/dz(4)", "dL/dW(2)", "dL/dz(3)", "dL/dW(1)", "dL/dz(2)", "dL/dg(2)", "dL/dz(1)", "dL/dg(1)"]
NINE_UNICODE = ["∂L/∂ŷ", "∂L/∂z⁽⁴⁾", "∂L/∂W⁽²⁾", "∂L/∂z⁽³⁾", "∂L/∂W⁽¹⁾", "∂L/∂z⁽²⁾", "∂L/∂g⁽²⁾", "∂L/∂z⁽¹⁾", "∂L/∂g⁽¹⁾"]


def make(lecture_path, tiny, dtype=np.float64, **kw):
    net = Network(load_spec(lecture_path), dtype=dtype, seed=0)
    return Stepper(net, tiny, batch_size=kw.pop("batch_size", 8), seed=0, **kw)


def test_phase_order(lecture_path, tiny):
    s = make(lecture_path, tiny)
    names = ["conv1", "sig1", "pool1", "conv2", "sig2", "pool2", "flat", "fc1", "sig3", "fc2"]
    assert s.phases == [f"forward:{n}" for n in names] + ["loss"] + [f"backward:{n}" for n in names[::-1]] + ["update"]
    seen = [s.step_phase().phase for _ in range(len(s.phases))]
    assert seen == s.phases and s.iteration == 1 and s.position == 0


def test_backward_phases_yield_the_lecture_nine_in_order(lecture_path, tiny):
    s = make(lecture_path, tiny)
    snaps = [s.step_phase() for _ in range(len(s.phases))]
    steps = [q for snap in snaps if snap.kind == "backward" for q in snap.quantities if q.step]
    assert [q.ascii for q in steps] == NINE
    assert [q.label for q in steps] == NINE_UNICODE
    assert [q.step for q in steps] == list(range(1, 10))
    for snap in snaps:  # every labelled quantity is an array of its own phase
        for q in snap.quantities:
            assert q.key in snap.arrays, (snap.phase, q.key)


def test_phase_arrays_equal_a_whole_pass_and_the_fast_path(lecture_path, tiny):
    """Phase by phase gives the same numbers as net.forward/backward and as step_iteration."""
    a, b = make(lecture_path, tiny), make(lecture_path, tiny)
    snaps = {snap.phase: snap for snap in (a.step_phase() for _ in range(len(a.phases)))}
    x = snaps["forward:conv1"].x
    logits, caches = b.net.forward(x)
    np.testing.assert_array_equal(snaps["forward:fc2"].arrays["fc2.out"], logits)
    b.step_iteration()
    for layer, ps in a.net.params.items():
        for k, v in ps.items():
            np.testing.assert_allclose(v, b.net.params[layer][k], rtol=0, atol=1e-15)
    assert a.history.batch_loss == pytest.approx(b.history.batch_loss)


def test_update_is_sgd_and_snapshots_are_immutable(lecture_path, tiny):
    s = make(lecture_path, tiny, lr=0.1)
    snaps = [s.step_phase() for _ in range(len(s.phases))]
    before = snaps[0].params["fc2"]["weight"]
    grad = next(sn for sn in snaps if sn.phase == "backward:fc2").arrays["fc2.weight.grad"]
    upd = snaps[-1].arrays
    np.testing.assert_allclose(upd["fc2.weight.new"], before - 0.1 * grad, atol=1e-15)
    np.testing.assert_allclose(upd["fc2.weight.step"], -0.1 * grad, atol=1e-15)
    np.testing.assert_array_equal(s.net.params["fc2"]["weight"], upd["fc2.weight.new"])
    np.testing.assert_array_equal(snaps[0].params["fc2"]["weight"], upd["fc2.weight.old"])  # old view kept
    with pytest.raises(ValueError):
        snaps[0].arrays["conv1.out"][0, 0, 0, 0] = 1.0
    with pytest.raises(ValueError):
        snaps[0].params["fc2"]["weight"][0, 0] = 1.0


def test_batch_gradient_is_the_mean_of_per_sample_gradients(lecture_path, tiny):
    s = make(lecture_path, tiny, batch_size=5)
    for _ in range(len(s.phases) - 1):
        last = s.step_phase()
    parts = [s.per_sample_grads("conv1", i) for i in range(5)]
    assert last.phase == "backward:conv1"
    whole = {"weight": last.arrays["conv1.weight.grad"]}
    np.testing.assert_allclose(sum(p["weight"] for p in parts), whole["weight"], atol=1e-14)
    # and each part, times N, is that sample's own gradient (a batch of one)
    one = make(lecture_path, tiny, batch_size=5)
    x, y = last.x[2:3], last.y[2:3]
    from core.losses import cross_entropy, grad_logits
    logits, caches = one.net.forward(x)
    grads = one.net.backward(grad_logits(cross_entropy(logits, y)[1], y), caches)
    np.testing.assert_allclose(parts[2]["weight"] * 5, grads["conv1"]["weight"], atol=1e-13)


def test_deterministic_for_a_seed_and_resumable(lecture_path, tiny):
    a, b = make(lecture_path, tiny), make(lecture_path, tiny)
    a.run(5)
    state = a.state()
    a.run(3)
    b.load_state(state)
    b.run(3)
    np.testing.assert_array_equal(a.net.params["conv1"]["weight"], b.net.params["conv1"]["weight"])
    assert a.history.batch_loss == b.history.batch_loss and a.iteration == b.iteration == 8


def test_epoch_step_counts_and_evaluates(lecture_path, tiny):
    s = make(lecture_path, tiny, batch_size=10)
    s.step_phase()  # a half-done iteration is finished by step_epoch
    s.step_epoch()
    assert s.epoch == 1 and s.iteration == 7 and s.offset == 0
    rec = s.history.epochs[0]
    assert set(rec) >= {"train_loss", "train_acc", "test_loss", "test_acc"}


def test_nan_names_the_phase_and_layer(lecture_path, tiny):
    s = make(lecture_path, tiny)
    s.net.params["conv2"]["weight"] = np.full_like(s.net.params["conv2"]["weight"], np.nan)
    with pytest.raises(DivergedError) as e:
        s.step_iteration()
    assert e.value.phase == "forward:conv2" and e.value.layer == "conv2"
    assert "forward:conv2" in str(e.value)


def test_overflow_is_caught_where_it_happens(lecture_path, tiny):
    s = make(lecture_path, tiny, dtype=np.float32)
    w = s.net.params["fc2"]["weight"].copy()
    w[0, :] = 3e38  # z(4) = W(2) a(3) overflows float32 in fc2
    s.net.params["fc2"]["weight"] = w
    with pytest.raises(DivergedError) as e:
        s.step_iteration()
    assert e.value.phase == "forward:fc2" and "Inf" in str(e.value)
