"""The current batch as thumbnails, label → prediction (green right, red wrong); a click focuses a sample."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QImage, QPixmap
from PySide6.QtWidgets import QLabel, QListView, QListWidget, QListWidgetItem, QSizePolicy, QVBoxLayout, QWidget

THUMB = 34


def thumbnails(x: np.ndarray, size: int = THUMB) -> list[QPixmap]:
    """A batch (N, C, H, W) in [0, 1] -> one pixmap per sample, at most ``size`` px a side (grey
    for 1 channel, RGB for 3). Scaled by nearest neighbour for the whole batch at once in numpy."""
    x = np.asarray(x)
    h, w = x.shape[-2:]
    scale = size / max(h, w)
    rows = (np.arange(max(1, round(h * scale))) / scale).astype(np.intp)
    cols = (np.arange(max(1, round(w * scale))) / scale).astype(np.intp)
    a = (np.clip(x[..., rows, :][..., cols], 0, 1) * 255).astype(np.uint8)
    out = []
    for img in a:
        if img.shape[0] == 3:
            rgb = np.ascontiguousarray(img.transpose(1, 2, 0))
            q = QImage(rgb.data, rgb.shape[1], rgb.shape[0], 3 * rgb.shape[1], QImage.Format.Format_RGB888)
        else:
            g = np.ascontiguousarray(img[0])
            q = QImage(g.data, g.shape[1], g.shape[0], g.shape[1], QImage.Format.Format_Grayscale8)
        out.append(QPixmap.fromImage(q))  # (fromImage copies the pixels out of the numpy buffer)
    return out


class BatchPanel(QWidget):
    """The batch of the iteration in view; ``sigFocusChanged(sample)`` (0-based) on a click."""

    sigFocusChanged = Signal(int)
    title = "Batch"

    def __init__(self, parent=None):
        super().__init__(parent)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 4, 6, 4)
        self.batch_label = QLabel("The batch appears at the first step; click a sample to focus the panels on it")
        self.batch_label.setWordWrap(True)
        self.batch_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        lay.addWidget(self.batch_label)
        self.grid = QListWidget()
        self.grid.setViewMode(QListView.ViewMode.IconMode)
        self.grid.setIconSize(QSize(THUMB, THUMB))
        self.grid.setGridSize(QSize(THUMB + 16, THUMB + 20))
        self.grid.setResizeMode(QListView.ResizeMode.Adjust)
        self.grid.setMovement(QListView.Movement.Static)
        self.grid.setUniformItemSizes(True)
        # the grid wraps to whatever width it gets: its contents must not widen the dock column
        self.grid.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Expanding)
        self.grid.setMinimumHeight(THUMB + 24)
        self.grid.currentRowChanged.connect(self._on_row)
        lay.addWidget(self.grid, 1)
        self._batch_key = None
        self._labels_from = None  # (y, probs) the thumbnails' captions were made from

    # --- the batch ------------------------------------------------------------------------------

    def show_batch(self, x, y, probs, classes, focus: int, key=None) -> None:
        """Thumbnails of batch ``x`` (N, C, H, W) with label → prediction (from ``probs``, if any).

        The thumbnails are redrawn only for another batch: another array ``x`` (a view's batch is
        the same read-only array across an iteration's phases), or another ``key``.
        """
        if x is None:
            self.grid.blockSignals(True)
            self.grid.clear()
            self.grid.blockSignals(False)
            self._batch_key = None
            return
        key = (key, len(x), x)  # (x itself, compared by identity: a new batch is a new array)
        old = self._batch_key
        if old is None or old[0] != key[0] or old[1] != key[1] or old[2] is not x:
            self._batch_key, self._labels_from = key, None
            self.grid.blockSignals(True)
            self.grid.clear()
            for pixmap in thumbnails(x):
                item = QListWidgetItem(QIcon(pixmap), "")
                item.setTextAlignment(Qt.AlignmentFlag.AlignHCenter)
                self.grid.addItem(item)
            self.grid.blockSignals(False)
        # labels, and predictions once the loss phase made them (the same arrays until then)
        if self._labels_from is None or self._labels_from[0] is not y or self._labels_from[1] is not probs:
            self._labels_from = (y, probs)
            self._show_labels(y, probs, classes)
        self.grid.blockSignals(True)
        self.grid.setCurrentRow(min(focus, self.grid.count() - 1))
        self.grid.blockSignals(False)
        self.batch_label.setText(f"{len(x)} samples: label → prediction (green right, red wrong); "
                                 "click one to focus the panels on it")

    def _show_labels(self, y, probs, classes) -> None:
        preds = None if probs is None else np.asarray(probs).argmax(axis=1)
        def name(k: int) -> str:
            return classes[k] if 0 <= k < len(classes) else str(k)

        for i in range(min(len(y), self.grid.count())):
            item = self.grid.item(i)
            lab = name(int(y[i]))
            if preds is None:
                item.setText(f"{lab}→?")
                item.setForeground(self.palette().text())
            else:
                p = int(preds[i])
                item.setText(f"{lab}→{name(p)}")
                item.setForeground(QColor("#2e8b57") if p == int(y[i]) else QColor("#d0342c"))
            item.setToolTip(f"sample {i + 1} of the batch: label {lab}"
                            + ("" if preds is None else f", predicted {name(int(preds[i]))}"))

    def _on_row(self, row: int) -> None:
        if row >= 0:
            self.sigFocusChanged.emit(row)
