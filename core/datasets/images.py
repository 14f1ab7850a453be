"""Folders of images, one sub-folder per class.

Two layouts::

    digits/                      digits/
      cat/ a.png b.png ...         train/ cat/ ... dog/ ...
      dog/ ...                     test/  cat/ ... dog/ ...

Class names are the sorted sub-folder names (of ``train/`` in the second layout). Without
``train/`` and ``test/``, each class is split 80/20 by a fixed seeded shuffle, so the same folder
always gives the same split. Images are read with Pillow as 8-bit grayscale and must all have the
same size: Backstep shows you pixels, so it does not resample them behind your back.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from core.datasets.dataset import Dataset, make_dataset
from core.errors import DataError
from core.memory import check_fits

IMAGE_SUFFIXES = frozenset(
    {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".pgm", ".pbm", ".ppm", ".pnm"}
)
TEST_FRACTION = 0.2
SPLIT_SEED = 0


def class_folders(folder) -> list[Path]:
    """Sub-folders of ``folder`` sorted by name, hidden ones (``.name``) left out."""
    try:
        entries = list(Path(folder).iterdir())
    except OSError as e:
        raise DataError(f"{folder}: cannot list: {e.strerror or e}") from None
    return sorted((p for p in entries if p.is_dir() and not p.name.startswith(".")), key=lambda p: p.name)


def image_files(folder) -> list[Path]:
    """Image files directly in ``folder`` (by suffix, case-insensitive), sorted by name."""
    try:
        entries = list(Path(folder).iterdir())
    except OSError as e:
        raise DataError(f"{folder}: cannot list: {e.strerror or e}") from None
    return sorted(
        (p for p in entries
         if p.is_file() and not p.name.startswith(".") and p.suffix.lower() in IMAGE_SUFFIXES),
        key=lambda p: p.name,
    )


def load_image_folder(folder, name=None, seed: int = SPLIT_SEED,
                      test_fraction: float = TEST_FRACTION) -> Dataset:
    """Load a folder of class sub-folders of images as a :class:`Dataset`.

    Returns:
        Images ``float32 (N, 1, H, W)`` (grayscale / 255), labels by sorted sub-folder name.

    Raises:
        DataError: naming the folder or file: no class sub-folders, a class without images, an
            unreadable image, or the first image whose size differs from the first one read.
    """
    folder = Path(folder)
    subfolders = {p.name: p for p in class_folders(folder)}
    has_train, has_test = "train" in subfolders, "test" in subfolders
    if has_train != has_test:
        present, absent = ("train", "test") if has_train else ("test", "train")
        raise DataError(f"{folder}: has a {present}/ sub-folder but no {absent}/ one")

    if has_train:
        classes = [p.name for p in class_folders(subfolders["train"])]
        if not classes:
            raise DataError(f"{subfolders['train']}: no class sub-folders")
        train_files, y_train = _listing(subfolders["train"], classes, require_all=True)
        test_classes = [p.name for p in class_folders(subfolders["test"])]
        unknown = [c for c in test_classes if c not in classes]
        if unknown:
            raise DataError(
                f"{subfolders['test']}: class folder(s) {', '.join(unknown)} not in "
                f"{subfolders['train']}"
            )
        test_files, y_test = _listing(subfolders["test"], classes, require_all=False)
        if not test_files:
            raise DataError(f"{subfolders['test']}: no images in its class sub-folders")
        pixels = _read_images(train_files + test_files)
        x_train, x_test = pixels[: len(train_files)], pixels[len(train_files):]
        rng = np.random.default_rng(seed)
    else:
        classes = list(subfolders)
        if not classes:
            raise DataError(
                f"{folder}: no class sub-folders (expected one sub-folder of images per class, "
                "or IDX files)"
            )
        files, labels = _listing(folder, classes, require_all=True)
        pixels = _read_images(files)
        rng = np.random.default_rng(seed)
        test_mask = _stratified_test_mask(labels, len(classes), test_fraction, rng)
        if test_mask.all() or not test_mask.any():
            raise DataError(
                f"{folder}: too few images ({len(files)}) to split into train and test; "
                "add images or use train/ and test/ sub-folders"
            )
        x_train, y_train = pixels[~test_mask], labels[~test_mask]
        x_test, y_test = pixels[test_mask], labels[test_mask]

    # Class-grouped order would make the first batches single-class; shuffle, deterministically.
    order_train, order_test = rng.permutation(len(y_train)), rng.permutation(len(y_test))
    return make_dataset(
        name or folder.name,
        x_train[order_train], y_train[order_train], x_test[order_test], y_test[order_test],
        classes, str(folder),
    )


def _listing(folder: Path, classes: list[str], require_all: bool) -> tuple[list[Path], np.ndarray]:
    """Image files of each class folder under ``folder`` and their labels ``int64 (N,)``."""
    files: list[Path] = []
    labels: list[int] = []
    for k, cls in enumerate(classes):
        class_dir = folder / cls
        if not class_dir.is_dir():
            continue  # only possible in test/, which may lack a class
        found = image_files(class_dir)
        if not found and require_all:
            raise DataError(
                f"{class_dir}: no images (looked for {', '.join(sorted(IMAGE_SUFFIXES))})"
            )
        files += found
        labels += [k] * len(found)
    return files, np.asarray(labels, dtype=np.int64)


def _read_images(files: list[Path]) -> np.ndarray:
    """Read ``files`` as 8-bit grayscale, ``uint8 (N, H, W)``, all the size of the first.

    Sizes come from each file's header (Pillow opens lazily) before it is decoded: the first
    one's size times the number of files must fit in memory as the float32 images they become,
    and a file of another size is refused undecoded, so the decoded total is known in advance.
    """
    import warnings

    from PIL import Image  # imported here: only image folders need Pillow

    out = None
    for i, path in enumerate(files):
        try:
            with warnings.catch_warnings():
                # (a huge image is refused below by its size; Pillow's own bomb warning would print)
                warnings.simplefilter("ignore", Image.DecompressionBombWarning)
                im_cm = Image.open(path)
            with im_cm as im:
                w, h = im.size
                if out is None:
                    _check_decoded_size(files, path, w, h)
                elif (w, h) != (out.shape[2], out.shape[1]):
                    raise DataError(
                        f"{path}: {w}x{h} pixels, but {files[0]} is {out.shape[2]}x{out.shape[1]}; "
                        "all images must have the same size"
                    )
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", Image.DecompressionBombWarning)
                    pixels = np.asarray(im.convert("L"), dtype=np.uint8)
        except DataError:
            raise
        except Exception as e:  # noqa: BLE001 - Pillow raises many types for a bad file; all mean "unreadable"
            raise DataError(f"{path}: cannot read as an image: {e}") from None
        if pixels.shape != (h, w):
            raise DataError(f"{path}: decoded to {pixels.shape}, its header says {w}x{h}")
        if out is None:
            out = np.empty((len(files), h, w), np.uint8)
        out[i] = pixels
    return out if out is not None else np.empty((0, 0, 0), np.uint8)


def _check_decoded_size(files: list[Path], first: Path, w: int, h: int) -> None:
    """DataError before decoding anything if N images of w x h pixels would not fit in memory
    (as 8-bit pixels, their float32 copy, and one image decoded in colour)."""
    n = len(files)
    need = n * w * h * (1 + 4) + w * h * 4 * 2
    check_fits(need, f"{first.parent.parent}: {n} images of {w}x{h} pixels (from {first.name})", DataError,
               hint="use smaller or fewer images")


def _stratified_test_mask(labels: np.ndarray, n_classes: int, fraction: float, rng) -> np.ndarray:
    """Boolean ``(N,)``: which samples go to test, ``round(fraction * n)`` of each class's ``n``.

    A class with at least two images keeps at least one on each side.
    """
    mask = np.zeros(len(labels), bool)
    for k in range(n_classes):
        idx = np.flatnonzero(labels == k)
        n = len(idx)
        n_test = min(max(round(fraction * n), 1), n - 1) if n >= 2 else 0
        mask[rng.permutation(idx)[:n_test]] = True
    return mask
