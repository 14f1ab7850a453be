"""The window's QActions, menus and toolbar: File, Edit, Train, View, Help.

Training shortcuts follow debuggers: F11 step into (one phase), F10 step over (one iteration),
Shift+F11 step out (finish the epoch), F5 run/pause. They are application-wide so that they also
work from a floating dock.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QStyle, QToolBar

_SPECS = {
    # key: (text, shortcut, tip, standard icon)
    "new_network": ("&New network", QKeySequence.StandardKey.New, "Start from the lecture's network", "SP_FileIcon"),
    "open_network": ("&Open network…", "Ctrl+O", "Open a network spec (.json)", "SP_DialogOpenButton"),
    "save_network": ("&Save network…", "Ctrl+S", "Save the network spec (.json)", "SP_DialogSaveButton"),
    "open_session": ("Open s&ession…", "", "Open a whole session: network, weights, curves (.bstep)", None),
    "save_session": ("Save sessio&n…", "Ctrl+Shift+S", "Save the whole session in one file (.bstep)", None),
    "export": ("E&xport…", "", "The network and its current weights as ONNX, a PyTorch file or safetensors, "
               "checked after writing", None),
    "quit": ("&Quit", "Ctrl+Q", "Quit Backstep", None),
    "step_phase": ("Step &phase", "F11", "Run the next phase: one layer forward or backward, the loss, "
                   "or the update (F11)", "SP_ArrowRight"),
    "step_back": ("Step &back", "Alt+Left", "Back one phase: the moment before the last phase ran, its numbers "
                  "exactly as they were (Alt+Left)", "SP_ArrowLeft"),
    "step_iteration": ("Step &iteration", "F10", "Finish this iteration (one mini-batch) (F10)",
                       "SP_MediaSeekForward"),
    "finish_epoch": ("Finish &epoch", "Shift+F11", "Train to the end of this epoch (Shift+F11)", "SP_MediaSkipForward"),
    "run": ("&Run", "F5", "Run training until paused (F5 again pauses)", "SP_MediaPlay"),
    "reset": ("Re&set weights", "", "Fresh weights from the seed; counters and curves start again",
              "SP_BrowserReload"),
    "dark_theme": ("&Dark theme", "", "Switch between the light and the dark theme", None),
    "reset_layout": ("Reset &layout", "", "Put every panel of this workspace back where it started, for this screen",
                     None),
    "maximise_panel": ("&Maximise panel", "Ctrl+Shift+M", "Show the panel with the focus alone in its workspace "
                       "(again: all of them)", None),
    "plugins": ("&Plugins…", "", "Loaded layer plugins, and the ones that failed with their tracebacks", None),
    "about": ("&About Backstep", "", "", None),
}

APP_WIDE = ("step_back", "step_phase", "step_iteration", "finish_epoch", "run")


def export(window) -> None:
    """File › Export… (desktop/export_dialog.py, imported when first used)."""
    from desktop.export_dialog import export_dialog

    export_dialog(window)


def create_actions(window) -> dict[str, QAction]:
    style = window.style()
    actions = {}
    for key, (text, shortcut, tip, icon) in _SPECS.items():
        a = QAction(text, window)
        a.setObjectName(f"action_{key}")
        if shortcut:
            a.setShortcut(QKeySequence(shortcut))
        if tip:
            a.setToolTip(tip)
            a.setStatusTip(tip)
        if icon:
            a.setIcon(style.standardIcon(getattr(QStyle.StandardPixmap, icon)))
        if key in APP_WIDE:
            a.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        window.addAction(a)
        actions[key] = a
    actions["dark_theme"].setCheckable(True)
    return actions


def build_menus(window, actions: dict[str, QAction], editor) -> None:
    """Menus File, Edit, Train, View (filled when opened: the docks of the workspace in view),
    Help, and the main toolbar (the workspace tabs are added to its right end)."""
    mb = window.menuBar()
    m = mb.addMenu("&File")
    for key in ("new_network", "open_network", "save_network"):
        m.addAction(actions[key])
    m.addSeparator()
    m.addAction(actions["open_session"])
    m.addAction(actions["save_session"])
    m.addSeparator()
    m.addAction(actions["export"])
    m.addSeparator()
    m.addAction(actions["quit"])

    m = mb.addMenu("&Edit")
    m.addAction(editor.undo_action)
    m.addAction(editor.redo_action)

    m = mb.addMenu("&Train")
    for key in ("step_back", "step_phase", "step_iteration", "finish_epoch", "run"):
        m.addAction(actions[key])
    m.addSeparator()
    m.addAction(actions["reset"])

    m = mb.addMenu("&View")
    m.setObjectName("menu_view")
    window.view_menu = m

    m = mb.addMenu("&Help")
    m.addAction(actions["plugins"])
    m.addAction(actions["about"])

    tb = QToolBar("Main toolbar", window)
    tb.setObjectName("toolbar_main")
    tb.setMovable(False)
    tb.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    for key in ("step_back", "step_phase", "step_iteration", "finish_epoch", "run"):
        tb.addAction(actions[key])
    back = tb.widgetForAction(actions["step_back"])
    if back is not None:  # (an icon: its tip says what it does)
        back.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
    tb.addSeparator()
    tb.addAction(actions["reset"])
    tb.addSeparator()
    for a in (actions["open_network"], actions["save_network"], editor.undo_action, editor.redo_action):
        tb.addAction(a)
        button = tb.widgetForAction(a)
        if button is not None:  # (icons only: the toolbar must fit a 1280 px screen with the workspace tabs)
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
    window.addToolBar(Qt.ToolBarArea.TopToolBarArea, tb)
    window.toolbar = tb


def show_running(actions: dict[str, QAction], running: bool, style) -> None:
    """F5 toggles: Run while idle, Pause while running; stepping is locked while running."""
    run = actions["run"]
    run.setText("&Pause" if running else "&Run")
    run.setIcon(style.standardIcon(QStyle.StandardPixmap.SP_MediaPause if running
                                   else QStyle.StandardPixmap.SP_MediaPlay))
    run.setToolTip("Pause after the current iteration (F5)" if running else "Run training until paused (F5)")
    for key in ("step_back", "step_phase", "step_iteration", "finish_epoch", "reset", "new_network",
                "open_network", "open_session"):
        actions[key].setEnabled(not running)
