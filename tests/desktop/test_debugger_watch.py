"""The Watch dock on the real window: typed expressions, values after every step, history per iteration."""

import numpy as np
import pytest
from PySide6.QtCore import Qt

from tests.desktop.conftest import press

pytest.importorskip("pytestqt")


def type_watch(qtbot, dock, text):
    dock.entry.setFocus()
    dock.entry.setText(text)
    qtbot.keyClick(dock.entry, Qt.Key.Key_Return)


def test_watch_records_its_history_over_three_iterations(qtbot, debug_window):
    window = debug_window
    dock, b = window.debugger.watch, window.bridge
    type_watch(qtbot, dock, "conv1.weight[0,0,2,2]")
    type_watch(qtbot, dock, "mean(abs(grad(conv2)))")
    assert dock.entry.text() == "" and dock.table.rowCount() == 2
    w0 = float(b.stepper.net.params["conv1"]["weight"][0, 0, 2, 2])
    assert dock.table.item(0, 1).text() == f"{w0:.6g}"  # shown at once, before any step
    assert "not computed yet" in dock.table.item(1, 1).text()
    weights, grads = [], []
    for _ in range(3):
        press(qtbot, window, Qt.Key.Key_F10)
        weights.append(float(b.stepper.net.params["conv1"]["weight"][0, 0, 2, 2]))
        grads.append(float(np.abs(b.last_record.arrays["conv2.weight.grad"]).mean()))
    w, g = dock.watches[0], dock.watches[1]
    assert [i for i, _ in w.history] == [0, 1, 2]
    assert [v for _, v in w.history] == pytest.approx(weights, rel=1e-6)
    assert [v for _, v in g.history] == pytest.approx(grads, rel=1e-6)
    assert dock.table.item(0, 1).text() == f"{weights[-1]:.6g}"
    spark = dock.table.item(0, 2).data(Qt.ItemDataRole.DecorationRole)
    assert not spark.isNull() and "iterations 1–3 (3 points)" in dock.table.item(0, 2).toolTip()
    # a phase step updates the value (the gradient of this iteration is not computed yet)
    press(qtbot, window, Qt.Key.Key_F11)
    assert "not computed yet" in dock.table.item(1, 1).text() and len(g.history) == 3


def test_a_bad_expression_says_why(qtbot, debug_window):
    window = debug_window
    dock = window.debugger.watch
    type_watch(qtbot, dock, "conv1.weight[0,0")
    assert dock.error.isVisible() and "syntax error" in dock.error.text()
    assert dock.entry.text() == "conv1.weight[0,0" and dock.table.rowCount() == 0
    type_watch(qtbot, dock, "grad(conv9)")  # parses; evaluation names the problem
    assert not dock.error.isVisible()
    assert "unknown layer 'conv9'" in dock.table.item(0, 1).text()
    dock.table.setCurrentCell(0, 0)
    dock.remove_selected()
    assert dock.table.rowCount() == 0


def test_sparkline_pixmap_draws_something():
    from desktop.debugger.watch_dock import sparkline_pixmap

    pm = sparkline_pixmap([1.0, 3.0, float("nan"), 2.0])
    img = pm.toImage()
    assert any(img.pixelColor(x, y).alpha() > 0 for x in range(img.width()) for y in range(img.height()))
    assert sparkline_pixmap([]).toImage().pixelColor(5, 5).alpha() == 0
