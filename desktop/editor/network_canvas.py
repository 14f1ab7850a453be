"""The canvas: the network as a vertical chain of blocks, from the input to the loss.

Row 0 is the input, rows 1..n the layers, row n+1 the loss. The canvas never edits the spec
itself: drops, the Delete key and the context menu emit requests that the editor turns into undo
commands, then the editor redraws the canvas with ``show_blocks``.

Drops: a palette entry (LAYER_TYPE_MIME, a type id) is inserted in the gap nearest the drop
point; a block (BLOCK_MIME, its layer index) is moved there. ``drop_mime`` is the whole drop
handler, callable without a real drag (tests, offscreen).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from PySide6.QtCore import QEvent, QMimeData, QPoint, Qt, Signal
from PySide6.QtGui import QColor, QDrag, QPainter, QPalette, QPen
from PySide6.QtWidgets import QAbstractItemView, QApplication, QFrame, QListWidget, QListWidgetItem, QMenu

from core.view import shape_text
from desktop.editor.block_delegate import BLOCK_ROLE, Block, BlockDelegate, scheme
from desktop.editor.layer_palette import LAYER_TYPE_MIME

BLOCK_MIME = "application/x-backstep-block"


class NetworkCanvas(QListWidget):
    sigInsertRequested = Signal(str, int)  # type id, layer index to insert before
    sigMoveRequested = Signal(int, int)  # src, dst layer index
    sigRemoveRequested = Signal(int)  # layer index
    sigLayerSelected = Signal(str)  # layer name

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setItemDelegate(BlockDelegate(self))
        self.setSelectionMode(QAbstractItemView.SingleSelection)
        self.setDragEnabled(True)
        self.setAcceptDrops(True)
        self.setDropIndicatorShown(False)  # we draw our own between blocks
        self.setDragDropMode(QAbstractItemView.DragDrop)
        self.setVerticalScrollMode(QAbstractItemView.ScrollPerPixel)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.setContextMenuPolicy(Qt.CustomContextMenu)
        # a palette, not a style sheet: the style-sheet style paints every block several times slower
        self.setFrameShape(QFrame.Shape.NoFrame)
        self._set_background()
        self.setMinimumWidth(240)
        self.customContextMenuRequested.connect(self._context_menu)
        self.itemDoubleClicked.connect(self._emit_selected)
        self.currentItemChanged.connect(lambda cur, _prev: self._emit_selected(cur))
        self._gap: int | None = None  # drop indicator position while dragging
        self._updating = False
        self.block_context_menu_hook: Callable | None = None  # (layer name, QMenu) -> None

    def _set_background(self) -> None:
        """The canvas's colour for the theme in use (light grey, or the dark theme's base)."""
        pal = self.palette()
        app = QApplication.instance()
        theme = scheme(app.palette() if app is not None else pal)
        pal.setColor(QPalette.ColorRole.Base, theme["canvas"])
        self._theme = theme
        self.setPalette(pal)

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.ApplicationPaletteChange:  # the theme switched: follow it
            self._set_background()
            self.viewport().update()

    # --- content --------------------------------------------------------------------------------

    def show_blocks(self, blocks: list[Block], selected: str | None) -> None:
        """Replace the rows (blocks[0] the input, blocks[-1] the loss), keeping the selection."""
        self._updating = True
        try:
            scroll = self.verticalScrollBar().value()
            self.clear()
            for block in blocks:
                item = QListWidgetItem(self._item_text(block))
                item.setData(BLOCK_ROLE, block)
                item.setToolTip(self._tooltip(block))
                flags = Qt.ItemIsEnabled
                if block.kind == "layer":
                    flags |= Qt.ItemIsSelectable | Qt.ItemIsDragEnabled
                item.setFlags(flags)
                self.addItem(item)
            self.select_layer(selected)
            self.verticalScrollBar().setValue(scroll)
        finally:
            self._updating = False

    @staticmethod
    def _item_text(block: Block) -> str:
        if block.kind == "layer":
            return block.info.summary() if block.info else block.title
        return f"{block.title} {block.subtitle}".strip() + (f" error: {block.error}" if block.error else "")

    @staticmethod
    def _tooltip(block: Block) -> str:
        lines = [f"{block.title} {block.subtitle}".strip()]
        if block.info is not None:
            info = block.info
            lines = [f"<b>{info.name}</b>: {info.type_name} (<code>{info.type}</code>)"]
            if info.in_shape is not None:
                lines.append(f"input {shape_text(info.in_shape)} → output {info.shape_label}")
            if info.params_label:
                lines.append(info.params_label)
            lines += [f"{k} = {v!r}" for k, v in info.hp.items()]
        if block.error:
            lines.append(f"<span style='color:#c62828'><b>Problem:</b> {block.error}</span>")
        elif block.note:
            lines.append(f"<i>{block.note}</i>")
        return "<br>".join(lines)

    def set_highlight(self, name: str | None) -> None:
        """Frame the block ``name`` (None: none) by changing just the rows whose frame changes, so
        a phase step repaints two blocks, not the list."""
        for row in range(1, self.count() - 1):
            item = self.item(row)
            block = item.data(BLOCK_ROLE)
            if block.highlighted != (block.title == name):
                item.setData(BLOCK_ROLE, replace(block, highlighted=not block.highlighted))

    def layer_count(self) -> int:
        return max(0, self.count() - 2)

    def layer_item(self, name: str) -> QListWidgetItem | None:
        for row in range(1, self.count() - 1):
            block = self.item(row).data(BLOCK_ROLE)
            if block.title == name:
                return self.item(row)
        return None

    def block(self, name: str) -> Block | None:
        item = self.layer_item(name)
        return item.data(BLOCK_ROLE) if item else None

    def select_layer(self, name: str | None) -> None:
        item = self.layer_item(name) if name else None
        if item is None:
            self.clearSelection()
            self.setCurrentRow(-1)
        else:
            self.setCurrentItem(item)
            self.scrollToItem(item)

    def selected_index(self) -> int | None:
        """Layer index of the selected block, or None."""
        rows = [self.row(it) for it in self.selectedItems()]
        return rows[0] - 1 if rows and 1 <= rows[0] <= self.layer_count() else None

    def _emit_selected(self, item: QListWidgetItem | None) -> None:
        if self._updating or item is None:
            return
        block = item.data(BLOCK_ROLE)
        if block is not None and block.kind == "layer":
            self.sigLayerSelected.emit(block.title)

    # --- keys and menu --------------------------------------------------------------------------

    def keyPressEvent(self, event) -> None:
        if event.key() in (Qt.Key_Delete, Qt.Key_Backspace) and self.selected_index() is not None:
            self.sigRemoveRequested.emit(self.selected_index())
            event.accept()
            return
        super().keyPressEvent(event)

    def build_context_menu(self, index: int) -> QMenu:
        """Delete, Move up, Move down for layer ``index``, then whatever the hook adds."""
        menu = QMenu(self)
        n = self.layer_count()
        menu.addAction("Delete", lambda: self.sigRemoveRequested.emit(index)).setEnabled(n > 1)
        menu.addAction("Move up", lambda: self.sigMoveRequested.emit(index, index - 1)).setEnabled(index > 0)
        menu.addAction("Move down", lambda: self.sigMoveRequested.emit(index, index + 1)).setEnabled(index < n - 1)
        if self.block_context_menu_hook is not None:
            menu.addSeparator()
            self.block_context_menu_hook(self.item(index + 1).data(BLOCK_ROLE).title, menu)
        return menu

    def _context_menu(self, pos: QPoint) -> None:
        item = self.itemAt(pos)
        if item is None or item.data(BLOCK_ROLE).kind != "layer":
            return
        self.setCurrentItem(item)
        self.build_context_menu(self.row(item) - 1).exec(self.viewport().mapToGlobal(pos))

    # --- drag and drop --------------------------------------------------------------------------

    def gap_at(self, pos: QPoint) -> int:
        """Layer index a drop at ``pos`` (viewport coordinates) inserts before: 0..layer_count()."""
        item = self.itemAt(pos)
        if item is None:
            return 0 if self.count() and pos.y() < self.visualItemRect(self.item(0)).top() else self.layer_count()
        row = self.row(item)
        rect = self.visualItemRect(item)
        if pos.y() > rect.center().y():
            row += 1
        return min(max(row - 1, 0), self.layer_count())

    def gap_pos(self, gap: int) -> QPoint:
        """A viewport point whose drop lands in ``gap`` (the top edge of the block after the gap)."""
        rect = self.visualItemRect(self.item(gap + 1))
        return QPoint(rect.center().x(), rect.top() + 2)

    def startDrag(self, actions) -> None:
        index = self.selected_index()
        if index is None:
            return
        mime = QMimeData()
        mime.setData(BLOCK_MIME, str(index).encode())
        drag = QDrag(self)
        drag.setMimeData(mime)
        item = self.item(index + 1)
        drag.setPixmap(self.viewport().grab(self.visualItemRect(item)))
        drag.exec(Qt.MoveAction)  # we own the drop: Qt removes nothing afterwards

    @staticmethod
    def _accepts(mime: QMimeData) -> bool:
        return mime is not None and (mime.hasFormat(LAYER_TYPE_MIME) or mime.hasFormat(BLOCK_MIME))

    def dragEnterEvent(self, event) -> None:
        if self._accepts(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event) -> None:
        if not self._accepts(event.mimeData()):
            event.ignore()
            return
        self._gap = self.gap_at(event.position().toPoint())
        self.viewport().update()
        event.acceptProposedAction()

    def dragLeaveEvent(self, event) -> None:
        self._gap = None
        self.viewport().update()

    def dropEvent(self, event) -> None:
        self._gap = None
        self.viewport().update()
        if self.drop_mime(event.mimeData(), event.position().toPoint()):
            event.setDropAction(Qt.CopyAction)  # never let Qt delete the source row itself
            event.accept()
        else:
            event.ignore()

    def drop_mime(self, mime: QMimeData, pos: QPoint) -> bool:
        """Handle a drop of ``mime`` at viewport point ``pos``; True if it was ours."""
        gap = self.gap_at(pos)
        if mime.hasFormat(LAYER_TYPE_MIME):
            self.sigInsertRequested.emit(bytes(mime.data(LAYER_TYPE_MIME)).decode("utf-8"), gap)
            return True
        if mime.hasFormat(BLOCK_MIME):
            src = int(bytes(mime.data(BLOCK_MIME)).decode())
            dst = gap - 1 if gap > src else gap
            if dst != src:
                self.sigMoveRequested.emit(src, dst)
            return True
        return False

    def paintEvent(self, event) -> None:
        super().paintEvent(event)
        if self._gap is None or self.count() < 2:
            return
        rect = self.visualItemRect(self.item(self._gap + 1))
        y = rect.top() + 4
        p = QPainter(self.viewport())
        p.setPen(QPen(QColor("#1565c0"), 3))
        p.drawLine(rect.left() + 24, y, rect.right() - 24, y)
        p.end()
