"""The data dock: choose the dataset (the current batch is desktop.batch_panel's).

Datasets: the built-in MNIST-5k, the synthetic shapes, downloaded ones (core.datasets), those in
the user's datasets folder, and any folder or .npz file opened with "Open folder/file…".
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMenu,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from core.datasets import available_datasets
from core.view import shape_text


class DataPanel(QWidget):
    sigDatasetChosen = Signal(str)  # a name for core.datasets.load_dataset, or a path

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
        lay.addStretch(1)
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

