"""ExampleGallery: thumbnails of test examples with true class, prediction, confidence and the
top 3; sortable by confidence; clicking one emits ``sigExampleClicked(index)`` (into the split).

Fed with plain data: the split's images and core.evaluation.Example records (a confusion-matrix
cell's, or the mistakes sorted by confidence).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QIcon, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.evaluate.grey_image import grey_qimage
from desktop.panels.base import set_look

THUMB = 84  # 28 × 3: whole screen pixels per image pixel
ORDERS = {"most confident first": "desc", "least confident first": "asc", "test-set order": "index"}
WRONG = QColor(229, 57, 53)


def example_text(e, classes: Sequence[str]) -> str:
    top = " · ".join(f"{classes[c]} {100 * p:.0f}%" for c, p in e.top)
    verdict = "→" if e.true != e.pred else "="
    return f"#{e.index}: true {classes[e.true]} {verdict} {classes[e.pred]}\n{top}"


class ExampleGallery(QWidget):
    title = "Examples"
    sigExampleClicked = Signal(int)

    def __init__(self, parent=None):
        super().__init__(parent)
        self._images = None
        self._examples: list = []
        self.classes: tuple[str, ...] = ()
        self.heading = QLabel("Click a cell of the confusion matrix, or show the mistakes")
        set_look(self.heading, pt=11)
        self.heading.setWordWrap(True)
        self.order = QComboBox()
        self.order.addItems(list(ORDERS))
        self.order.setToolTip("Confidence = ŷ of the predicted class")
        self.order.currentIndexChanged.connect(lambda _i: self._fill())
        self.list = QListWidget()
        self.list.setViewMode(QListView.ViewMode.IconMode)
        self.list.setResizeMode(QListView.ResizeMode.Adjust)
        self.list.setMovement(QListView.Movement.Static)
        self.list.setUniformItemSizes(True)
        self.list.setIconSize(QSize(THUMB, THUMB))
        self.list.setGridSize(QSize(166, THUMB + 50))
        self.list.setWordWrap(True)
        font = QFont(self.list.font())
        font.setPointSizeF(10)
        self.list.setFont(font)
        self.list.itemClicked.connect(self._on_clicked)
        top = QHBoxLayout()
        top.addWidget(self.heading, 1)
        top.addWidget(QLabel("Sort:"))
        top.addWidget(self.order)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addLayout(top)
        lay.addWidget(self.list, 1)

    def set_examples(self, images, examples: Sequence, classes: Sequence[str], heading: str = "") -> None:
        """``images``: indexable by ``Example.index`` -> (1, H, W) or (H, W); ``examples``: Example records."""
        self._images = images
        self._examples = list(examples)
        self.classes = tuple(classes)
        self.heading.setText(heading or f"{len(self._examples)} examples")
        self._fill()

    def examples(self) -> list:
        """The examples in the order shown."""
        mode = ORDERS[self.order.currentText()]
        if mode == "index":
            return sorted(self._examples, key=lambda e: e.index)
        return sorted(self._examples, key=lambda e: (-e.confidence if mode == "desc" else e.confidence, e.index))

    def _fill(self) -> None:
        self.list.clear()
        for e in self.examples():
            img = np.asarray(self._images[e.index])
            img = img.reshape(img.shape[-2:]) if img.ndim == 3 and img.shape[0] == 1 else img
            if img.ndim == 3:  # colour (C, H, W): the mean, for a thumbnail
                img = img.mean(axis=0)
            pix = QPixmap.fromImage(grey_qimage(img).scaled(THUMB, THUMB, Qt.AspectRatioMode.KeepAspectRatio,
                                                            Qt.TransformationMode.FastTransformation))
            item = QListWidgetItem(QIcon(pix), example_text(e, self.classes))
            item.setData(Qt.ItemDataRole.UserRole, int(e.index))
            item.setToolTip(f"test sample {e.index}: true {self.classes[e.true]}, predicted {self.classes[e.pred]} "
                            f"with ŷ = {e.confidence:.4f}\ntop 3: "
                            + ", ".join(f"{self.classes[c]} {p:.4f}" for c, p in e.top))
            if e.true != e.pred:
                item.setForeground(WRONG)
            self.list.addItem(item)

    def _on_clicked(self, item: QListWidgetItem) -> None:
        self.sigExampleClicked.emit(int(item.data(Qt.ItemDataRole.UserRole)))

    def click_example(self, row: int) -> int:
        """Emit the index of the example in row ``row`` as a click does (for tests and scripts)."""
        item = self.list.item(row)
        self.list.setCurrentItem(item)
        index = int(item.data(Qt.ItemDataRole.UserRole))
        self.sigExampleClicked.emit(index)
        return index
