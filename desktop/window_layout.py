"""The window's size and its workspaces: tabs to switch pages, what is remembered, what fits.

The window never asks for more than the screen it is on: it opens at most as large as the
screen's available area, a remembered geometry that does not fit the screen is dropped, and
each page arranges its docks for the room it has (desktop.workspace_pages). The tabs sit in the
main toolbar; Ctrl+1 … Ctrl+6 switch too. View › Reset layout arranges the page in view again
for the current screen; View › Maximise panel (Ctrl+Shift+M) shows one panel alone.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QRect, Qt
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QApplication, QDockWidget, QSizePolicy, QTabBar, QWidget

from desktop import settings

DEFAULT_SIZE = (1600, 1000)


class WorkspaceTabs(QTabBar):
    """The workspace switcher: one tab per page (Ctrl+number), in the main toolbar."""

    def __init__(self, window):
        super().__init__(window)
        self.window_ = window
        self.setObjectName("workspace_tabs")
        self.setDrawBase(False)
        self.setExpanding(False)
        self.setDocumentMode(True)
        self.keys: list[str] = []
        self.actions_: dict[str, QAction] = {}
        for n, (key, page) in enumerate(window.pages.items(), start=1):
            window.stack.addWidget(page)
            i = self.addTab(page.spec.title)
            self.setTabToolTip(i, f"{page.spec.tip} (Ctrl+{n})")
            self.keys.append(key)
            a = QAction(f"&{n} {page.spec.title}", window)
            a.setObjectName(f"action_workspace_{key}")
            a.setShortcut(QKeySequence(f"Ctrl+{n}"))
            a.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
            a.setStatusTip(page.spec.tip)
            a.triggered.connect(lambda _=False, k=key: self.show_page(k))
            window.addAction(a)
            self.actions_[key] = a
        self.currentChanged.connect(lambda i: self.show_page(self.keys[i]))
        spacer = QWidget()
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        window.toolbar.addWidget(spacer)
        window.toolbar.addWidget(self)

    @property
    def current(self) -> str:
        i = self.currentIndex()
        return self.keys[i] if 0 <= i < len(self.keys) else ""

    def show_page(self, key: str) -> None:
        if key not in self.keys:
            key = self.keys[0]
        i = self.keys.index(key)
        self.blockSignals(True)
        self.setCurrentIndex(i)
        self.blockSignals(False)
        self.window_.stack.setCurrentIndex(i)


def available(window) -> QRect:
    """The available area of the screen the window is on (the primary one before it is shown)."""
    screen = window.screen() or QGuiApplication.primaryScreen()
    return screen.availableGeometry() if screen is not None else QRect(0, 0, *DEFAULT_SIZE)


def fit_to_screen(window) -> None:
    """At most the default size and at most the screen's available area, placed on it."""
    room = available(window)
    w, h = min(DEFAULT_SIZE[0], room.width()), min(DEFAULT_SIZE[1], room.height())
    window.resize(w, h)
    window.move(room.x() + (room.width() - w) // 2, room.y() + (room.height() - h) // 2)


def fills_screen(window) -> bool:
    """True when the screen is no larger than the default size: the window then opens maximised,
    so that the window manager fits its frame (title bar, borders) into the screen too."""
    room = available(window)
    return room.width() <= DEFAULT_SIZE[0] or room.height() <= DEFAULT_SIZE[1]


def fits(window, geometry: QRect) -> bool:
    room = available(window)
    return geometry.width() <= room.width() and geometry.height() <= room.height() and room.intersects(geometry)


def save_layout(window) -> None:
    s = settings()
    s.setValue("window/geometry", window.saveGeometry())
    s.setValue("window/workspace", window.workspace_tabs.current)
    for page in window.pages.values():
        page.save_layout()
    s.sync()


def restore_layout(window) -> bool:
    """The remembered geometry (if it fits this screen) and workspace; each page restores its own
    arrangement when first shown. False if nothing (or nothing that fits) was remembered."""
    s = settings()
    geometry = s.value("window/geometry")
    restored = False
    if isinstance(geometry, QByteArray) and not geometry.isEmpty():
        before = window.geometry()
        if window.restoreGeometry(geometry) and fits(window, window.frameGeometry()):
            restored = True
        else:  # saved on a larger screen, or off this one: dropped
            window.setGeometry(before)
            fit_to_screen(window)
    key = s.value("window/workspace")
    if isinstance(key, str) and key in window.pages:
        window.workspace_tabs.show_page(key)
    return restored


def reset_layout(window) -> None:
    """The first-run arrangement of the page in view, for the current screen."""
    if window.isMaximized() or window.isFullScreen():
        window.page().arrange()
        return
    if not fits(window, window.frameGeometry()):
        fit_to_screen(window)
    window.page().arrange()


def focused_dock(window) -> str:
    """The key of the page's dock that holds the keyboard focus, or of its first visible one."""
    page = window.page()
    w = QApplication.focusWidget()
    while w is not None and not isinstance(w, QDockWidget):
        w = w.parentWidget()
    for key, dock in page.docks.items():
        if dock is w:
            return key
    return next((k for k, d in page.docks.items() if d.isVisible() and not d.visibleRegion().isEmpty()), "")


def fill_view_menu(window, menu) -> None:
    """View: the workspaces, the docks of the page in view, maximise, reset, the theme."""
    menu.clear()
    for a in window.workspace_tabs.actions_.values():
        menu.addAction(a)
    menu.addSeparator()
    for dock in window.page().docks.values():
        menu.addAction(dock.toggleViewAction())
    menu.addSeparator()
    menu.addAction(window.actions["maximise_panel"])
    menu.addAction(window.actions["reset_layout"])
    menu.addSeparator()
    menu.addAction(window.actions["dark_theme"])
