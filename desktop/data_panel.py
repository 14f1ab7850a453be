"""The data dock: choose the dataset, see the current batch (label and prediction), pick the focus.

Datasets: the built-in MNIST-5k, the synthetic shapes, downloaded ones (core.datasets), those in
the user's datasets folder, and any folder or .npz file opened with "Open folder/file…".
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QImage, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from core.datasets import available_datasets
from core.view import shape_text

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


class DataPanel(QWidget):
    sigDatasetChosen = Signal(str)  # a name for core.datasets.load_dataset, or a path
    sigFocusChanged = Signal(int)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.title = "Data"
        lay = QVBoxLayout(self)
        row = QHBoxLayout()
        self.combo = QComboBox()
        self.combo.setToolTip("The dataset to train on")
        self.combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.combo.setMinimumContentsLength(10)
        self.open_button = QToolButton()
        self.open_button.setText("Open…")
        self.open_button.setToolTip("Use your own data: a folder of IDX files, a folder of class "
                                    "sub-folders of images, or a Keras-layout .npz")
        self.open_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.open_button)
        menu.addAction("Open folder…", self._open_folder)
        menu.addAction("Open .npz file…", self._open_file)
        self.open_button.setMenu(menu)
        row.addWidget(QLabel("Dataset"))
        row.addWidget(self.combo, 1)
        row.addWidget(self.open_button)
        lay.addLayout(row)
        self.info = QLabel()
        self.info.setWordWrap(True)
        lay.addWidget(self.info)
        lay.setContentsMargins(6, 4, 6, 4)
        self.batch_label = QLabel("Current batch (label → prediction); click one to focus on it")
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
        self.grid.currentRowChanged.connect(self._on_row)
        lay.addWidget(self.grid, 1)
        self._batch_key = None
        self._labels_from = None  # (y, probs) the thumbnails' captions were made from
        self._current = ""
        self.refresh_datasets()
        self.combo.activated.connect(self._on_combo)

    # --- datasets -------------------------------------------------------------------------------

    def refresh_datasets(self, current: str | None = None) -> None:
        current = current or self._current
        self.combo.blockSignals(True)
        self.combo.clear()
        for info in available_datasets():
            counts = f" — {info.n_train} train / {info.n_test} test" if info.n_train else ""
            self.combo.addItem(f"{info.name} ({info.kind})", info.name)
            i = self.combo.count() - 1
            self.combo.setItemData(i, f"{info.description}{counts}", Qt.ItemDataRole.ToolTipRole)
            if info.kind in ("not downloaded", "missing"):
                item = self.combo.model().item(i)
                item.setEnabled(False)
                item.setToolTip(f"{info.description} — download it with: python main.py download {info.name}")
        if current and self.combo.findData(current) < 0:
            self.combo.addItem(current, current)
        self.combo.setCurrentIndex(max(self.combo.findData(current), 0))
        self.combo.blockSignals(False)

    def set_dataset(self, name: str, dataset) -> None:
        """Show ``dataset`` (loaded by the window) as the current one."""
        self._current = name
        self.refresh_datasets(name)
        shape = shape_text(dataset.x_train.shape[1:])
        self.info.setText(f"<b>{dataset.name}</b>: {len(dataset.x_train)} train / {len(dataset.x_test)} test, "
                          f"{shape}, {len(dataset.classes)} classes")
        self._batch_key = None

    def _on_combo(self, index: int) -> None:
        name = self.combo.itemData(index)
        if name and name != self._current:
            self.sigDatasetChosen.emit(name)

    def _open_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Open a dataset folder")
        if path:
            self.sigDatasetChosen.emit(path)

    def _open_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open a dataset file", "", "Keras-layout arrays (*.npz)")
        if path:
            self.sigDatasetChosen.emit(path)

    # --- the batch ------------------------------------------------------------------------------

    def show_batch(self, x, y, probs, classes, focus: int, key=None) -> None:
        """Thumbnails of batch ``x`` (N, C, H, W) with label → prediction (from ``probs``, if any).

        ``key`` identifies the batch (the iteration): thumbnails are redrawn only when it changes.
        """
        if x is None:
            self.grid.blockSignals(True)
            self.grid.clear()
            self.grid.blockSignals(False)
            self._batch_key = None
            return
        key = (key, len(x))
        if key != self._batch_key:
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
        self.batch_label.setText(f"Batch of {len(x)} (label → prediction; green right, red wrong). "
                                 "Click one to focus the panels on it.")

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
