"""Keras-layout ``.npz`` datasets: ``x_train, y_train, x_test, y_test`` (+ optional ``classes``).

Loaded with ``allow_pickle=False``: an archive holding Python objects is refused, because
unpickling a file can run code from it.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

from core.datasets.dataset import Dataset, make_dataset
from core.errors import DataError

REQUIRED_KEYS = ("x_train", "y_train", "x_test", "y_test")
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
NPY_MAGIC = b"\x93NUMPY"


def is_npz_file(path) -> bool:
    """Whether ``path`` is a file starting like a zip archive (what an ``.npz`` is)."""
    try:
        with open(path, "rb") as f:
            return f.read(4) in ZIP_MAGICS
    except OSError:
        return False


def load_npz(path, name=None) -> Dataset:
    """Load a Keras-layout ``.npz`` as a :class:`Dataset`.

    Keys: ``x_train``/``x_test`` images ``(N, H, W)`` or ``(N, H, W, C)``, uint8 ``0..255`` or float
    ``[0, 1]``; ``y_train``/``y_test`` integer labels ``(N,)``; optional ``classes``, a string array
    of class names (else ``"0".."K-1"`` for ``K`` distinct labels, which must then be ``0..K-1``).

    Raises:
        DataError: naming the file (and key): not an npz, a key missing, an object array (refused),
            bad shapes, labels out of range.
    """
    path = Path(path)
    arrays = read_npz_arrays(path, REQUIRED_KEYS, optional=("classes",))
    classes = arrays.get("classes")
    if classes is not None:
        if classes.ndim != 1 or classes.dtype.kind not in "US":
            raise DataError(f"{path}: 'classes' must be a 1-d array of strings, not {classes.dtype} {classes.shape}")
        classes = tuple(c.decode("utf-8", "replace") if isinstance(c, bytes) else str(c) for c in classes)
    return make_dataset(
        name or path.stem,
        arrays["x_train"], arrays["y_train"], arrays["x_test"], arrays["y_test"],
        classes, str(path),
        where={key: f"{path}: {key}" for key in REQUIRED_KEYS},
        names_hint="a 'classes' array of strings",
    )


def read_npz_arrays(path, keys, optional=()) -> dict[str, np.ndarray]:
    """Read ``keys`` (all required) and ``optional`` keys from an ``.npz``, without pickle.

    Returns:
        ``{key: array}``, optional keys only when present.
    """
    path = Path(path)
    try:
        with open(path, "rb") as f:
            magic = f.read(6)
    except OSError as e:
        raise DataError(f"{path}: cannot read: {e.strerror or e}") from None
    if magic.startswith(NPY_MAGIC):
        raise DataError(
            f"{path}: a single .npy array; expected an .npz archive with {', '.join(keys)}"
        )
    if magic[:4] not in ZIP_MAGICS:
        raise DataError(f"{path}: not an .npz file (expected a zip archive of arrays)")

    try:
        archive = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as e:
        raise DataError(f"{path}: cannot open as .npz: {e}") from None
    with archive:
        present = set(archive.files)
        missing = [k for k in keys if k not in present]
        if missing:
            found = ", ".join(sorted(present)) or "nothing"
            raise DataError(
                f"{path}: missing key{'s' if len(missing) > 1 else ''} "
                f"{', '.join(missing)} (found: {found})"
            )
        out = {}
        for key in (*keys, *(k for k in optional if k in present)):
            try:
                out[key] = archive[key]
            except ValueError as e:
                if "pickle" in str(e).lower() or "object" in str(e).lower():
                    raise DataError(
                        f"{path}: {key} is an object array (pickled Python objects); refused, "
                        "because loading it could run code: save plain numeric arrays"
                    ) from None
                raise DataError(f"{path}: cannot read {key}: {e}") from None
            except (OSError, EOFError, zipfile.BadZipFile, KeyError) as e:
                raise DataError(f"{path}: cannot read {key}: {e}") from None
    return out
