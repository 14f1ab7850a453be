"""The Workspace: the window's model without Qt — events, rebuilds, sessions, runs, per-sample views."""

import threading
import time

import numpy as np
import pytest

from core.errors import BackstepError
from core.spec import LayerEntry, load_spec
from core.workspace import LECTURE, Workspace


@pytest.fixture
def ws():
    return Workspace(batch_size=8)


def collect(ws, *names):
    got = {n: [] for n in names}
    for n in names:
        getattr(ws.events, n).connect(lambda *a, n=n: got[n].append(a))
    return got


def test_a_step_emits_a_view_of_that_phase_with_the_settings_it_used(ws):
    got = collect(ws, "view")
    assert ws.step_phase()
    (view,), = got["view"]
    assert view.phase == "forward:conv1" and view.position.iteration == 1 and view.position.next_phase == "forward:sig1"
    assert view.lr == ws.settings.lr and view.optimizer == "sgd"
    with pytest.raises(ValueError):
        view.arrays["conv1.out"][0, 0, 0, 0] = 1.0  # immutable


def test_a_view_keeps_its_arrays_when_the_iteration_goes_on(ws):
    ws.step_phase()
    first = ws.view()
    ws.step_phase()
    assert set(first.arrays) == {"conv1.out"}  # not a live mapping over the growing record


def test_settings_changes_are_events_and_the_next_update_uses_them(ws):
    got = collect(ws, "settings")
    ws.set_learning_rate(0.05)
    ws.set_optimizer("momentum")
    assert [s.lr for (s,) in got["settings"]] == [0.05, 0.05]
    assert got["settings"][-1][0].optimizer == "momentum"
    ws.step_iteration()
    assert ws.view().optimizer == "momentum" and ws.view().lr == 0.05


def test_rebuild_keeps_the_weights_of_unchanged_layers(ws):
    ws.step_iteration()
    before = {k: v.copy() for k, v in ws.network.params["conv2"].items()}
    same = ws.plan_rebuild(ws.spec)
    assert same.reinitialised == () and not same.needs_confirmation
    wider = ws.spec.replace_layers(
        [LayerEntry("conv1", "conv2d", {"out_channels": 8, "kernel_size": 5}), *ws.spec.layers[1:]])
    plan = ws.plan_rebuild(wider)
    assert set(plan.reinitialised) == {"conv1", "conv2"} and plan.needs_confirmation
    ws.apply_rebuild(plan)
    assert ws.spec == wider and ws.network.spec == wider and ws.stepper.iteration == 1
    assert ws.network.params["conv2"]["weight"].shape[1] == 8
    np.testing.assert_array_equal(ws.network.params["fc2"]["weight"].shape, (10, 120))
    assert before["weight"].shape != ws.network.params["conv2"]["weight"].shape


def test_a_spec_that_does_not_build_turns_stepping_off_and_keeps_the_network(ws):
    got = collect(ws, "spec_state")
    net = ws.network
    broken = ws.spec.replace_layers(ws.spec.layers[:2])  # conv1, sig1: no 10-way output
    ws.apply_rebuild(ws.plan_rebuild(broken))
    assert got["spec_state"][-1][0] is False and ws.spec == broken and ws.network is net
    assert not ws.step_phase() and ws.begin_run() is None


def test_switching_dataset_checks_the_classes_and_starts_the_counters_again(ws, tmp_path):
    rng = np.random.default_rng(0)
    path = tmp_path / "twelve.npz"
    np.savez(path, x_train=rng.integers(0, 255, (24, 28, 28), dtype=np.uint8), y_train=np.arange(24) % 12,
             x_test=rng.integers(0, 255, (12, 28, 28), dtype=np.uint8), y_test=np.arange(12))
    ws.step_iteration()
    with pytest.raises(BackstepError, match="12 classes"):
        ws.switch_dataset(str(path))
    assert ws.dataset_name == "mnist-5k" and ws.stepper.iteration == 1
    got = collect(ws, "dataset")
    ws.switch_dataset("shapes")
    assert got["dataset"] == [("shapes",)] and ws.stepper.iteration == 0 and ws.view().x.shape[1:] == (1, 28, 28)


def test_a_session_round_trips_and_a_bad_one_changes_nothing(ws, tmp_path):
    ws.step_iteration()
    ws.step_iteration()
    path = tmp_path / "s.bstep"
    ws.save_session(path)
    assert not ws.unsaved_work
    other = Workspace(batch_size=8)
    other.open_session(path)
    assert other.stepper.iteration == 2
    for k, v in ws.network.params["fc1"].items():
        np.testing.assert_array_equal(other.network.params["fc1"][k], v)
    bad = tmp_path / "bad.bstep"
    bad.write_bytes(b"not a zip")
    stepper = other.stepper
    with pytest.raises(BackstepError):
        other.open_session(bad)
    assert other.stepper is stepper and other.step_iteration()


def test_the_boundary_state_follows_a_run_so_an_autosave_during_it_saves_where_it_is(ws):
    runner = ws.begin_run()
    t = threading.Thread(target=runner.run)
    t.start()
    try:
        deadline = time.time() + 20
        while time.time() < deadline and ws.boundary_state()["iteration"] < 5:
            time.sleep(0.05)
        assert ws.running and ws.boundary_state()["iteration"] >= 5  # not iteration 0, where Run began
        assert ws.unsaved_work  # so the autosaver saves it
    finally:
        ws.pause()
        t.join(20)
        ws.end_run()
    assert ws.boundary_state()["iteration"] == ws.stepper.iteration


def test_per_sample_error_of_the_output_is_y_hat_minus_y_exactly_as_the_lecture_writes_it(ws):
    for _ in range(len(ws.phases) - 1):  # up to backward:conv1
        ws.step_phase()
    view = ws.view()
    for s in range(view.batch_size):
        y_hat = view.arrays["probs"][s]
        one_hot = np.eye(10)[view.y[s]]
        np.testing.assert_allclose(view.sample_value("fc2.grad_out", s), y_hat - one_hot, atol=1e-6)
    assert view.sample_value("fc2.weight.grad") is None  # a parameter's gradient is not per sample


def test_the_mean_of_the_per_sample_weight_gradients_is_the_gradient_the_update_uses(ws):
    ws.step_iteration()
    view = ws.view()  # after the update: its .old/.step/.new are there
    n = view.batch_size
    for layer in ("conv1", "conv2", "fc1", "fc2"):
        own = [view.sample_param_grads(layer, s)["weight"] for s in range(n)]
        mean = np.mean(np.stack(own).astype(np.float64), axis=0)
        np.testing.assert_allclose(mean, view.arrays[f"{layer}.weight.grad"], rtol=1e-4, atol=1e-7)
        step = view.arrays[f"{layer}.weight.step"]
        np.testing.assert_allclose(-view.lr * mean, step, rtol=1e-3, atol=1e-7)


def test_a_recorded_view_says_which_iteration_it_shows(ws):
    for _ in range(3):
        ws.step_iteration()
    v = ws.recorded_view(1)
    assert v.iteration == 1 and v.position.iteration == 2 and v.phase == "update"
    ws.resume_at(1)
    assert ws.stepper.iteration == 1 and ws.timeline.iterations() == [0]


def test_the_lecture_network_is_the_default():
    assert Workspace(batch_size=4).spec == load_spec(LECTURE)


def _same_arrays(a, b):
    assert set(a.arrays) == set(b.arrays)
    for k in a.arrays:
        np.testing.assert_array_equal(np.asarray(a.arrays[k]), np.asarray(b.arrays[k]), err_msg=k)


def test_stepping_back_a_phase_shows_the_previous_phases_arrays_exactly(ws):
    views = []
    for _ in range(14):
        ws.step_phase()
        views.append(ws.view())
    for back in range(1, 6):
        assert ws.step_back_phase()
        _same_arrays(ws.view(), views[-1 - back])
        assert ws.view().phase == views[-1 - back].phase
    ws.step_phase()  # and on again: the same numbers as the first time
    _same_arrays(ws.view(), views[-5])


def test_stepping_back_over_an_update_reopens_the_iteration_before_it(ws):
    ws.step_iteration()
    done = ws.view()  # after the update of iteration 1
    params_after = {k: v.copy() for k, v in ws.network.params["fc1"].items()}
    assert ws.step_back_phase()
    v = ws.view()
    assert ws.stepper.iteration == 0 and ws.stepper.next_phase == "update" and v.phase == "backward:conv1"
    assert not np.array_equal(ws.network.params["fc1"]["weight"], params_after["weight"])  # before the update
    for k in v.arrays:
        np.testing.assert_array_equal(v.arrays[k], done.arrays[k], err_msg=k)
    ws.step_phase()  # the update again: the same new weights
    np.testing.assert_array_equal(ws.network.params["fc1"]["weight"], params_after["weight"])
    assert not Workspace(batch_size=4).step_back_phase()  # nothing to go back to at the start


def test_a_given_batch_is_trained_on_once_and_the_data_order_carries_on(ws):
    st = ws.stepper
    nxt = st.next_batch_indices().copy()
    x = ws.dataset.x_test[:1]
    ws.step_on(x, [int(ws.dataset.y_test[0])], "test example 1")
    v = ws.view()
    np.testing.assert_array_equal(v.x, x) and v.batch_size == 1
    ws.step_iteration()
    assert st.iteration == 1 and st.offset == 0 and ws.last_record.last.x.shape[0] == 1
    np.testing.assert_array_equal(st.next_batch_indices(), nxt)  # the permutation's batch comes next
    ws.step_iteration()
    assert st.offset == 8
    assert ws.step_back_phase() and ws.step_back_phase()  # back into the given batch's iteration too
    with pytest.raises(BackstepError, match="labels"):
        ws.step_on(x, [12])


def test_a_what_if_at_a_boundary_with_a_given_batch_replays_that_batch(ws):
    x = np.random.default_rng(5).random((1, 1, 28, 28)).astype(np.float32)
    ws.stepper.use_batch(x, np.array([3]))
    point = ws.stopped_point()
    np.testing.assert_array_equal(point.batch[0], x)
    np.testing.assert_array_equal(point.batch[1], [3])
