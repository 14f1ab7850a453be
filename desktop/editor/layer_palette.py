"""The palette: every registered layer type, grouped by category, to drag onto the canvas.

A drag carries the type id under LAYER_TYPE_MIME; double-clicking an entry asks for it to be
added after the selected block (sigAddRequested).
"""

from __future__ import annotations

from PySide6.QtCore import QMimeData, Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QTreeWidget, QTreeWidgetItem

from core.api import CATEGORIES
from core.registry import Registry
from desktop.editor.category_icons import category_icon, layer_icon

LAYER_TYPE_MIME = "application/x-backstep-layer-type"
TYPE_ROLE = Qt.UserRole + 1


def layer_tooltip(cls) -> str:
    """Rich-text tooltip: the description, then one line of help per hyperparameter."""
    spec = cls.spec
    lines = [f"<b>{spec.name}</b> <code>{spec.id}</code>"]
    if spec.description:
        lines.append(spec.description)
    for name, hp in cls.hyperparams.items():
        rng = ""
        if hp.choices:
            rng = f" ({', '.join(map(str, hp.choices))})"
        elif hp.min is not None or hp.max is not None:
            rng = f" [{'' if hp.min is None else hp.min}…{'' if hp.max is None else hp.max}]"
        lines.append(f"• <i>{name}</i> = {hp.default!r}{rng}: {hp.help}")
    return "<br>".join(lines)


def type_mime(type_id: str) -> QMimeData:
    mime = QMimeData()
    mime.setData(LAYER_TYPE_MIME, type_id.encode("utf-8"))
    return mime


class LayerPalette(QTreeWidget):
    sigAddRequested = Signal(str)  # type id

    def __init__(self, registry: Registry, parent=None):
        super().__init__(parent)
        self.setHeaderHidden(True)
        self.setDragEnabled(True)
        self.setDragDropMode(QAbstractItemView.DragOnly)
        self.setSelectionMode(QAbstractItemView.SingleSelection)
        self.setRootIsDecorated(False)
        self.setIndentation(10)
        self.setMinimumWidth(150)
        self.itemDoubleClicked.connect(self._on_double_click)
        self.populate(registry)

    def populate(self, registry: Registry) -> None:
        self.clear()
        groups = registry.by_category()
        order = [c for c in CATEGORIES if c in groups] + sorted(set(groups) - set(CATEGORIES))
        for category in order:
            head = QTreeWidgetItem([category])
            head.setIcon(0, category_icon(category))
            head.setFlags(Qt.ItemIsEnabled)
            font = head.font(0)
            font.setBold(True)
            head.setFont(0, font)
            self.addTopLevelItem(head)
            for plugin in sorted(groups[category], key=lambda p: p.cls.spec.name.lower()):
                spec = plugin.cls.spec
                item = QTreeWidgetItem([spec.name])
                item.setData(0, TYPE_ROLE, spec.id)
                item.setIcon(0, layer_icon(spec))
                item.setToolTip(0, layer_tooltip(plugin.cls))
                item.setFlags(Qt.ItemIsEnabled | Qt.ItemIsSelectable | Qt.ItemIsDragEnabled)
                head.addChild(item)
        self.expandAll()
        self.setCurrentItem(None)

    def type_items(self) -> dict[str, QTreeWidgetItem]:
        """type id -> its palette entry."""
        out = {}
        for i in range(self.topLevelItemCount()):
            head = self.topLevelItem(i)
            for j in range(head.childCount()):
                out[head.child(j).data(0, TYPE_ROLE)] = head.child(j)
        return out

    def mimeTypes(self) -> list[str]:
        return [LAYER_TYPE_MIME]

    def mimeData(self, items) -> QMimeData:
        type_ids = [it.data(0, TYPE_ROLE) for it in items if it.data(0, TYPE_ROLE)]
        return type_mime(type_ids[0]) if type_ids else QMimeData()

    def _on_double_click(self, item: QTreeWidgetItem, _column: int) -> None:
        type_id = item.data(0, TYPE_ROLE)
        if type_id:
            self.sigAddRequested.emit(type_id)
