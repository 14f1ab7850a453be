"""Verify a backward pass on the real window: conv1 passes; a plugin's wrong backward is found."""

import numpy as np
import pytest
from PySide6.QtWidgets import QMenu

pytest.importorskip("pytestqt")

from tests.desktop.conftest import make_window
from tests.fixtures.plugins import WRONG_BACKWARD


def run_dialog(qtbot, window, layer):
    from desktop.debugger.verify_dialog import VerifyDialog

    dlg = VerifyDialog(window.workspace, layer, parent=window)
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitUntil(lambda: dlg.finished_check, timeout=120000)
    assert dlg.error is None, dlg.error
    return dlg


def test_conv1_passes(qtbot):
    w = make_window(qtbot)
    assert w.bridge.step_iteration()
    dlg = run_dialog(qtbot, w, "conv1")
    assert dlg.result.passed(1e-6) and "PASSED" in dlg.status_label.text()
    assert set(dlg.heat_maps) == {"input", "weight", "bias"}
    assert dlg.result.heat_maps["input"].shape == (2, 1, 28, 28)
    dlg.jump_to_worst()
    assert dlg.selected == (dlg.result.worst.target, dlg.result.worst.index)


def test_a_wrong_plugin_backward_fails_and_jump_to_worst_selects_it(qtbot, tmp_path, monkeypatch):
    from core.registry import discover
    from core.spec import parse_spec

    (tmp_path / "bad_softsign.py").write_text(WRONG_BACKWARD)
    monkeypatch.setenv("BACKSTEP_PLUGIN_PATH", str(tmp_path))
    reg = discover()
    spec = parse_spec({"format": "backstep.network/1", "name": "bad", "input": {"shape": [1, 28, 28]},
                       "layers": [{"name": "conv1", "type": "conv2d", "out_channels": 4, "kernel_size": 5},
                                  {"name": "bad", "type": "bad_softsign"},
                                  {"name": "pool", "type": "maxpool2d"},
                                  {"name": "flat", "type": "flatten"},
                                  {"name": "fc", "type": "dense", "out_features": 10}],
                       "classes": list("0123456789")})
    w = make_window(qtbot, spec=spec, registry=reg)
    for _ in range(2):  # forward conv1, bad: mid-iteration, the input bad really received
        assert w.bridge.step_phase()
    dlg = run_dialog(qtbot, w, "bad")
    assert not dlg.result.passed(1e-6) and "FAILED" in dlg.status_label.text()
    dlg.jump_to_worst()
    rel = dlg.result.heat_maps["input"]
    worst = tuple(int(i) for i in np.unravel_index(np.argmax(rel), rel.shape))
    assert dlg.selected == ("input", worst)
    assert dlg.tabs.currentWidget() is dlg.heat_maps["input"]
    assert "analytic" in dlg.selected_label.text() and "numeric" in dlg.selected_label.text()
    a, n = dlg.result.element("input", worst).analytic, dlg.result.element("input", worst).numeric
    assert f"{a:.10g}" in dlg.selected_label.text() and f"{n:.10g}" in dlg.selected_label.text()
    assert dlg.table.item(0, 1).text() == str(list(worst))
    dlg.resize(1000, 720)
    qtbot.wait(50)
    assert dlg.grab().save("/tmp/verify.png")


def test_install_adds_menu_entries_and_chains_the_block_hook(qtbot):
    from desktop.debugger.verify_dialog import install_verify

    w = make_window(qtbot)
    calls = []
    w.editor.block_context_menu_hook = lambda name, menu: calls.append(name)
    sub = install_verify(w)
    sub.aboutToShow.emit()
    assert [a.text() for a in sub.actions()][:2] == ["Verify backward of conv1…", "Verify backward of sig1…"]
    menu = QMenu()
    w.editor.block_context_menu_hook("conv2", menu)
    assert calls == ["conv2"]
    assert any(a.text() == "Verify backward of conv2…" for a in menu.actions())
