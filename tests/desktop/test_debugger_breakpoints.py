"""Breakpoints on the real window: F5 stops at the first hit, on the right phase, and says why."""

import numpy as np
import pytest
from PySide6.QtCore import Qt

from core.debugger.breakpoints import HealthBreakpoint, NormBreakpoint, PhaseBreakpoint, WrongPredictionBreakpoint
from tests.desktop.conftest import press

pytest.importorskip("pytestqt")


def wait_for_stop(qtbot, window, timeout=20000):
    qtbot.waitUntil(lambda: not window.bridge.running and window.debugger.breakpoints.last_hit is not None,
                    timeout=timeout)
    return window.debugger.breakpoints.last_hit


def test_gradient_norm_breakpoint_stops_f5_at_backward_conv1(qtbot, debug_window):
    window = debug_window
    dock, b = window.debugger.breakpoints, window.bridge
    dock.add(NormBreakpoint("conv1.weight.grad", ">", 0.0))
    assert dock.table.rowCount() == 1 and "conv1.weight.grad" in dock.table.item(0, 1).text()
    press(qtbot, window, Qt.Key.Key_F5)
    hit = wait_for_stop(qtbot, debug_window)
    assert hit.phase == "backward:conv1" and hit.iteration == 0
    assert b.record.last.phase == "backward:conv1" and b.stepper.next_phase == "update"
    g = b.record.arrays["conv1.weight.grad"]
    norm = np.sqrt((g.astype(np.float64) ** 2).sum())
    assert hit.reason == f"conv1.weight.grad norm {norm:.3g} > 0 at backward:conv1"
    assert dock.banner.isVisible() and hit.reason in dock.banner.text()
    assert hit.reason in window.status.currentMessage()
    assert window.status.labels["phase"].text().startswith("Phase: backward:conv1")
    # the next step continues just after the hit; the banner goes away
    press(qtbot, window, Qt.Key.Key_F11)
    assert b.record.iteration == 1 and b.last_record.last.phase == "update" and b.stepper.iteration == 1
    assert not dock.banner.isVisible()
    # F5 again stops at the same phase of the next iteration
    dock.last_hit = None
    window.actions["run"].trigger()
    hit = wait_for_stop(qtbot, debug_window)
    assert hit.phase == "backward:conv1" and hit.iteration == 1 and b.stepper.iteration == 1


def test_wrong_prediction_stops_after_the_loss(qtbot, debug_window):
    window = debug_window
    b = window.bridge
    window.debugger.breakpoints.add(WrongPredictionBreakpoint())
    window.actions["run"].trigger()
    hit = wait_for_stop(qtbot, debug_window)
    assert hit.phase == "loss" and b.stepper.next_phase.startswith("backward:")
    probs, y = b.record.arrays["probs"], b.record.last.y
    f = b.focus
    assert probs[f].argmax() != y[f]
    assert f"predicted {probs[f].argmax()}, label {y[f]}" in hit.reason


def test_health_condition_stops_at_the_layer(qtbot, debug_window):
    window = debug_window
    window.debugger.breakpoints.add(HealthBreakpoint("sig2", "saturated", ">", 0.0))
    press(qtbot, window, Qt.Key.Key_F5)
    hit = wait_for_stop(qtbot, debug_window)
    sig = window.bridge.record.arrays["sig2.out"]
    assert hit.phase == "forward:sig2"
    assert f"{np.mean((sig < 0.02) | (sig > 0.98)):.1%}" in hit.reason


def test_block_context_menu_adds_phase_breakpoints(qtbot, debug_window):
    window = debug_window
    canvas = window.editor.canvas
    names = [n.name for n in window.bridge.network.nodes]
    menu = canvas.build_context_menu(names.index("conv2"))
    texts = [a.text() for a in menu.actions()]
    assert "Break at forward:conv2" in texts and "Break at backward:conv2" in texts
    next(a for a in menu.actions() if a.text() == "Break at backward:conv2").trigger()
    assert window.bridge.breakpoints.to_list() == [PhaseBreakpoint("backward:conv2").to_dict()]
    press(qtbot, window, Qt.Key.Key_F5)
    hit = wait_for_stop(qtbot, debug_window)
    assert hit.phase == "backward:conv2" and window.bridge.stepper.next_phase == "backward:pool1"


def test_disabled_breakpoints_leave_run_on_the_fast_path(qtbot, debug_window):
    window = debug_window
    dock, b = window.debugger.breakpoints, window.bridge
    dock.add(PhaseBreakpoint("loss"))
    dock.set_enabled(0, False)
    assert not b.breakpoints[0].enabled and not b.breakpoints.any_enabled
    press(qtbot, window, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: b.running, timeout=3000)
    qtbot.waitUntil(lambda: b.last_record is not None, timeout=10000)
    press(qtbot, window, Qt.Key.Key_F5)  # pause
    qtbot.waitUntil(lambda: not b.running, timeout=10000)
    assert dock.last_hit is None and b.stepper.position == 0 and b.stepper.iteration > 0


def test_dialog_builds_each_kind(qtbot, debug_window):
    window = debug_window
    d = window.debugger.breakpoints.dialog()
    qtbot.addWidget(d)
    d.kind.setCurrentIndex(d.kind.findData("norm"))
    d.field("norm", "pattern").setText("*.grad_in")
    d.field("norm", "op").setCurrentIndex(d.field("norm", "op").findData("<"))
    d.field("norm", "threshold").setText("1e-6")
    assert d.breakpoint() == NormBreakpoint("*.grad_in", "<", 1e-6)
    assert "pattern" in d.current_fields() and "phase" not in d.current_fields()
    d.field("norm", "threshold").setText("lots")
    d._accept()
    assert "not a number" in d.error.text() and d.result_breakpoint is None
    d.kind.setCurrentIndex(d.kind.findData("phase"))
    d.field("phase", "phase").setCurrentText("backward:fc1")
    assert d.breakpoint() == PhaseBreakpoint("backward:fc1")
    d.kind.setCurrentIndex(d.kind.findData("health"))
    d.field("health", "layer").setCurrentText("sig1")
    d.field("health", "metric").setCurrentIndex(d.field("health", "metric").findData("saturated"))
    d.field("health", "op").setCurrentIndex(d.field("health", "op").findData(">"))
    d.field("health", "threshold").setText("0.5")
    assert d.breakpoint() == HealthBreakpoint("sig1", "saturated", ">", 0.5)
    # editing fills the fields from the breakpoint
    e = window.debugger.breakpoints.dialog(NormBreakpoint("fc1.out", ">", 3.0, enabled=False))
    qtbot.addWidget(e)
    assert e.breakpoint() == NormBreakpoint("fc1.out", ">", 3.0, enabled=False)


def test_every_condition_class_gets_a_form_from_its_fields(qtbot, debug_window):
    """A new condition class needs no dialog code: its form comes from its dataclass fields."""
    window = debug_window
    from core.debugger.breakpoints import KINDS, form_fields

    d = window.debugger.breakpoints.dialog()
    qtbot.addWidget(d)
    for kind, cls in KINDS.items():
        d.kind.setCurrentIndex(d.kind.findData(kind))
        assert d.current_fields() == [f.name for f in form_fields(cls)]
        assert type(d.breakpoint()) is cls  # the defaults make a valid breakpoint of that kind
    assert not hasattr(d, "metric") or callable(d.metric)  # no widget shadows QWidget.metric()


def test_breakpoints_and_watches_survive_a_session(qtbot, debug_window, tmp_path):
    window = debug_window
    from core.session import load_session, save_session
    from desktop.debugger import debugger_to_extra, restore_debugger

    window.debugger.breakpoints.add(PhaseBreakpoint("backward:conv2"))
    window.debugger.breakpoints.add(NormBreakpoint("*.grad_in", "<", 1e-6, enabled=False))
    window.debugger.watch.add("mean(abs(grad(conv2)))")
    extra = debugger_to_extra(window.debugger)
    b = window.bridge
    save_session(tmp_path / "s.bstep", b.boundary_state(), window.editor.spec(), b.dataset_name,
                 {"focus": b.focus, **extra})
    session = load_session(tmp_path / "s.bstep")
    window.bridge.breakpoints.clear()
    window.debugger.watch.set_texts([])
    restore_debugger(window.debugger, session.extra)
    assert window.bridge.breakpoints.to_list() == extra["breakpoints"]
    assert not window.bridge.breakpoints[1].enabled
    assert window.debugger.breakpoints.table.rowCount() == 2
    assert window.debugger.breakpoints.table.item(1, 0).checkState() == Qt.CheckState.Unchecked
    assert window.debugger.watch.watches.to_list() == ["mean(abs(grad(conv2)))"]
    restore_debugger(window.debugger, {"focus": 0})  # a session without them changes nothing
    assert len(window.bridge.breakpoints) == 2


def test_nan_breakpoint_stops_a_diverging_run_where_it_diverges(qtbot, debug_window):
    window = debug_window
    from core.debugger.breakpoints import NonFiniteBreakpoint

    b = window.bridge
    b.stepper.net.params["fc1"]["weight"][0, 0] = np.inf
    window.debugger.breakpoints.add(NonFiniteBreakpoint())
    press(qtbot, window, Qt.Key.Key_F5)
    hit = wait_for_stop(qtbot, debug_window)
    assert hit.phase == "forward:fc1" and "fc1" in hit.reason and b.stepper.next_phase == "forward:fc1"
    assert "before forward:fc1" in window.debugger.breakpoints.banner.text()
