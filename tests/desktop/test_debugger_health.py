"""The Health dock on the real window: its figures equal the ones worked out from the arrays by hand."""

import numpy as np
import pytest
from PySide6.QtCore import Qt

from tests.desktop.conftest import press

pytest.importorskip("pytestqt")


def look_at(qtbot, widget):
    """Raise the dock holding ``widget`` (a dock tabbed out of sight does not redraw)."""
    from PySide6.QtWidgets import QDockWidget
    dock = widget
    while not isinstance(dock, QDockWidget):
        dock = dock.parentWidget()
    dock.raise_()
    qtbot.waitUntil(lambda: not widget.visibleRegion().isEmpty(), timeout=3000)


def test_health_figures_match_values_computed_by_hand(qtbot, debug_window):
    window = debug_window
    dock, b = window.debugger.health, window.bridge
    look_at(qtbot, dock)
    press(qtbot, window, Qt.Key.Key_F10)
    a = {k: np.asarray(v, dtype=np.float64) for k, v in b.last_record.arrays.items()}
    names = [n.name for n in b.network.nodes]
    assert [dock.table.item(r, 0).text() for r in range(dock.table.rowCount())] == names
    for sig in ("sig1", "sig2", "sig3"):
        out = a[f"{sig}.out"]
        by_hand = np.count_nonzero((out < 0.02) | (out > 0.98)) / out.size
        assert dock.value(sig, "saturated") == pytest.approx(by_hand)
        row = names.index(sig)
        assert dock.table.item(row, 2).text() == f"{by_hand:.1%} saturated"
    for layer in ("conv1", "conv2", "fc1", "fc2"):
        step = np.concatenate([a[f"{layer}.weight.step"].ravel(), a[f"{layer}.bias.step"].ravel()])
        old = np.concatenate([a[f"{layer}.weight.old"].ravel(), a[f"{layer}.bias.old"].ravel()])
        assert dock.value(layer, "update_ratio") == pytest.approx(np.sqrt((step ** 2).sum() / (old ** 2).sum()))
        grad = np.concatenate([a[f"{layer}.weight.grad"].ravel(), a[f"{layer}.bias.grad"].ravel()])
        assert dock.value(layer, "grad_norm") == pytest.approx(np.sqrt((grad ** 2).sum()), rel=1e-6)
        assert dock.value(layer, "act_norm") == pytest.approx(np.sqrt((a[f"{layer}.out"] ** 2).sum()), rel=1e-6)
    assert dock.value("pool1", "saturated") is None and dock.value("pool1", "update_ratio") is None
    assert dock.table.item(names.index("pool1"), 2).text() == "—"
    # mid-iteration: only the forward figures so far
    press(qtbot, window, Qt.Key.Key_F11)
    assert dock.value("conv1", "act_norm") is not None and dock.value("sig1", "saturated") is None
    assert dock.value("conv1", "update_ratio") is None
    assert "iteration 2 up to forward:conv1" in dock.caption.text()


def test_dead_relu_fraction_by_hand(qtbot, lecture_path):
    from core.spec import load_spec, parse_spec
    from tests.desktop.conftest import make_window, show_workspace

    spec = load_spec(lecture_path).to_dict()
    spec["layers"][1]["type"] = "relu"  # conv1 -> relu (still named sig1)
    w = make_window(qtbot, spec=parse_spec(spec))
    show_workspace(qtbot, w, "debug")
    dock = w.debugger.health
    look_at(qtbot, dock)
    press(qtbot, w, Qt.Key.Key_F10)
    out = w.bridge.last_record.arrays["sig1.out"]
    units = out.reshape(len(out), -1)
    dead = [u for u in range(units.shape[1]) if all(units[n, u] == 0 for n in range(len(units)))]
    assert dock.value("sig1", "dead") == pytest.approx(len(dead) / units.shape[1])
    assert dock.table.item(1, 2).text() == f"{len(dead) / units.shape[1]:.1%} dead"
