"""Nothing stale: every view shows the moment it claims, after Run, a scrub, a resume, a new
network or dataset, and a hover readout does not outlive its numbers."""

import re

import numpy as np
import pytest
from PySide6.QtCore import Qt

from tests.desktop.conftest import make_window, press, show_workspace

pytest.importorskip("pytestqt")


def status_iteration(window) -> int:
    return int(re.search(r"Iteration: (\d+)", window.status.labels["iteration"].text()).group(1))


def test_after_run_and_pause_the_panels_show_the_iteration_the_counters_stand_at(qtbot, window):
    b = window.bridge
    window.workspace.next_view_at = 1e18  # (a GUI that draws nothing during the run: the worst case)
    press(qtbot, window, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: b.stepper.iteration >= 30, timeout=30000)
    press(qtbot, window, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: not b.running, timeout=10000)
    n = b.stepper.iteration
    assert status_iteration(window) == n
    assert f"iteration {n}," in window.panels["equation"].header.text()
    assert window.workspace.view().iteration == n - 1  # (0-based: the last completed one)


def test_finish_epoch_counts_its_progress_as_the_status_bar_does(qtbot, window):
    seen = []
    window.bridge.sigProgress.connect(lambda done, total, what: seen.append((done, total, what)))
    for _ in range(3):
        press(qtbot, window, Qt.Key.Key_F10)
    press(qtbot, window, Qt.Key.Key_F11, Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: not window.bridge.running, timeout=60000)
    per = window.bridge.stepper.batches_per_epoch
    assert seen and all(total == per and what.startswith("epoch 1") for _, total, what in seen)
    assert all(done >= 3 for done, _, _ in seen)  # the epoch's own count, not from where Finish began


def test_a_new_network_forgets_the_speed_and_a_new_dataset_shows_its_batch_at_once(qtbot, window, boxes):
    press(qtbot, window, Qt.Key.Key_F10)
    assert "–" not in window.status.labels["speed"].text()
    from core.workspace import LECTURE

    assert window.open_network(LECTURE)  # a new network (the same spec, fresh weights)
    assert "Speed: – it/s" in window.status.labels["speed"].text()
    w2 = make_window(qtbot)
    show_workspace(qtbot, w2, "step")
    old = w2.batch_panel._batch_key[2]
    assert w2.choose_dataset("shapes")
    shown = w2.batch_panel._batch_key[2]
    assert shown is not old  # the thumbnails were redrawn, from the new dataset's next batch
    np.testing.assert_array_equal(shown, w2.workspace.dataset.x_train[w2.workspace.stepper.next_batch_indices()])


def test_resume_drops_the_comparison_of_the_dropped_iterations(qtbot, debug_window, boxes):
    window = debug_window
    for _ in range(3):
        press(qtbot, window, Qt.Key.Key_F10)
    tl = window.debugger.timeline
    tl.compare(0, 2)
    assert tl.table.rowCount() > 0
    tl.resume(1)
    assert tl.table.rowCount() == 0 and tl.compare_label.text() == ""


def test_a_hover_readout_goes_when_its_numbers_do(qtbot, window):
    press(qtbot, window, Qt.Key.Key_F11)
    panel = window.panels["feature_maps"]
    text = panel.hover_at("conv1.out", (0, 1, 1))
    assert panel._hover_label.text() == text
    press(qtbot, window, Qt.Key.Key_F11)  # the panel draws the next phase
    assert panel._hover_label.text().strip() == ""
