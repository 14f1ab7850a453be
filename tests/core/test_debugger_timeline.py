"""Go back in time: recorded iterations, exact resume, diffs, and the memory bound."""

import numpy as np
import pytest

from core.debugger.timeline import Timeline
from core.network import Network
from core.optim import DEFAULT_LR
from core.record import IterationRecord
from core.spec import load_spec
from core.stepper import Stepper
from tests.conftest import tiny_dataset


def make(lecture_path, data=None, batch_size=8, optimizer="sgd", dtype=np.float32):
    net = Network(load_spec(lecture_path), dtype=dtype, seed=0)
    return Stepper(net, data if data is not None else tiny_dataset(), batch_size=batch_size, seed=3,
                   optimizer=optimizer, evaluate_every_epoch=False)


def run_phases(st, n, timeline=None):
    """n iterations phase by phase (as the GUI does); each complete record goes to the timeline."""
    records = []
    for _ in range(n):
        rec = IterationRecord(st.iteration)
        while True:
            snap = st.step_phase()
            rec.add(snap)
            if snap.kind == "update":
                break
        records.append(rec)
        if timeline is not None:
            timeline.record(st, rec)
    return records


def flat(params):
    return {f"{lname}.{k}": v for lname, ps in params.items() for k, v in ps.items()}


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_resume_from_a_recorded_iteration_reproduces_the_run_bit_for_bit(lecture_path, optimizer):
    st = make(lecture_path, optimizer=optimizer)
    tl = Timeline()
    tl.attach(st)
    assert st.run(6, on_iteration=tl.record) == 6
    assert tl.iterations() == [0, 1, 2, 3, 4, 5]
    final, losses = flat(st.net.params), list(st.history.batch_loss)

    tl.resume(st, 2)
    assert st.iteration == 2 and tl.iterations() == [0, 1]  # later recordings are forgotten
    st.run(4, on_iteration=tl.record)
    assert tl.iterations() == [0, 1, 2, 3, 4, 5]
    for k, v in flat(st.net.params).items():
        assert np.array_equal(v, final[k]), k
        assert v.tobytes() == final[k].tobytes(), k  # bitwise
    assert st.history.batch_loss == losses


def test_state_at_is_the_boundary_state_of_that_iteration(lecture_path):
    st = make(lecture_path)
    ref = make(lecture_path)
    tl = Timeline()
    tl.attach(st)
    st.run(4, on_iteration=tl.record)
    ref.run(3)
    s3 = tl.state_at(3)
    assert s3["iteration"] == 3 and s3["offset"] == ref.offset and s3["epoch"] == ref.epoch
    for k, v in flat(s3["params"]).items():
        assert np.array_equal(v, flat(ref.net.params)[k])
    assert s3["history"]["batch_loss"] == ref.history.batch_loss


def test_recorded_arrays_are_those_of_the_iteration_and_replay_gives_the_same(lecture_path):
    a, b = make(lecture_path), make(lecture_path)
    tl_rec, tl_fast = Timeline(), Timeline()
    tl_rec.attach(a)
    records = run_phases(a, 4, tl_rec)  # phase by phase: arrays kept
    tl_fast.attach(b)
    b.run(4, on_iteration=tl_fast.record)  # fast path: arrays replayed on demand
    assert tl_rec.has_arrays(1) and not tl_fast.has_arrays(1)
    for i in (0, 1, 3):
        rec_arrays, kept, replayed = dict(records[i].arrays), tl_rec.arrays_at(i), tl_fast.arrays_at(i)
        assert set(kept) == set(rec_arrays) == set(replayed)
        for k, v in rec_arrays.items():
            assert np.array_equal(kept[k], v), (i, k)
            assert np.array_equal(replayed[k], v), (i, k)
        x, y, idx = tl_fast.batch_at(i)
        assert np.array_equal(x, records[i].last.x) and np.array_equal(y, records[i].last.y)
    assert len(tl_rec.quantities_at(2)) == len(records[2].quantities)


def test_diff_per_parameter_and_array(lecture_path):
    st = make(lecture_path)
    tl = Timeline()
    tl.attach(st)
    run_phases(st, 3, tl)
    d = tl.diff(0, 2)
    w0, w2 = tl.params_at(0)["fc1.weight"], tl.params_at(2)["fc1.weight"]
    delta = w2.astype(np.float64) - w0
    assert d.params["fc1.weight"]["max_abs"] == pytest.approx(np.abs(delta).max())
    assert d.params["fc1.weight"]["norm"] == pytest.approx(np.linalg.norm(delta))
    a0, a2 = tl.arrays_at(0), tl.arrays_at(2)
    expected = np.abs(a2["conv1.grad_out"].astype(float) - a0["conv1.grad_out"]).max()
    assert d.arrays["conv1.grad_out"] == pytest.approx(expected)
    assert tl.diff(1, 1).params["fc1.weight"]["max_abs"] == 0.0
    kinds = {r[0] for r in d.rows()}
    assert kinds == {"param", "array"}


def test_max_iterations_drops_the_oldest(lecture_path):
    st = make(lecture_path)
    tl = Timeline(max_iterations=3)
    tl.attach(st)
    st.run(5, on_iteration=tl.record)
    assert tl.iterations() == [2, 3, 4]
    with pytest.raises(KeyError):
        tl.state_at(1)
    tl.set_limits(max_iterations=2)
    assert tl.iterations() == [3, 4]


def _unique_bytes(tl):
    """Independent count: every distinct buffer reachable from state_at/arrays_at, shared ones once."""
    seen, total = set(), 0
    for e in tl._entries:
        arrays = list(flat(e.state["params"]).values()) + list((e.arrays or {}).values()) \
            + list((e.new_params or {}).values()) + [e.x, e.y, e.batch_indices]
        for a in arrays:
            if a is None:
                continue
            base = a
            while isinstance(base.base, np.ndarray):
                base = base.base
            if id(base) not in seen:
                seen.add(id(base))
                total += base.nbytes
    return total


def test_100_lecture_iterations_at_batch_32_fit_in_500_mb(lecture_path):
    """The issue's bound, on the real network and batch size, with every phase's arrays kept."""
    data = tiny_dataset(n_train=320, n_test=8)
    st = make(lecture_path, data, batch_size=32)
    tl = Timeline(max_iterations=100, max_bytes=500 * 2**20)
    tl.attach(st)
    records = run_phases(st, 100, tl)
    assert len(tl) == 100 and all(tl.has_arrays(i) for i in (0, 50, 99))
    used = tl.bytes_used
    assert used <= 500 * 2**20
    arrays_bytes = _unique_bytes(tl)
    assert arrays_bytes <= used <= arrays_bytes + 2 * 2**20  # plus curves, at most a little
    naive = sum(v.nbytes for v in records[0].arrays.values())
    assert used / 100 < 0.7 * naive  # the shared arrays are stored once
    # a tighter budget keeps only what fits, newest first
    per = used / 100
    tl.set_limits(max_bytes=int(per * 10.5))
    assert 9 <= len(tl) <= 10 and tl.iterations()[-1] == 99
    assert tl.bytes_used <= per * 10.5
    for k, v in records[99].arrays.items():  # what is left is intact
        assert np.array_equal(tl.arrays_at(99)[k], v), k


def test_record_without_a_known_start_state_starts_the_timeline_there(lecture_path):
    st = make(lecture_path)
    tl = Timeline()
    st.run(1)
    assert not tl.record(st)  # the start of iteration 0 was not attached
    st.run(1)
    assert tl.record(st) and tl.iterations() == [1]


def test_a_learning_rate_changed_between_iterations_is_part_of_the_recorded_state(lecture_path):
    st = make(lecture_path)
    tl = Timeline()
    tl.attach(st)
    st.run(2, on_iteration=tl.record)
    st.set_optimizer("sgd", 0.05)  # the user turns the learning rate down, then goes on
    st.run(2, on_iteration=tl.record)
    assert tl.state_at(1)["optimizer"]["lr"] == DEFAULT_LR["sgd"] and tl.state_at(2)["optimizer"]["lr"] == 0.05
    final = flat(st.net.params)
    tl.resume(st, 2)
    assert st.lr == 0.05
    st.run(2)
    for k, v in flat(st.net.params).items():
        assert np.array_equal(v, final[k]), k


def test_resume_at_an_iteration_after_an_optimiser_switch_reproduces_it(lecture_path):
    st = make(lecture_path)
    tl = Timeline()
    tl.attach(st)
    st.run(2, on_iteration=tl.record)
    st.set_optimizer("adam", 0.001)
    st.run(3, on_iteration=tl.record)
    final = flat(st.net.params)
    tl.resume(st, 2)
    st.run(3)
    for k, v in flat(st.net.params).items():
        assert np.array_equal(v, final[k]), k
