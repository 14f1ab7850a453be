"""``run_app()``: the QApplication, high-DPI, the theme, and the main window ready to step."""

from __future__ import annotations

import sys

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from desktop import APP, ORG


def make_app(argv=None) -> QApplication:
    app = QApplication.instance()
    if app is None:
        # crisp at 150 % and 175 %: pass fractional scale factors through instead of rounding them
        QGuiApplication.setHighDpiScaleFactorRoundingPolicy(Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
        app = QApplication(list(argv) if argv is not None else sys.argv[:1])
    app.setOrganizationName(ORG)
    app.setApplicationName(APP)
    app.setApplicationDisplayName("Backstep")
    return app


def offer_recovery(window) -> bool:
    """If the last run ended without a clean quit, offer its autosave; True if it was recovered."""
    from desktop.autosave import recoverable
    from desktop.dialogs import ask

    path = recoverable()
    if path is None:
        return False
    if ask(window, "Recover the last session?",
           f"Backstep did not quit cleanly last time. Recover the autosaved session?\n\n{path}"):
        return window.open_session(path)
    return False


def run_app(argv=None) -> int:
    from core.runtime import limit_blas_threads, tune_allocator

    limit_blas_threads(1)  # (before numpy loads) the GUI thread keeps a core while the worker trains
    tune_allocator()
    app = make_app(argv)
    from desktop.main_window import MainWindow
    from desktop.theme import apply_theme, current_theme

    apply_theme(current_theme(), app)
    from desktop.window_layout import fills_screen

    window = MainWindow()
    if fills_screen(window) and not window.isMaximized():
        window.showMaximized()  # (a laptop screen: the frame is fitted in too)
    else:
        window.show()
    QTimer.singleShot(0, lambda: offer_recovery(window))
    return app.exec()
