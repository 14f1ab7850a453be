"""The datasets Backstep can download: their files, checksums, mirrors and class names.

The md5s and sizes are those of the files the standard MNIST and Fashion-MNIST mirrors serve.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from core.errors import DataError
from core.paths import user_cache_dir

MNIST_CLASSES = tuple(str(d) for d in range(10))
FASHION_MNIST_CLASSES = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)  # fmt: skip


@dataclass(frozen=True)
class RemoteFile:
    """One file of a downloadable dataset: its name on the mirror, md5 and size in bytes."""

    name: str
    md5: str
    size: int


@dataclass(frozen=True)
class RemoteDataset:
    """A downloadable dataset: four IDX files fetched from ``mirror() + file.name``."""

    name: str
    title: str
    mirror_env: str
    default_mirror: str
    files: tuple[RemoteFile, ...]
    classes: tuple[str, ...]
    credit: str

    def mirror(self, override: str | None = None) -> str:
        """Base URL, ending in ``/``: ``override``, else ``$<mirror_env>``, else the default."""
        base = override or os.environ.get(self.mirror_env, "").strip() or self.default_mirror
        return base if base.endswith("/") else base + "/"

    def folder(self, cache_dir=None) -> Path:
        """Where the files live once downloaded: ``<cache_dir>/datasets/<name>/``.

        ``cache_dir`` defaults to :func:`core.paths.user_cache_dir`.
        """
        return Path(cache_dir if cache_dir is not None else user_cache_dir()) / "datasets" / self.name

    def is_downloaded(self, cache_dir=None) -> bool:
        folder = self.folder(cache_dir)
        return all((folder / f.name).is_file() for f in self.files)


REMOTE_DATASETS: dict[str, RemoteDataset] = {
    "mnist": RemoteDataset(
        name="mnist",
        title="MNIST handwritten digits",
        mirror_env="BACKSTEP_MNIST_MIRROR",
        default_mirror="https://ossci-datasets.s3.amazonaws.com/mnist/",
        files=(
            RemoteFile("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873", 9912422),
            RemoteFile("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432", 28881),
            RemoteFile("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3", 1648877),
            RemoteFile("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c", 4542),
        ),
        classes=MNIST_CLASSES,
        credit="Yann LeCun, Corinna Cortes, Christopher J.C. Burges (CC BY-SA 3.0)",
    ),
    "fashion-mnist": RemoteDataset(
        name="fashion-mnist",
        title="Fashion-MNIST clothing images",
        mirror_env="BACKSTEP_FASHION_MNIST_MIRROR",
        default_mirror="http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
        files=(
            RemoteFile("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d", 26421880),
            RemoteFile("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe", 29515),
            RemoteFile("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79", 4422102),
            RemoteFile("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310", 5148),
        ),
        classes=FASHION_MNIST_CLASSES,
        credit="Zalando Research (MIT)",
    ),
}


def remote_dataset(name: str) -> RemoteDataset:
    """The downloadable dataset called ``name`` (case-insensitive); DataError listing the names."""
    remote = REMOTE_DATASETS.get(name.strip().lower())
    if remote is None:
        raise DataError(
            f"cannot download {name!r}: downloadable datasets are {', '.join(REMOTE_DATASETS)}"
        )
    return remote
