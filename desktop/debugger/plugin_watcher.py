"""Live reload of the user's layer plugins: edit, save, and the running app uses the new version.

A QFileSystemWatcher watches the plugin folders (``BACKSTEP_PLUGIN_PATH`` and the per-user
folder) and every ``*.py`` file in them. A change (editors save in bursts: write, rename, touch)
is debounced for ``DEBOUNCE_MS``; then core.plugin_reload imports the file again, validates and
smoke-runs each layer class, runs its finite-difference gradient check, and puts the usable
classes into the window's registry in place. The palette is rebuilt, the editor redrawn, and if
the network uses a reloaded layer it is rebuilt with the new class (weights kept where the shapes
did not change). The result goes to the status bar and to the "My plugins" dock: each plugin
with its file, the time of its last reload and its gradient-check verdict.
"""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import QFileSystemWatcher, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.plugin_reload import ReloadResult, install_reloaded, plugin_folders, reload_plugin_file

DEBOUNCE_MS = 300


class PluginWatcher(QObject):
    """Watches plugin folders; reloads a changed file after a quiet ``DEBOUNCE_MS`` and installs it."""

    sigReloaded = Signal(object)  # ReloadResult

    def __init__(self, registry, folders=None, parent=None, debounce_ms: int = DEBOUNCE_MS):
        super().__init__(parent)
        self.registry = registry
        self.folders = [Path(f) for f in (folders if folders is not None else plugin_folders())]
        self.results: dict[str, ReloadResult] = {}  # path -> the last reload of that file
        self._mtimes: dict[str, float] = {}
        self._due: set[str] = set()
        self._watcher = QFileSystemWatcher(self)
        self._watcher.fileChanged.connect(self._changed)
        self._watcher.directoryChanged.connect(self._folder_changed)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(debounce_ms)
        self._timer.timeout.connect(self._reload_due)
        for folder in self.folders:
            if folder.is_dir():
                self._watcher.addPath(str(folder))
            self._scan(folder, initial=True)

    def watched(self) -> list[str]:
        return sorted(self._watcher.files() + self._watcher.directories())

    def _files(self, folder: Path) -> list[Path]:
        return sorted(p for p in folder.glob("*.py") if not p.name.startswith("_")) if folder.is_dir() else []

    def _scan(self, folder: Path, initial: bool = False) -> None:
        """Watch new files; a new or changed one (by mtime) is due for reloading, a removed one too."""
        present = {str(p) for p in self._files(folder)}
        watched = set(self._watcher.files())
        for path in sorted(present):
            if path not in watched:
                self._watcher.addPath(path)
            mtime = _mtime(path)
            if not initial and self._mtimes.get(path) != mtime:
                self._schedule(path)
            self._mtimes[path] = mtime
        for path in [p for p in self._mtimes if Path(p).parent == folder and p not in present]:
            del self._mtimes[path]
            self._schedule(path)

    def _changed(self, path: str) -> None:
        if Path(path).exists() and path not in self._watcher.files():
            self._watcher.addPath(path)  # saved by rename: the watch went with the old file
        self._schedule(path)

    def _folder_changed(self, folder: str) -> None:
        self._scan(Path(folder))

    def _schedule(self, path: str) -> None:
        self._due.add(path)
        self._timer.start()  # restarts: reload once the burst of events is over

    def _reload_due(self) -> None:
        due, self._due = sorted(self._due), set()
        for path in due:
            self.reload(path)

    def reload(self, path) -> ReloadResult:
        """Reload one file now, install it in the registry, emit sigReloaded."""
        path = str(path)
        if Path(path).exists():
            self._mtimes[path] = _mtime(path)
            result = reload_plugin_file(path, registry=self.registry)
        else:  # removed: the classes it defined go
            result = ReloadResult(path, Path(path).stem, "path", time.time(), ())
        install_reloaded(self.registry, result)
        self.results[path] = result
        self.sigReloaded.emit(result)
        return result

    def reload_all(self) -> list[ReloadResult]:
        return [self.reload(p) for f in self.folders for p in self._files(f)]


def _mtime(path: str) -> float:
    try:
        return Path(path).stat().st_mtime_ns
    except OSError:
        return -1


class PluginsReloadDock(QWidget):
    """Each user plugin: layer id, file, last reload, gradient check; the selected one's details."""

    def __init__(self, watcher: PluginWatcher):
        super().__init__()
        self.watcher = watcher
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["layer", "file", "reloaded", "gradient check"])
        self.tree.setRootIsDecorated(False)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.header().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.details = QPlainTextEdit()
        self.details.setReadOnly(True)
        self.details.setMaximumHeight(140)
        self.details.setPlaceholderText("The selected plugin's check, or its error and traceback")
        folders = ", ".join(str(f) for f in watcher.folders) or "none"
        self.where = QLabel(f"Watching: {folders}. Save a plugin file to reload and check it.")
        self.where.setWordWrap(True)
        self.check_all = QPushButton("Reload and check all")
        self.check_all.clicked.connect(watcher.reload_all)
        lay = QVBoxLayout(self)
        lay.addWidget(self.where)
        lay.addWidget(self.tree, 1)
        lay.addWidget(self.details)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.check_all)
        lay.addLayout(row)
        self._rows: dict[tuple[str, str], QTreeWidgetItem] = {}
        self.tree.currentItemChanged.connect(self._show_details)
        watcher.sigReloaded.connect(self.show_result)
        self._initial()

    def _initial(self) -> None:
        folders = {f.resolve() for f in self.watcher.folders if f.exists()}
        for p in self.watcher.registry.report.loaded:
            if p.path and Path(p.path).resolve().parent in folders:
                self._set_row(p.path, p.id, "at start-up", "not checked yet (save the file or Reload all)", None)
        for f in self.watcher.registry.report.failures:
            if f.path and Path(f.path).resolve().parent in folders:
                self._set_row(f.path, f.module, "at start-up", f"{f.stage} failed: {f.message}", False,
                              f"{f.line()}\n\n{f.traceback}")

    def _set_row(self, path: str, lid: str, when: str, status: str, ok: bool | None, details: str = "") -> None:
        key = (path, lid)
        item = self._rows.get(key)
        if item is None:
            item = QTreeWidgetItem(self.tree)
            self._rows[key] = item
        for c, text in enumerate((lid, Path(path).name, when, status)):
            item.setText(c, text)
        item.setToolTip(1, path)
        item.setData(0, Qt.ItemDataRole.UserRole, details or status)
        color = QColor("#2ca02c") if ok else QColor("#d62728") if ok is False else QColor("#7f7f7f")
        item.setForeground(3, color)
        for c in range(3):
            self.tree.resizeColumnToContents(c)

    def show_result(self, result: ReloadResult) -> None:
        when = time.strftime("%H:%M:%S", time.localtime(result.time))
        for key in [k for k in self._rows if k[0] == result.path]:  # the file's old rows
            self.tree.takeTopLevelItem(self.tree.indexOfTopLevelItem(self._rows.pop(key)))
        if result.failure is not None:
            f = result.failure
            self._set_row(result.path, Path(result.path).stem, when, f"{f.stage} failed: {f.message}", False,
                          f"{f.line()}\n\n{f.traceback}")
        elif not result.classes:
            return  # the file was removed
        for c in result.classes:
            details = c.status()
            if c.failure is not None and c.failure.traceback:
                details += "\n\n" + c.failure.traceback
            if c.check is not None:
                details += "\n\n" + c.check.summary()
            self._set_row(result.path, c.id, when, c.status().split(": ", 1)[1], c.passed, details)
        self.tree.setCurrentItem(self._rows.get((result.path, result.classes[0].id)) if result.classes else None)

    def rows(self) -> list[tuple[str, str, str, str]]:
        tree = self.tree
        return [tuple(tree.topLevelItem(i).text(c) for c in range(4)) for i in range(tree.topLevelItemCount())]

    def _show_details(self, item, _prev=None) -> None:
        self.details.setPlainText(item.data(0, Qt.ItemDataRole.UserRole) if item else "")


def install_plugin_watcher(host, folders=None) -> tuple[PluginWatcher, PluginsReloadDock]:
    """Watch the plugin folders, reload changed files into the host's registry; add the "My plugins"
    dock. After a reload the host's palette, editor and network follow (``host.plugins_reloaded``)
    and the verdict goes to the status bar.

    The user's plugin folder is created if missing, so that a first plugin dropped there is seen.
    Returns the watcher and the dock's widget.
    """
    from core import paths

    try:
        paths.user_plugin_dir().mkdir(parents=True, exist_ok=True)
    except OSError:
        pass
    watcher = PluginWatcher(host.registry, folders, parent=host)
    widget = PluginsReloadDock(watcher)

    def reloaded(result: ReloadResult) -> None:
        host.plugins_reloaded({c.id for c in result.classes})
        message = f"Plugin reloaded: {result.status()}"
        (host.show_info if result.ok else host.show_error)(message)

    watcher.sigReloaded.connect(reloaded)
    host.add_dock("plugin_reloads", "My plugins", widget)
    return watcher, widget
