"""Icons and colours for layer categories: a coloured rounded square with a letter, drawn once.

A plugin may name its own icon (LayerSpec.icon, a file under resources/icons/); otherwise its
category's icon is used, so a third-party layer looks at home in the palette without any artwork.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPixmap

ICON_DIR = Path(__file__).resolve().parents[2] / "resources" / "icons"

# category -> (colour, letter); colours chosen to stay distinct for common colour-vision deficiencies
CATEGORY_STYLE = {
    "Convolution": ("#1f77b4", "C"),
    "Pooling": ("#17becf", "P"),
    "Activation": ("#ff7f0e", "A"),
    "Fully connected": ("#9467bd", "F"),
    "Reshape": ("#7f7f7f", "R"),
    "Other": ("#8c564b", "?"),
}


def category_color(category: str) -> QColor:
    return QColor(CATEGORY_STYLE.get(category, CATEGORY_STYLE["Other"])[0])


def _draw(colour: str, letter: str, size: int) -> QPixmap:
    pix = QPixmap(size, size)
    pix.fill(Qt.transparent)
    p = QPainter(pix)
    p.setRenderHint(QPainter.Antialiasing)
    p.setPen(Qt.NoPen)
    p.setBrush(QColor(colour))
    r = QRectF(0.5, 0.5, size - 1, size - 1)
    p.drawRoundedRect(r, size * 0.22, size * 0.22)
    font = QFont()
    font.setBold(True)
    font.setPixelSize(int(size * 0.62))
    p.setFont(font)
    p.setPen(QColor("white"))
    p.drawText(r, Qt.AlignCenter, letter)
    p.end()
    return pix


@cache
def category_icon(category: str) -> QIcon:
    colour, letter = CATEGORY_STYLE.get(category, (CATEGORY_STYLE["Other"][0], category[:1].upper() or "?"))
    icon = QIcon()
    for size in (16, 24, 32, 48):
        icon.addPixmap(_draw(colour, letter, size))
    return icon


def layer_icon(layer_spec) -> QIcon:
    """The plugin's own icon if it names an existing file, else its category's."""
    if layer_spec.icon:
        path = ICON_DIR / layer_spec.icon
        if path.is_file():
            return QIcon(str(path))
    return category_icon(layer_spec.category)
