"""The real main window, driven like a user: key presses, toolbar clicks; assertions on what panels hold."""

import numpy as np
import pytest
from PySide6.QtCore import Qt

from core.view import is_error
from tests.desktop.conftest import make_window, press, show_workspace

pytest.importorskip("pytestqt")


# --- the acceptance tests ---------------------------------------------------------------------------

def test_opens_on_the_lecture_network_ready_to_step(qtbot, window):
    assert window.editor.spec().name == "Lecture CNN"
    assert window.bridge.dataset_name == "mnist-5k"
    assert window.bridge.stepper.next_phase == "forward:conv1"
    assert window.actions["step_phase"].isEnabled()
    assert window.workspace_tabs.current == "step"
    for key in ("controls", "batch", "input", "feature_maps", "error_maps", "output", "equation"):
        assert window.docks[key].isVisible(), key
    show_workspace(qtbot, window, "build")  # the network editor and the data are a workspace of their own
    for key in ("editor", "data"):
        assert window.docks[key].isVisible(), key


def test_add_a_layer_from_the_palette_and_undo_it(qtbot, window):
    before = window.editor.spec()
    window.editor.palette.sigAddRequested.emit("relu")  # what a click in the palette asks for
    after = window.editor.spec()
    assert len(after.layers) == len(before.layers) + 1
    assert len(window.bridge.network.nodes) == len(after.layers)  # the network was rebuilt
    press(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.editor.spec() == before, timeout=2000)
    assert [n.name for n in window.bridge.network.nodes] == [e.name for e in before.layers]


def _engine_value(key, view_arrays, snap, params, focus):
    """The engine's array that a panel's ``key`` stands for, or None if the key is not one of them."""
    if key == "x":
        return snap.x[focus]
    if key == "batch":
        return snap.x
    if key in view_arrays:
        return view_arrays[key]
    layer, _, param = key.partition(".")
    if layer in params and param in params[layer]:
        return params[layer][param]
    return None


def _check_panels_hold_engine_arrays(window):
    b = window.bridge
    rec = b.record if b.record.snapshots else b.last_record
    snap, focus = rec.last, b.focus
    params = b.stepper.net.params if snap.kind != "update" else {
        lname: {k: snap.arrays[f"{lname}.{k}.new"] for k in ps} for lname, ps in b.stepper.net.params.items()}
    shown = {}
    compared = 0
    for name, panel in window.panels.items():
        for key, arr in panel.displayed().items():
            shown[key] = arr
            want = _engine_value(key, rec.arrays, snap, params, focus)
            if want is None:
                continue
            want = np.asarray(want)
            arr = np.asarray(arr)
            if want.shape != arr.shape and want.ndim >= 1 and want.shape[1:] == arr.shape:
                # a per-sample array: the panel shows the focused sample, its errors its own (of L⁽ˢ⁾)
                want = want[focus] * (len(want) if is_error(key) else 1)
            np.testing.assert_allclose(arr, want, rtol=1e-6, atol=1e-7, err_msg=f"{name}: {key}")
            compared += 1
    return snap, shown, compared


def test_step_one_iteration_phase_by_phase_panels_hold_the_engines_arrays(qtbot, window):
    b = window.bridge
    phases = list(b.stepper.phases)
    types = {n.name: n.type for n in b.network.nodes}
    for phase in phases:
        press(qtbot, window, Qt.Key.Key_F11)
        snap, shown, compared = _check_panels_hold_engine_arrays(window)
        assert snap.phase == phase
        assert compared > 0
        kind, _, layer = phase.partition(":")
        # the arrays this phase produced are on screen
        if kind == "forward" and types[layer] != "flatten":
            assert f"{layer}.out" in shown, phase
        elif kind == "loss":
            assert "probs" in shown and "loss" in shown
        elif kind == "backward" and types[layer] != "flatten":
            assert f"{layer}.grad_in" in shown or f"{layer}.grad_out" in shown, phase
            if f"{layer}.weight.grad" in snap.arrays:
                assert f"{layer}.weight.grad" in shown, phase
        elif kind == "update":
            assert any(k.endswith(".new") for k in shown)
        assert window.status.labels["phase"].text().startswith(f"Phase: {phase}")
    assert b.stepper.iteration == 1 and b.stepper.position == 0
    assert "Iteration: 1" in window.status.labels["iteration"].text()


def test_f10_steps_a_whole_iteration_and_toolbar_button_steps_a_phase(qtbot, window):
    press(qtbot, window, Qt.Key.Key_F10)
    assert window.bridge.stepper.iteration == 1
    button = window.toolbar.widgetForAction(window.actions["step_phase"])
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert window.bridge.stepper.position == 1
    _check_panels_hold_engine_arrays(window)


def test_run_then_pause_with_f5(qtbot, window):
    b = window.bridge
    press(qtbot, window, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: b.running, timeout=2000)
    assert window.actions["run"].text() == "&Pause"
    assert not window.actions["step_phase"].isEnabled()
    qtbot.waitUntil(lambda: b.stepper.iteration >= 3, timeout=20000)
    bar = window.status.progress  # an open-ended run shows the epoch's progress, not a busy bar
    qtbot.waitUntil(lambda: bar.format().startswith("epoch 1: "), timeout=10000)
    assert bar.maximum() == b.stepper.batches_per_epoch and bar.value() >= 1
    press(qtbot, window, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: not b.running, timeout=10000)
    assert window.actions["run"].text() == "&Run"
    assert window.actions["step_phase"].isEnabled()
    n = b.stepper.iteration
    assert n >= 3 and b.stepper.position == 0
    assert len(b.stepper.history.batch_loss) == n
    assert f"Iteration: {n}" in window.status.labels["iteration"].text()
    qtbot.wait(200)
    assert b.stepper.iteration == n  # really paused


def test_finish_epoch_shows_progress_and_cancel_stops_it(qtbot, window):
    b = window.bridge
    press(qtbot, window, Qt.Key.Key_F11, Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: b.running, timeout=2000)
    assert not window.status.progress.isHidden()
    qtbot.waitUntil(lambda: b.stepper.iteration >= 2, timeout=20000)
    qtbot.mouseClick(window.status.cancel, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not b.running, timeout=10000)
    assert window.status.progress.isHidden()
    assert 2 <= b.stepper.iteration < b.stepper.batches_per_epoch


def test_a_layer_that_raises_pauses_and_is_shown_on_its_block(qtbot, window, monkeypatch):
    b = window.bridge
    node = b.network.node("conv2")

    def broken(*a, **k):
        raise ValueError("plugin bug")

    monkeypatch.setattr(node.layer, "forward", broken)
    for _ in range(6):
        press(qtbot, window, Qt.Key.Key_F11)
    assert b.stepper.next_phase == "forward:conv2"  # stays at the phase that raised
    assert "conv2" in window.editor._runtime_errors and "plugin bug" in window.editor._runtime_errors["conv2"]
    assert "plugin bug" in window.status.currentMessage()
    # the same while running: the run stops, the app lives on
    b.stepper.cancel_iteration()
    press(qtbot, window, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: not b.running and "plugin bug" in window.status.currentMessage(), timeout=10000)
    assert window.editor._runtime_errors.get("conv2")
    monkeypatch.undo()
    press(qtbot, window, Qt.Key.Key_F10)
    assert b.stepper.iteration == 1


def test_editing_a_trained_network_asks_and_keeps_unchanged_weights(qtbot, window, boxes):
    b = window.bridge
    press(qtbot, window, Qt.Key.Key_F10)
    conv1 = b.network.params["conv1"]["weight"].copy()
    i = [e.name for e in window.editor.spec().layers].index("fc1")
    window.editor.set_hyperparam(i, "out_features", 84)
    assert boxes and boxes[-1][0] == "question"
    np.testing.assert_array_equal(b.network.params["conv1"]["weight"], conv1)  # kept
    assert b.network.params["fc1"]["weight"].shape == (84, 256)  # re-initialised
    assert b.network.params["fc2"]["weight"].shape == (10, 84)
    assert b.stepper.iteration == 1


def test_open_a_broken_network_shows_the_message_and_the_app_lives(qtbot, window, boxes, tmp_path):
    bad = tmp_path / "broken.json"
    bad.write_text("{ this is not json")
    before = window.editor.spec()
    assert window.open_network(bad) is False
    assert boxes and boxes[-1][0] == "critical" and "broken.json" in boxes[-1][2]
    assert window.editor.spec() == before
    press(qtbot, window, Qt.Key.Key_F10)
    assert window.bridge.stepper.iteration == 1


def test_open_a_good_network_file(qtbot, window, lecture_path, boxes):
    assert window.open_network(lecture_path)
    assert window.editor.spec().name == "Lecture CNN"


def test_theme_toggle_is_remembered(window):
    from desktop.theme import current_theme

    window.actions["dark_theme"].setChecked(True)
    assert current_theme() == "dark"
    window.actions["dark_theme"].setChecked(False)
    assert current_theme() == "light"


def test_layout_is_saved_and_restored(qtbot):
    from desktop import window_layout as wl

    w = make_window(qtbot)
    show_workspace(qtbot, w, "inspect")
    w.docks["filters"].hide()
    wl.save_layout(w)
    w.close()
    w2 = make_window(qtbot, remember_layout=True)
    assert w2.workspace_tabs.current == "inspect"
    assert not w2.docks["filters"].isVisible() and w2.docks["gradients"].isVisible()


def test_plugins_dialog_lists_failures_with_tracebacks(qtbot, window):
    from core.registry import LoadFailure
    from desktop.dialogs import PluginsDialog

    window.registry.report.failures.append(LoadFailure("path", "badplugin", "import", "boom", "Traceback: boom"))
    try:
        d = PluginsDialog(window.registry, window)
        qtbot.addWidget(d)
        assert "Traceback: boom" in d.traceback.toPlainText()
    finally:
        window.registry.report.failures.pop()


def test_tabbed_away_panels_do_not_draw_until_raised(qtbot, window):
    gradients = window.panels["gradients"]  # on the Inspect workspace, not shown at start
    for _ in range(len(window.bridge.stepper.phases) - 2):  # into the backward pass
        press(qtbot, window, Qt.Key.Key_F11)
    assert gradients._pending and not gradients._shown
    assert window.panels["feature_maps"]._shown  # the ones on screen did draw
    show_workspace(qtbot, window, "inspect")
    qtbot.waitUntil(lambda: not gradients._pending and bool(gradients._shown), timeout=3000)


def test_status_counts_iterations_from_one_like_the_panels(qtbot, window):
    press(qtbot, window, Qt.Key.Key_F11)
    per = window.bridge.stepper.batches_per_epoch
    assert window.status.labels["iteration"].text() == f"Iteration: 1 (1 of {per} in epoch 1)"
    assert "iteration 1, epoch 1" in window.panels["equation"].header.text()
