"""The data dock: choose the dataset, see its classes, download MNIST and Fashion-MNIST (the batch
is desktop.batch_panel's).

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
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core.datasets import available_datasets, download, remote_dataset
from core.view import shape_text
from desktop.background_job import CANCELLED, BackgroundJob


class DownloadCancelledError(Exception):
    """Raised from the progress callback to stop a download (its part file is kept)."""


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
        self.open_button = QPushButton("Open…")  # (a push button leaves room for its menu's arrow)
        self.open_button.setToolTip("Use your own data: a folder of IDX files, a folder of class "
                                    "sub-folders of images, or a Keras-layout .npz")
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
        self.download_box = QWidget()
        box = QVBoxLayout(self.download_box)
        box.setContentsMargins(0, 6, 0, 0)
        self.download_note = QLabel()
        self.download_note.setWordWrap(True)
        self.download_button = QPushButton("Download")
        self.download_button.clicked.connect(lambda: self.download())
        self.download_cancel = QPushButton("Cancel")
        self.download_cancel.setToolTip("Stop the download; what arrived is kept for the next one")
        self.download_cancel.clicked.connect(lambda: self.job is not None and self.job.cancel())
        self.download_bar = QProgressBar()
        self.download_bar.setFormat("%v of %m KB")
        row2 = QHBoxLayout()
        row2.addWidget(self.download_button)
        row2.addWidget(self.download_cancel)
        row2.addWidget(self.download_bar, 1)
        box.addWidget(self.download_note)
        box.addLayout(row2)
        lay.addWidget(self.download_box)
        self.download_box.hide()
        self.download_cancel.hide()
        self.download_bar.hide()
        self.job: BackgroundJob | None = None
        self._download_name = ""
        lay.addStretch(1)
        self._current = ""
        self.refresh_datasets()
        self.combo.activated.connect(self._on_combo)

    # --- datasets -------------------------------------------------------------------------------

    def refresh_datasets(self, current: str | None = None) -> None:
        current = current or self._current
        self.combo.blockSignals(True)
        self.combo.clear()
        self._remote: set[str] = set()  # downloadable, not downloaded yet
        for info in available_datasets():
            counts = f" — {info.n_train} train / {info.n_test} test" if info.n_train else ""
            self.combo.addItem(f"{info.name} ({info.kind})", info.name)
            i = self.combo.count() - 1
            self.combo.setItemData(i, f"{info.description}{counts}", Qt.ItemDataRole.ToolTipRole)
            if info.kind == "missing":
                self.combo.model().item(i).setEnabled(False)
            elif info.kind == "not downloaded":
                self.combo.setItemData(i, f"{info.description} — choose it to download it", Qt.ItemDataRole.ToolTipRole)
                self._remote.add(info.name)
        if current and self.combo.findData(current) < 0:
            self.combo.addItem(current, current)
        self.combo.setCurrentIndex(max(self.combo.findData(current), 0))
        self.combo.blockSignals(False)

    def set_dataset(self, name: str, dataset) -> None:
        """Show ``dataset`` (loaded by the window) as the current one."""
        self._current = name
        self.refresh_datasets(name)
        shape = shape_text(dataset.x_train.shape[1:])
        names = ", ".join(dataset.classes[:20]) + (", …" if len(dataset.classes) > 20 else "")
        self.info.setText(f"<b>{dataset.name}</b>: {len(dataset.x_train)} train / {len(dataset.x_test)} test, "
                          f"{shape}, {len(dataset.classes)} classes: {names}")
        self._hide_download()

    def _on_combo(self, index: int) -> None:
        name = self.combo.itemData(index)
        if name in self._remote:
            self._offer_download(name)
        elif name and name != self._current:
            self.sigDatasetChosen.emit(name)

    # --- downloads --------------------------------------------------------------------------------

    def _offer_download(self, name: str) -> None:
        remote = remote_dataset(name)
        mb = sum(f.size for f in remote.files) / 1e6
        self._download_name = name
        self.download_note.setText(f"<b>{remote.title}</b> is not downloaded yet: {mb:.0f} MB from "
                                   f"{remote.mirror()}, checked by md5, into {remote.folder()}. {remote.credit}")
        self.download_button.setText(f"Download {name} ({mb:.0f} MB)")
        self.download_box.show()
        self.download_button.setEnabled(True)

    def _hide_download(self) -> None:
        if self.job is None:
            self.download_box.hide()

    def download(self, name: str | None = None) -> None:
        """Download ``name`` (default: the one offered) off the GUI thread, then train on it."""
        name = name or self._download_name
        if self.job is not None or not name:
            return
        remote = remote_dataset(name)
        total = sum(f.size for f in remote.files)
        sizes = {f.name: f.size for f in remote.files}
        order = [f.name for f in remote.files]

        def work(progress, stop):
            def report(file_name, done, _total):
                if stop():
                    raise DownloadCancelledError
                before = sum(sizes[n] for n in order[:order.index(file_name)]) if file_name in order else 0
                progress((before + done) // 1024, total // 1024)
            return download(name, progress=report)

        self.job = BackgroundJob(work, self)
        self.job.sigProgress.connect(lambda done, tot: (self.download_bar.setMaximum(tot),
                                                        self.download_bar.setValue(done)))
        self.job.sigDone.connect(lambda _folder: self._downloaded(name))
        self.job.sigFailed.connect(self._download_failed)
        self.job.finished.connect(self._download_ended)
        self.download_button.setEnabled(False)
        self.download_cancel.show()
        self.download_bar.setValue(0)
        self.download_bar.show()
        self.job.start()

    def _download_ended(self) -> None:
        self.job = None
        self.download_cancel.hide()
        self.download_bar.hide()
        self.download_button.setEnabled(True)

    def _downloaded(self, name: str) -> None:
        self.download_note.setText(f"{name} is downloaded.")
        self.download_box.hide()
        self.refresh_datasets()
        self.sigDatasetChosen.emit(name)

    def _download_failed(self, message: str) -> None:
        text = ("Cancelled; what arrived is kept, and the next download goes on from there." if message == CANCELLED
                else f"The download failed: {message}")
        self.download_note.setText(text)
        self.refresh_datasets()

    def _open_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Open a dataset folder")
        if path:
            self.sigDatasetChosen.emit(path)

    def _open_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open a dataset file", "", "Keras-layout arrays (*.npz)")
        if path:
            self.sigDatasetChosen.emit(path)

