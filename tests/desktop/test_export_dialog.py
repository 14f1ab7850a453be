"""File › Export…: the network and the weights in view, written and checked, as a user picks them."""

import numpy as np
import pytest
from PySide6.QtWidgets import QFileDialog, QMessageBox

pytest.importorskip("pytestqt")


@pytest.fixture
def save_as(monkeypatch):
    """Answer the save dialog with a queued (path, filter); record the message boxes."""
    answers, boxes = [], []
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: answers.pop(0))
    monkeypatch.setattr(QMessageBox, "information", lambda parent, title, text, *a: boxes.append((title, text)))
    monkeypatch.setattr(QMessageBox, "critical", lambda parent, title, text, *a: boxes.append((title, text)))
    return answers, boxes


def test_export_from_the_file_menu(window, qtbot, tmp_path, save_as):
    from core.safetensors_io import read_safetensors
    from desktop.export_dialog import FILTERS, export_dialog

    answers, boxes = save_as
    file_menu = next(a.menu() for a in window.menuBar().actions() if a.menu() and "File" in a.menu().title())
    action = next(a for a in file_menu.actions() if a.text() == "E&xport…")
    assert window.bridge.step_iteration()  # trained weights, not the initial ones
    params = window.bridge.boundary_state()["params"]

    answers.append((str(tmp_path / "lecture.onnx"), next(iter(FILTERS))))
    action.trigger()  # the menu entry runs the dialog
    assert (tmp_path / "lecture.onnx").is_file()
    assert boxes[-1][0] == "Exported" and "largest difference from Backstep" in boxes[-1][1]

    # the type filter picks the target when the name has no suffix
    pytorch = next(f for f, t in FILTERS.items() if t == "pytorch")
    answers.append((str(tmp_path / "lecture_net"), pytorch))
    report = export_dialog(window)
    assert report.target == "pytorch" and (tmp_path / "lecture_net.py").is_file()
    back = read_safetensors(tmp_path / "lecture_net.safetensors")
    np.testing.assert_array_equal(back["conv1.weight"], np.asarray(params["conv1"]["weight"], np.float32))
    assert report.check.max_diff is None or report.check.max_diff <= 1e-4  # None: torch not installed

    answers.append((str(tmp_path / "w.safetensors"), pytorch))  # the suffix wins over the filter
    report = export_dialog(window)
    assert report.target == "safetensors"
    assert read_safetensors(tmp_path / "w.safetensors")["fc2.bias"].tobytes() == params["fc2"]["bias"].tobytes()

    answers.append(("", ""))  # cancelled
    assert export_dialog(window) is None
