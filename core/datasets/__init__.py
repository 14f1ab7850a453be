"""Datasets: the built-in MNIST-5k, synthetic shapes, IDX/npz/image-folder readers, downloads.

Every reader returns a :class:`Dataset` (images ``float32 (N, C, H, W)`` in ``[0, 1]``, labels
``int64 (N,)``) and reports bad input as :class:`core.errors.DataError` naming the file.
Numpy (and Pillow for image folders) only; never Qt.
"""

from core.datasets.builtin import load_mnist5k
from core.datasets.catalog import (
    KNOWN_DATASETS,
    DatasetInfo,
    available_datasets,
    load_dataset,
    load_path,
)
from core.datasets.dataset import Dataset, images_to_float, labels_to_int64, make_dataset
from core.datasets.download import download, download_file, file_md5
from core.datasets.idx import load_idx_folder, read_idx, write_idx
from core.datasets.images import load_image_folder
from core.datasets.npz import load_npz
from core.datasets.remote import (
    FASHION_MNIST_CLASSES,
    MNIST_CLASSES,
    REMOTE_DATASETS,
    remote_dataset,
)
from core.datasets.shapes import SHAPES_CLASSES, make_shapes

__all__ = [
    "Dataset", "DatasetInfo", "KNOWN_DATASETS", "REMOTE_DATASETS",
    "MNIST_CLASSES", "FASHION_MNIST_CLASSES", "SHAPES_CLASSES",
    "load_dataset", "load_path", "available_datasets", "download", "download_file", "file_md5",
    "read_idx", "write_idx", "load_idx_folder", "load_npz", "load_image_folder", "load_mnist5k",
    "make_shapes", "make_dataset", "images_to_float", "labels_to_int64", "remote_dataset",
]
