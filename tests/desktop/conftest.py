"""The real main window for GUI tests, as a user has it: shown, active, every tool installed."""

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox


def make_window(qtbot, **kw):
    from desktop.main_window import MainWindow

    kw.setdefault("remember_layout", False)
    kw.setdefault("autosave", False)
    w = MainWindow(**kw)
    w.ask_before_quit = False  # (the quit prompt's own tests turn it back on)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    w.activateWindow()  # shortcuts (F11, F10, F5, Ctrl+Z) go to the active window, as for a user
    qtbot.waitUntil(w.isActiveWindow, timeout=3000)
    return w


@pytest.fixture
def window(qtbot):
    w = make_window(qtbot)
    yield w
    w.bridge.pause()
    w.bridge.wait()


@pytest.fixture
def boxes(monkeypatch):
    """Capture message boxes instead of showing them: a list of (kind, title, text)."""
    seen = []

    def box(kind, answer=None):
        def f(parent, title, text, *a, **k):
            seen.append((kind, title, text))
            return answer

        return f

    monkeypatch.setattr(QMessageBox, "critical", box("critical", QMessageBox.StandardButton.Ok))
    monkeypatch.setattr(QMessageBox, "warning", box("warning", QMessageBox.StandardButton.Ok))
    yes = box("question", QMessageBox.StandardButton.Yes)
    discard = box("question", QMessageBox.StandardButton.Discard)

    def question(parent, title, text, buttons=QMessageBox.StandardButton.Yes, *a, **k):
        # a Yes/No question: Yes; Save/Discard/Cancel (unsaved work): go on without saving
        pick = discard if buttons & QMessageBox.StandardButton.Discard else yes
        return pick(parent, title, text, buttons, *a, **k)

    monkeypatch.setattr(QMessageBox, "question", question)
    return seen


def press(qtbot, window, key, modifier=Qt.KeyboardModifier.NoModifier):
    qtbot.keyClick(window, key, modifier)


def show_workspace(qtbot, window, key):
    """Switch to workspace ``key`` as a user does: its Ctrl+number shortcut."""
    n = window.workspace_tabs.keys.index(key) + 1
    qtbot.keyClick(window, getattr(Qt.Key, f"Key_{n}"), Qt.KeyboardModifier.ControlModifier)
    assert window.workspace_tabs.current == key


@pytest.fixture
def debug_window(qtbot, window):
    """The window on its Debug workspace, where the debugger's docks are."""
    show_workspace(qtbot, window, "debug")
    return window
