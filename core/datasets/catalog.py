"""Finding datasets by name or path: :func:`load_dataset` and :func:`available_datasets`.

Names, in the order they are tried:

1. a known name: ``mnist-5k`` (built-in), ``mnist`` and ``fashion-mnist`` (downloaded into the
   cache), ``shapes`` (synthetic) — a path that happens to share one of these names needs ``./``;
2. an existing path: a folder of IDX files, a folder of class sub-folders of images, or an
   ``.npz`` (Keras layout);
3. an entry of the user's own datasets folder, ``<user data dir>/datasets/<name>[.npz]``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from core.datasets.builtin import MNIST5K_PATH, load_mnist5k, mnist5k_counts
from core.datasets.dataset import Dataset
from core.datasets.idx import find_idx_files, is_idx_folder, load_idx_folder, read_idx_count
from core.datasets.images import load_image_folder
from core.datasets.npz import is_npz_file, load_npz
from core.datasets.remote import REMOTE_DATASETS
from core.datasets.shapes import make_shapes
from core.errors import DataError
from core.files import expand_user, kind_of, regular_file
from core.paths import user_data_dir

BUILTIN_NAME = "mnist-5k"
SHAPES_NAME = "shapes"
SHAPES_COUNTS = (3000, 600)

#: Every name :func:`load_dataset` knows, with a one-line description.
KNOWN_DATASETS = {
    BUILTIN_NAME: "5000 real MNIST digits shipped with Backstep (4000 train / 1000 test)",
    "mnist": "MNIST handwritten digits, 60000 / 10000 (python main.py download mnist)",
    "fashion-mnist": "Fashion-MNIST clothing, 60000 / 10000 (python main.py download fashion-mnist)",
    SHAPES_NAME: "synthetic bars and edges in 6 orientations, 3000 / 600",
}


@dataclass(frozen=True)
class DatasetInfo:
    """One line of ``python main.py datasets``.

    ``kind``: ``"built-in"``, ``"synthetic"``, ``"downloaded"``, ``"not downloaded"``,
    ``"on disk"`` (in the user's datasets folder, ``<user data dir>/datasets/``) or ``"missing"``
    (the built-in file is absent: a broken install). ``n_train``/``n_test`` are ``None`` when
    counting would mean loading the data.
    """

    name: str
    kind: str
    path: Path | None
    n_train: int | None
    n_test: int | None
    description: str = ""


def load_dataset(name_or_path: str, cache_dir=None, data_dir=None) -> Dataset:
    """Load a dataset by name or path (see the module docstring for the order).

    Args:
        name_or_path: ``mnist-5k``, ``mnist``, ``fashion-mnist``, ``shapes``, or a path.
        cache_dir: base cache folder for downloaded datasets (default ``user_cache_dir()``).
        data_dir: base user data folder (default ``user_data_dir()``); its ``datasets/`` is searched.

    Returns:
        A validated :class:`Dataset` (images ``float32 (N, C, H, W)`` in ``[0, 1]``).

    Raises:
        DataError: unknown name (listing the known ones), a known dataset not downloaded (saying how
            to download it), or anything wrong with the files (naming the file).
    """
    key = str(name_or_path).strip()
    lowered = key.lower()
    if lowered == BUILTIN_NAME:
        return load_mnist5k()
    if lowered == SHAPES_NAME:
        return _default_shapes()
    if lowered in REMOTE_DATASETS:
        return _load_downloaded(lowered, cache_dir)

    path = expand_user(key, DataError) if key else Path(key)
    if key and kind_of(path) != "missing":
        return load_path(path)
    user_folder = Path(data_dir if data_dir is not None else user_data_dir()) / "datasets"
    if key and Path(key).name == key:  # a bare name, not a path
        for candidate in (user_folder / key, user_folder / f"{key}.npz"):
            if kind_of(candidate) != "missing":
                return load_path(candidate)
    if key and Path(key).name != key or key.lower().endswith(".npz"):
        raise DataError(
            f"{key}: no such file or folder (a dataset is one of {', '.join(KNOWN_DATASETS)}, "
            "or a path)"
        )
    raise DataError(
        f"unknown dataset {key!r}: not one of {', '.join(KNOWN_DATASETS)}, "
        "and no such file or folder"
    )


def load_path(path) -> Dataset:
    """Load a dataset file or folder, choosing the reader from what it contains.

    Only a folder or a regular file is opened: a FIFO, a device or a socket is refused from its
    stat (opening a FIFO blocks until someone writes to it; /dev/zero never ends).
    """
    path = Path(path)
    kind = kind_of(path)
    if kind == "special":
        regular_file(path, DataError, "a dataset")  # raises, saying what it is
    if kind == "folder":
        if is_idx_folder(path):
            return load_idx_folder(path)
        return load_image_folder(path)
    if is_npz_file(path):
        return load_npz(path)
    if not path.is_file():
        raise DataError(f"{path}: no such file or folder")
    raise DataError(
        f"{path}: not a dataset: give an .npz file (x_train, y_train, x_test, y_test), a folder "
        "of IDX files, or a folder of class sub-folders of images"
    )


def available_datasets(cache_dir=None, data_dir=None) -> list[DatasetInfo]:
    """What can be loaded now or after a download, cheaply (no dataset is loaded)."""
    infos = []
    try:
        n_train, n_test = mnist5k_counts()
        kind = "built-in"
    except DataError:
        n_train = n_test = None
        kind = "missing"
    infos.append(DatasetInfo(BUILTIN_NAME, kind, MNIST5K_PATH, n_train, n_test,
                             KNOWN_DATASETS[BUILTIN_NAME]))
    for name, remote in REMOTE_DATASETS.items():
        folder = remote.folder(cache_dir)
        if remote.is_downloaded(cache_dir):
            files = find_idx_files(folder)
            infos.append(DatasetInfo(name, "downloaded", folder,
                                     read_idx_count(files["train_labels"]),
                                     read_idx_count(files["test_labels"]),
                                     KNOWN_DATASETS[name]))
        else:
            infos.append(DatasetInfo(name, "not downloaded", folder, None, None,
                                     KNOWN_DATASETS[name]))
    infos.append(DatasetInfo(SHAPES_NAME, "synthetic", None, *SHAPES_COUNTS,
                             KNOWN_DATASETS[SHAPES_NAME]))

    user_folder = Path(data_dir if data_dir is not None else user_data_dir()) / "datasets"
    try:
        entries = sorted(user_folder.iterdir(), key=lambda p: p.name)
    except OSError:
        entries = []
    for entry in entries:
        if entry.name.startswith("."):
            continue
        if entry.is_dir() or (entry.suffix.lower() == ".npz" and entry.is_file()):
            name = entry.stem if entry.is_file() else entry.name
            infos.append(DatasetInfo(name, "on disk", entry, None, None, ""))
    return infos


@functools.lru_cache(maxsize=1)
def _default_shapes() -> Dataset:
    return make_shapes(*SHAPES_COUNTS)


def _load_downloaded(name: str, cache_dir) -> Dataset:
    remote = REMOTE_DATASETS[name]
    folder = remote.folder(cache_dir)
    missing = [f.name for f in remote.files if not (folder / f.name).is_file()]
    if missing:
        detail = "" if len(missing) == len(remote.files) else f" (missing {', '.join(missing)})"
        raise DataError(
            f"{name} is not downloaded{detail}: run `python main.py download {name}` "
            f"(files go to {folder})"
        )
    return load_idx_folder(folder, name=name, classes=remote.classes)
