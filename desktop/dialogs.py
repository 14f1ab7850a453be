"""Dialogs: the Plugins report (loaded layers, failures with tracebacks), About, error messages."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
)

from core.registry import Registry


def show_error(parent, title: str, message: str) -> None:
    """A modal error box; the message is the engine's (it names the file, field or layer)."""
    QMessageBox.critical(parent, title, message)


SAVE, DISCARD, CANCEL = "save", "discard", "cancel"


def ask_save(parent, title: str, question: str) -> str:
    """Save, Discard or Cancel (the default: Save; Escape: Cancel)."""
    buttons = QMessageBox.StandardButton
    answer = QMessageBox.question(parent, title, question, buttons.Save | buttons.Discard | buttons.Cancel,
                                  buttons.Save)
    return {buttons.Save: SAVE, buttons.Discard: DISCARD}.get(answer, CANCEL)


def ask(parent, title: str, question: str) -> bool:
    answer = QMessageBox.question(parent, title, question,
                                  QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                  QMessageBox.StandardButton.Yes)
    return answer == QMessageBox.StandardButton.Yes


class PluginsDialog(QDialog):
    """Every layer plugin that loaded (id, category, source) and every one that failed, with its traceback."""

    def __init__(self, registry: Registry, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Layer plugins")
        self.resize(760, 520)
        lay = QVBoxLayout(self)
        report = registry.report
        lay.addWidget(QLabel(f"{len(report.loaded)} loaded, {len(report.failures)} failed. "
                             "Select a failure to see its traceback."))
        split = QSplitter(Qt.Orientation.Vertical)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Layer / module", "Category or stage", "Source", "Message or file"])
        loaded = QTreeWidgetItem(self.tree, [f"Loaded ({len(report.loaded)})"])
        for p in report.loaded:
            s = p.cls.spec
            item = QTreeWidgetItem(loaded, [f"{getattr(s, 'name', p.id)} ({p.id})", s.category, p.source,
                                            p.path or p.module])
            item.setToolTip(0, (p.cls.__doc__ or "").strip())
        failed = QTreeWidgetItem(self.tree, [f"Failed ({len(report.failures)})"])
        self.failures = list(report.failures)
        for i, f in enumerate(self.failures):
            item = QTreeWidgetItem(failed, [f.module, f.stage, f.source, f.message])
            item.setData(0, Qt.ItemDataRole.UserRole, i)
            item.setForeground(3, Qt.GlobalColor.red)
        self.tree.expandAll()
        for c in range(4):
            self.tree.resizeColumnToContents(c)
        self.traceback = QPlainTextEdit()
        self.traceback.setReadOnly(True)
        self.traceback.setPlaceholderText("Traceback of the selected failure")
        split.addWidget(self.tree)
        split.addWidget(self.traceback)
        lay.addWidget(split, 1)
        self.tree.currentItemChanged.connect(self._show)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)
        if self.failures:
            self.tree.setCurrentItem(failed.child(0))

    def _show(self, item, _prev=None) -> None:
        i = item.data(0, Qt.ItemDataRole.UserRole) if item else None
        if i is None:
            self.traceback.clear()
            return
        f = self.failures[i]
        self.traceback.setPlainText(f"{f.line()}\n{f.path}\n\n{f.traceback or '(no traceback)'}")


ABOUT = """<h3>Backstep</h3>
<p>Step through how a convolutional network learns: one phase, iteration or epoch at a time —
forward through every layer, the loss, the error flowing back (∂L/∂z), the gradients (∂L/∂g, ∂L/∂W)
and the update θ ← θ − α ∂L/∂θ.</p>
<p>F11 step phase · F10 step iteration · Shift+F11 finish epoch · F5 run/pause</p>"""


def show_about(parent) -> None:
    QMessageBox.about(parent, "About Backstep", ABOUT)
