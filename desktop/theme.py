"""Light and dark palettes (Fusion style); the choice is remembered in the settings."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from desktop import settings

THEMES = ("light", "dark")

_DARK = {
    QPalette.ColorRole.Window: "#2b2d31", QPalette.ColorRole.WindowText: "#e6e6e6",
    QPalette.ColorRole.Base: "#1e1f22", QPalette.ColorRole.AlternateBase: "#2f3136",
    QPalette.ColorRole.ToolTipBase: "#3a3d42", QPalette.ColorRole.ToolTipText: "#f0f0f0",
    QPalette.ColorRole.Text: "#e6e6e6", QPalette.ColorRole.Button: "#35373c",
    QPalette.ColorRole.ButtonText: "#e6e6e6", QPalette.ColorRole.BrightText: "#ff6b6b",
    QPalette.ColorRole.Highlight: "#3d7bd9", QPalette.ColorRole.HighlightedText: "#ffffff",
    QPalette.ColorRole.Link: "#6ea8fe", QPalette.ColorRole.PlaceholderText: "#8a8d92",
}


def current_theme() -> str:
    name = str(settings().value("theme", "light"))
    return name if name in THEMES else "light"


def apply_theme(name: str, app: QApplication | None = None, remember: bool = True) -> str:
    """Apply ``name`` ("light" or "dark") to the whole app; returns the theme applied."""
    app = app or QApplication.instance()
    name = name if name in THEMES else "light"
    app.setStyle("Fusion")
    if name == "dark":
        pal = QPalette()
        for role, colour in _DARK.items():
            pal.setColor(role, QColor(colour))
        for role in (QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText, QPalette.ColorRole.WindowText):
            pal.setColor(QPalette.ColorGroup.Disabled, role, QColor("#7c7f85"))
    else:
        pal = app.style().standardPalette()
    app.setPalette(pal)
    if remember:
        settings().setValue("theme", name)
    return name
