"""Sessions through the window: save, open in a fresh window, same state; broken files; autosave."""

import os
import time

import numpy as np
from PySide6.QtCore import Qt

from tests.desktop.conftest import make_window, press


def _same_params(a, b):
    assert a.keys() == b.keys()
    for layer in a:
        for k in a[layer]:
            np.testing.assert_array_equal(a[layer][k], b[layer][k])


def test_save_a_session_and_open_it_in_a_fresh_window(qtbot, tmp_path):
    w1 = make_window(qtbot)
    for _ in range(3):
        press(qtbot, w1, Qt.Key.Key_F10)
    w1.controls.optimizer.setCurrentText("momentum")
    w1.bridge.set_focus(4)
    path = tmp_path / "mine.bstep"
    w1.save_session_to(path)
    st1 = w1.bridge.stepper

    w2 = make_window(qtbot)
    assert w2.bridge.stepper.iteration == 0
    assert w2.open_session(path)
    st2 = w2.bridge.stepper
    _same_params(st1.net.params, st2.net.params)
    assert (st2.iteration, st2.epoch, st2.offset, st2.batch_size, st2.seed) == \
           (st1.iteration, st1.epoch, st1.offset, st1.batch_size, st1.seed)
    assert st2.history.to_dict() == st1.history.to_dict()
    assert st2.optimizer.name == "momentum" and w2.controls.optimizer.currentText() == "momentum"
    assert w2.bridge.focus == 4 and w2.bridge.dataset_name == "mnist-5k"
    assert w2.editor.spec().to_dict() == w1.editor.spec().to_dict()
    assert "Iteration: 3" in w2.status.labels["iteration"].text()
    # and both continue the same way
    press(qtbot, w1, Qt.Key.Key_F10)
    press(qtbot, w2, Qt.Key.Key_F10)
    _same_params(st1.net.params, w2.bridge.stepper.net.params)


def test_open_a_broken_session_shows_the_message_and_the_app_lives(qtbot, tmp_path, boxes):
    w = make_window(qtbot)
    press(qtbot, w, Qt.Key.Key_F10)
    bad = tmp_path / "broken.bstep"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    assert w.open_session(bad) is False
    assert boxes and boxes[-1][0] == "critical" and "broken.bstep" in boxes[-1][2]
    assert w.bridge.stepper.iteration == 1  # nothing changed
    press(qtbot, w, Qt.Key.Key_F10)
    assert w.bridge.stepper.iteration == 2


def test_autosave_writes_and_recovery_is_offered_after_an_unclean_exit(qtbot, tmp_path, boxes):
    from desktop.app import offer_recovery
    from desktop.autosave import autosave_path, recoverable
    w = make_window(qtbot, autosave=True)
    press(qtbot, w, Qt.Key.Key_F10)
    assert w.autosaver.save_now()
    assert autosave_path().is_file()
    assert not w.autosaver.save_now()  # nothing new: no write
    assert recoverable() == autosave_path()  # no clean exit yet: a crash would leave this
    w.close()  # a clean quit
    assert recoverable() is None
    # an autosave newer than the last clean quit (the app crashed after it)
    later = time.time() + 5
    os.utime(autosave_path(), (later, later))
    w2 = make_window(qtbot)
    assert offer_recovery(w2)
    assert boxes[-1][0] == "question"
    assert w2.bridge.stepper.iteration == 1


def test_breakpoints_and_watches_travel_with_the_session(qtbot, tmp_path):
    from core.debugger.breakpoints import NormBreakpoint, PhaseBreakpoint

    w1 = make_window(qtbot)
    w1.debugger.breakpoints.add(PhaseBreakpoint("backward:conv2"))
    off = w1.debugger.breakpoints.add(NormBreakpoint("conv1.weight.grad", ">", 0.5))
    w1.bridge.breakpoints.enable(off, False)  # a disabled one stays disabled
    w1.debugger.watch.add("mean(abs(grad(conv2)))")
    path = tmp_path / "debug.bstep"
    w1.save_session_to(path)

    w2 = make_window(qtbot)
    assert w2.open_session(path)
    assert w2.bridge.breakpoints.to_list() == w1.bridge.breakpoints.to_list()
    assert [b.enabled for b in w2.bridge.breakpoints] == [True, False]
    assert [w.text for w in w2.debugger.watch.watches] == ["mean(abs(grad(conv2)))"]
