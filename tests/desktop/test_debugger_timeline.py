"""Go back in time and what-if, on the real window: scrub, compare, resume; edit and re-run a step."""

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from core.view import is_error

pytest.importorskip("pytestqt")


@pytest.fixture
def timeline(window):

    return window.debugger.timeline


@pytest.fixture
def say_yes(monkeypatch):
    asked = []

    def question(parent, title, text, *a, **k):
        asked.append(title)
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", question)
    return asked


def step_iterations(qtbot, window, n):
    """F10 n times; the complete record of each iteration, as the bridge made it."""
    records = []
    for _ in range(n):
        qtbot.keyClick(window, Qt.Key.Key_F10)
        records.append(window.bridge.last_record)
    return records


def shown_arrays(window):
    return {key: np.asarray(arr) for panel in window.panels.values() for key, arr in panel.displayed().items()}


def matches(shown, arrays, focus):
    """Keys a panel shows that are arrays of ``arrays``: True/False per key (focused sample for batch arrays)."""
    out = {}
    for key, arr in shown.items():
        want = arrays.get(key)
        if want is None:
            continue
        want = np.asarray(want)
        if want.shape != arr.shape and want.ndim >= 1 and want.shape[1:] == arr.shape:
            want = want[focus] * (len(want) if is_error(key) else 1)  # errors: the sample's own (of L⁽ˢ⁾)
        out[key] = want.shape == arr.shape and np.allclose(arr, want, rtol=1e-6, atol=1e-7)
    return out


def test_scrubbing_back_shows_the_earlier_iterations_arrays(qtbot, window, timeline):
    records = step_iterations(qtbot, window, 3)
    assert timeline.timeline.iterations() == [0, 1, 2]
    assert "of 3 recorded" in timeline.label.text() and "MB" in timeline.label.text()
    focus = window.bridge.focus
    now = matches(shown_arrays(window), records[2].arrays, focus)
    assert now and all(now.values())  # the panels show the latest iteration

    with qtbot.waitSignal(timeline.sigShown, timeout=5000):
        timeline.slider.setValue(0)  # as a drag to the left end does
    assert timeline.shown == 0 and "iteration 1 of 3" in timeline.label.text()
    back = matches(shown_arrays(window), records[0].arrays, focus)
    assert len(back) >= 5 and all(back.values()), [k for k, ok in back.items() if not ok]
    assert not all(matches(shown_arrays(window), records[2].arrays, focus).values())  # not the present
    for key in ("conv1.out", "conv1.weight.grad", "probs"):
        assert key in back, key
    # the batch thumbnails show iteration 0's batch too
    assert window.bridge.stepper.iteration == 3  # scrubbing changes nothing in the training

    timeline.show_now()
    assert all(matches(shown_arrays(window), records[2].arrays, focus).values())


def test_compare_two_iterations_lists_what_changed(qtbot, window, timeline):
    step_iterations(qtbot, window, 3)
    d = timeline.compare(0, 2)
    rows = {r[0]: r for r in timeline.table_rows()}
    assert "fc1.weight" in rows and float(rows["fc1.weight"][1]) > 0 and float(rows["fc1.weight"][2]) > 0
    assert "conv1.weight.grad" in rows
    assert float(rows["fc2.weight"][1]) == pytest.approx(d.params["fc2.weight"]["max_abs"], rel=1e-2)


def test_resume_from_a_recorded_iteration_reproduces_the_same_numbers(qtbot, window, timeline, say_yes):
    b = window.bridge
    step_iterations(qtbot, window, 4)
    after4 = {f"{lname}.{k}": v.copy() for lname, ps in b.stepper.net.params.items() for k, v in ps.items()}
    losses = list(b.stepper.history.batch_loss)
    timeline.slider.setValue(1)
    qtbot.mouseClick(timeline.resume_button, Qt.MouseButton.LeftButton)
    assert say_yes == ["Resume from here?"]
    assert b.stepper.iteration == 1 and b.stepper.position == 0
    assert timeline.timeline.iterations() == [0]  # later recordings cleared
    assert "Iteration: 1" in window.status.labels["iteration"].text()
    step_iterations(qtbot, window, 3)
    for lname, ps in b.stepper.net.params.items():
        for k, v in ps.items():
            assert np.array_equal(v, after4[f"{lname}.{k}"]), (lname, k)
    assert b.stepper.history.batch_loss == losses
    assert timeline.timeline.iterations() == [0, 1, 2, 3]


def test_keep_spin_box_bounds_the_recording(qtbot, window, timeline):
    timeline.keep.setValue(2)
    step_iterations(qtbot, window, 4)
    assert timeline.timeline.iterations() == [2, 3]


def test_reset_starts_the_recording_again(qtbot, window, timeline):
    step_iterations(qtbot, window, 2)
    window.actions["reset"].trigger()
    assert timeline.timeline.iterations() == []
    step_iterations(qtbot, window, 1)
    assert timeline.timeline.iterations() == [0]


def test_iterations_run_with_f5_are_recorded_when_the_bridge_has_an_iteration_hook(qtbot, window, timeline):
    b = window.bridge
    if not hasattr(b, "add_iteration_hook"):
        pytest.skip("the bridge has no add_iteration_hook yet: only stepped iterations are recorded")
    qtbot.keyClick(window, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: b.stepper.iteration >= 4, timeout=20000)
    qtbot.keyClick(window, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: not b.running, timeout=10000)
    n = b.stepper.iteration
    assert timeline.timeline.iterations() == list(range(n))[-timeline.timeline.max_iterations:]
    timeline.slider.setValue(0)
    assert timeline.shown == 0


# --- what-if ------------------------------------------------------------------------------------------

def test_what_if_at_a_stopped_point_changes_a_label_and_shows_the_difference(qtbot, window):
    from core.debugger.what_if import LearningRateEdit

    action = window.debugger.what_if
    b = window.bridge
    for _ in range(len(b.stepper.phases) - 3):  # stop inside the backward pass, as at a breakpoint
        qtbot.keyClick(window, Qt.Key.Key_F11)
    params_before = {lname: {k: v.copy() for k, v in ps.items()} for lname, ps in b.stepper.net.params.items()}
    action.trigger()
    dlg = window.debugger.what_if.dialog
    assert "stopped after" in dlg.info.text()
    y0 = int(dlg.batch[1][0])
    dlg.kind.setCurrentIndex(2)  # Label
    dlg.l_sample.setValue(1)  # sample 1, as the panels count
    dlg.l_label.setCurrentIndex((y0 + 1) % 10)
    with qtbot.waitSignal(dlg.sigRan, timeout=5000):
        qtbot.mouseClick(dlg.run_button, Qt.MouseButton.LeftButton)
    res = dlg.result
    n = len(res.y)
    d = res.delta("fc2.grad_out")
    assert np.abs(d[1:]).max() == 0
    assert d[0, y0] == pytest.approx(1 / n, abs=1e-6) and d[0, (y0 + 1) % 10] == pytest.approx(-1 / n, abs=1e-6)
    rows = dlg.table_rows()
    assert rows["fc2.grad_out"] > 0 and rows["fc2.weight.grad"] > 0
    assert "→" in dlg.loss_label.text()
    # the live training is untouched and goes on where it stood
    for lname, ps in b.stepper.net.params.items():
        for k, v in ps.items():
            assert np.array_equal(v, params_before[lname][k])
    assert b.stepper.position == len(b.stepper.phases) - 3
    # a second edit: double the learning rate -> the update step doubles
    dlg.list.clear()
    dlg.edits.clear()
    dlg.add_edit(LearningRateEdit(2 * res.lr))
    res2 = dlg.run()
    # float32: new − old is rounded at the weights' scale (ulp ~ 3e-8)
    np.testing.assert_allclose(res2.edited["fc2.weight.step"], 2 * res2.original["fc2.weight.step"], rtol=1e-3,
                               atol=2e-7)
    assert res2.diff["fc2.weight.grad"] == 0
    dlg.close()
