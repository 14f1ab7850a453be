"""Nothing lost: quitting, a new or opened network, a session and a dataset switch ask first when
the training in view is not saved (Save, Discard, Cancel); a dataset with another number of
classes is offered an output layer that fits, and its class names are shown."""

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox

from core.session import load_session
from tests.desktop.conftest import make_window, show_workspace

pytest.importorskip("pytestqt")

B = QMessageBox.StandardButton


@pytest.fixture
def answer(monkeypatch):
    """answer.next = the button the next question gets; answer.asked: (title, text) of each."""

    class Answers:
        next = B.Cancel
        asked: list = []

        def __call__(self, parent, title, text, *a, **k):
            self.asked.append((title, text))
            return self.next

    a = Answers()
    a.asked = []
    monkeypatch.setattr(QMessageBox, "question", a)
    monkeypatch.setattr(QMessageBox, "critical", lambda *args, **kw: B.Ok)
    return a


def trained(qtbot, n=2):
    w = make_window(qtbot)
    w.ask_before_quit = True
    for _ in range(n):
        w.workspace.step_iteration()
    return w


def test_quit_with_unsaved_training_asks_and_cancel_keeps_the_window(qtbot, answer):
    w = trained(qtbot)
    answer.next = B.Cancel
    w.close()
    assert w.isVisible() and answer.asked[0][0] == "Save the session?"
    assert "trained for 2 iterations" in answer.asked[0][1]
    answer.next = B.Discard
    w.close()
    assert not w.isVisible()


def test_quit_and_save_writes_the_session(qtbot, answer, monkeypatch, tmp_path):
    w = trained(qtbot, 3)
    path = tmp_path / "kept.bstep"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(path), ""))
    answer.next = B.Save
    w.close()
    assert not w.isVisible() and load_session(path).iteration == 3


def test_a_saved_session_does_not_ask_again(qtbot, answer, monkeypatch, tmp_path):
    w = trained(qtbot)
    w.save_session_to(tmp_path / "s.bstep")
    w.close()
    assert answer.asked == [] and not w.isVisible()


def test_new_network_and_dataset_switch_ask_and_cancel_changes_nothing(qtbot, answer):
    w = trained(qtbot)
    spec, iteration = w.editor.spec(), w.workspace.trained_iterations
    answer.next = B.Cancel
    w.new_network()
    assert not w.choose_dataset("shapes")
    assert w.editor.spec() == spec and w.workspace.trained_iterations == iteration
    assert w.workspace.dataset_name == "mnist-5k" and len(answer.asked) == 2


def test_a_dataset_with_fewer_classes_gets_an_output_layer_that_fits(qtbot, answer):
    w = make_window(qtbot)  # nothing trained: only the classes question
    answer.next = B.Yes
    assert w.choose_dataset("shapes")
    ws = w.workspace
    assert answer.asked[-1][0] == "Adapt the output layer?" and "fc2" in answer.asked[-1][1]
    assert "horizontal bar" in answer.asked[-1][1]  # the dataset's class names, shown
    assert ws.network.n_classes == 6 and ws.network.classes[0] == "horizontal bar"
    assert w.editor.spec() == ws.spec and ws.spec.layers[-1].hp["out_features"] == 6
    assert ws.step_iteration() and ws.view().classes == ws.network.classes
    assert "horizontal bar" in w.status.currentMessage()


def test_keeping_ten_outputs_for_six_classes_is_allowed_but_not_asked_twice(qtbot, answer):
    w = make_window(qtbot)
    answer.next = B.No
    assert w.choose_dataset("shapes")
    assert w.workspace.network.n_classes == 10 and len(answer.asked) == 1


# --- downloading from the Data panel ---------------------------------------------------------------

from tests.datasets.conftest import http_mirror, shared_mnist  # noqa: E402, F401 - fixtures


def test_mnist_downloads_from_the_data_panel_with_progress_then_trains(qtbot, answer, monkeypatch, tmp_path,
                                                                       shared_mnist, http_mirror):  # noqa: F811
    base, _requests = http_mirror(shared_mnist)
    monkeypatch.setenv("BACKSTEP_MNIST_MIRROR", base)
    monkeypatch.setenv("BACKSTEP_CACHE_DIR", str(tmp_path / "cache"))
    w = make_window(qtbot)
    show_workspace(qtbot, w, "build")
    panel = w.data_panel
    panel.refresh_datasets()
    i = panel.combo.findData("mnist")
    assert i >= 0 and "not downloaded" in panel.combo.itemText(i)
    panel.combo.setCurrentIndex(i)
    panel._on_combo(i)  # what choosing it in the list does
    assert panel.download_box.isVisible() and "MB" in panel.download_button.text()
    values = []
    qtbot.mouseClick(panel.download_button, Qt.MouseButton.LeftButton)
    panel.job.sigProgress.connect(lambda done, total: values.append((done, total)))
    qtbot.waitUntil(lambda: w.workspace.dataset_name == "mnist", timeout=120000)
    assert values and values[-1][0] <= values[-1][1]
    assert len(w.workspace.dataset.x_train) == 60000 and not panel.download_box.isVisible()


def test_a_cancelled_download_says_so_and_keeps_the_current_data(qtbot, answer, monkeypatch, tmp_path,
                                                                  shared_mnist, http_mirror):  # noqa: F811
    base, _requests = http_mirror(shared_mnist)
    monkeypatch.setenv("BACKSTEP_MNIST_MIRROR", base)
    monkeypatch.setenv("BACKSTEP_CACHE_DIR", str(tmp_path / "cache"))
    w = make_window(qtbot)
    panel = w.data_panel
    panel._offer_download("mnist")
    panel.download()
    panel.job.cancel()
    qtbot.waitUntil(lambda: panel.job is None, timeout=60000)
    assert "Cancelled" in panel.download_note.text() and w.workspace.dataset_name == "mnist-5k"
