"""Paints one block of the network canvas: the input, a layer, or the loss.

A layer block: a category-coloured stripe, its name and type, its output shape and parameter
count; red with the reason when its shapes do not fit (or it raised during a phase); an amber
frame when the current training phase touched it. A short connector above each block makes the
chain read top to bottom.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QStyle, QStyledItemDelegate

from desktop.editor.block_info import BlockInfo
from desktop.editor.category_icons import category_color

BLOCK_ROLE = Qt.UserRole + 10  # a Block

CONNECTOR = 12  # px of connector line above each block but the first
MAX_WIDTH = 380
PAD = 8
ERROR_LINES = 2
MAX_PICTURES = 256  # cached block pictures (a network's blocks × selected or not × a few widths)

RED = QColor("#c62828")
AMBER = QColor("#f9a825")
BLUE = QColor("#1565c0")
# the blocks' colours in the light and the dark theme (the theme: the palette's window lightness)
LIGHT = {"bg": QColor("white"), "grey": QColor("#f1f1f1"), "selected": QColor("#e3f2fd"),
         "error": QColor("#fdecea"), "text": QColor("#212121"), "muted": QColor("#616161"),
         "border": QColor("#9e9e9e"), "blue": BLUE, "red": RED, "canvas": QColor("#fafafa")}
DARK = {"bg": QColor("#2f3136"), "grey": QColor("#26282c"), "selected": QColor("#1f3a5c"),
        "error": QColor("#4a2326"), "text": QColor("#e6e6e6"), "muted": QColor("#a0a4aa"),
        "border": QColor("#6b6f76"), "blue": QColor("#6ea8fe"), "red": QColor("#ff6b6b"),
        "canvas": QColor("#1e1f22")}


def scheme(palette) -> dict:
    """LIGHT or DARK, as the palette is (its Window colour's lightness)."""
    return DARK if palette.color(palette.ColorRole.Window).lightness() < 128 else LIGHT


@dataclass(frozen=True)
class Block:
    """What a canvas row shows. kind: 'input' | 'layer' | 'loss'."""

    kind: str
    title: str
    subtitle: str = ""
    info: BlockInfo | None = None
    error: str | None = None
    note: str | None = None  # a muted line, e.g. "waits for conv2"
    highlighted: bool = False
    first: bool = False


class BlockDelegate(QStyledItemDelegate):
    def __init__(self, parent=None):
        super().__init__(parent)
        self._bold = QFont()
        self._bold.setBold(True)
        self._small = QFont()
        self._small.setPointSizeF(max(7.0, self._small.pointSizeF() * 0.9))
        self._pictures: dict[tuple, tuple[Block, QPixmap]] = {}

    # --- geometry -------------------------------------------------------------------------------

    def _line(self, font: QFont) -> int:
        return QFontMetrics(font).height()

    def sizeHint(self, option, index) -> QSize:
        block: Block = index.data(BLOCK_ROLE)
        if block is None:
            return super().sizeHint(option, index)
        h = 0 if block.first else CONNECTOR
        if block.kind == "layer":
            h += 2 * PAD + self._line(self._bold) + self._line(self._small) + 2
        else:
            h += 2 * PAD + self._line(self._bold)
        if block.error:
            h += ERROR_LINES * self._line(self._small) + 2
        elif block.note:
            h += self._line(self._small) + 2
        return QSize(200, h)

    def block_rect(self, option_rect: QRect, block: Block) -> QRect:
        top = option_rect.top() + (0 if block.first else CONNECTOR)
        width = min(MAX_WIDTH, option_rect.width() - 16)
        left = option_rect.left() + (option_rect.width() - width) // 2
        return QRect(left, top, width, option_rect.bottom() - top)

    # --- painting -------------------------------------------------------------------------------

    def paint(self, painter: QPainter, option, index) -> None:
        """Draw the block from a cached picture of it: a phase step moves the highlight and
        scrolls the list, repainting blocks that have not changed."""
        block: Block = index.data(BLOCK_ROLE)
        if block is None:
            return super().paint(painter, option, index)
        selected = bool(option.state & QStyle.State_Selected)
        dpr = painter.device().devicePixelRatioF()
        # by content: moving the highlight makes new Blocks (dataclasses.replace) of the same look;
        # BlockInfo holds a dict (unhashable) but is shared by those copies, and kept referenced below
        c = scheme(option.palette)
        key = (block.kind, block.title, block.subtitle, id(block.info), block.error, block.note,
               block.highlighted, block.first, option.rect.width(), option.rect.height(), selected, dpr, c is DARK)
        cached = self._pictures.get(key)
        if cached is None:
            if len(self._pictures) > MAX_PICTURES:
                self._pictures.clear()
            pm = QPixmap(round(option.rect.width() * dpr), round(option.rect.height() * dpr))
            pm.setDevicePixelRatio(dpr)
            pm.fill(Qt.GlobalColor.transparent)
            p = QPainter(pm)
            self._paint_block(p, QRect(0, 0, option.rect.width(), option.rect.height()), block, selected, c)
            p.end()
            cached = self._pictures[key] = (block, pm)  # (its info kept: the id stays unique)
        painter.drawPixmap(option.rect.topLeft(), cached[1])

    def _paint_block(self, painter: QPainter, rect: QRect, block: Block, selected: bool, c: dict = LIGHT) -> None:
        painter.save()
        painter.setRenderHint(QPainter.Antialiasing)
        r = self.block_rect(rect, block)
        if not block.first:
            x = r.center().x()
            painter.setPen(QPen(c["muted"], 1.5))
            painter.drawLine(x, rect.top(), x, r.top())
            painter.drawLine(x - 4, r.top() - 5, x, r.top())
            painter.drawLine(x + 4, r.top() - 5, x, r.top())
        bg = (c["error"] if block.error else c["selected"] if selected
              else c["grey"] if block.kind != "layer" or block.note else c["bg"])
        border = c["red"] if block.error else c["blue"] if selected else c["border"]
        width = 3 if block.highlighted else 2 if (selected or block.error) else 1
        if block.highlighted:
            border = AMBER if not block.error else c["red"]
        painter.setPen(QPen(border, width))
        painter.setBrush(bg)
        box = QRectF(r).adjusted(width / 2, width / 2, -width / 2, -width / 2)
        radius = box.height() / 2 if block.kind != "layer" and not block.error else 6
        painter.drawRoundedRect(box, radius, radius)
        if block.kind == "layer" and block.info is not None:
            stripe = QRectF(box.left() + 1, box.top() + 1, 6, box.height() - 2)
            painter.setPen(Qt.NoPen)
            painter.setBrush(category_color(block.info.category))
            painter.drawRoundedRect(stripe, 3, 3)
        self._paint_text(painter, r.adjusted(PAD + (8 if block.kind == "layer" else 4), PAD, -PAD, -PAD), block, c)
        painter.restore()

    def _paint_text(self, painter: QPainter, r: QRect, block: Block, c: dict = LIGHT) -> None:
        bold_h, small_h = self._line(self._bold), self._line(self._small)
        painter.setFont(self._bold)
        painter.setPen(c["text"])
        if block.kind != "layer":
            align = Qt.AlignVCenter | Qt.AlignHCenter
            text = f"{block.title}   {block.subtitle}".strip()
            painter.drawText(QRect(r.left(), r.top(), r.width(), bold_h), align,
                             QFontMetrics(self._bold).elidedText(text, Qt.ElideRight, r.width()))
            y = r.top() + bold_h + 2
        else:
            info = block.info
            painter.drawText(QRect(r.left(), r.top(), r.width(), bold_h), Qt.AlignLeft | Qt.AlignVCenter,
                             block.title)
            painter.setFont(self._small)
            painter.setPen(c["muted"])
            painter.drawText(QRect(r.left(), r.top(), r.width(), bold_h), Qt.AlignRight | Qt.AlignVCenter,
                             info.type_name if info else "")
            y = r.top() + bold_h + 2
            painter.setPen(c["text"])
            left = f"→ {info.shape_label}" if info else ""
            painter.drawText(QRect(r.left(), y, r.width(), small_h), Qt.AlignLeft | Qt.AlignVCenter, left)
            painter.setPen(c["muted"])
            painter.drawText(QRect(r.left(), y, r.width(), small_h), Qt.AlignRight | Qt.AlignVCenter,
                             block.subtitle)
            y += small_h + 2
        if block.error:
            painter.setFont(self._small)
            painter.setPen(c["red"])
            painter.drawText(QRect(r.left(), y, r.width(), ERROR_LINES * small_h),
                             Qt.AlignLeft | Qt.AlignTop | Qt.TextWordWrap, block.error)
        elif block.note:
            painter.setFont(self._small)
            painter.setPen(c["muted"])
            painter.drawText(QRect(r.left(), y, r.width(), small_h), Qt.AlignLeft | Qt.AlignVCenter,
                             QFontMetrics(self._small).elidedText(block.note, Qt.ElideRight, r.width()))
