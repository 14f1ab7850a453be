"""Keras-layout ``.npz`` datasets: ``x_train, y_train, x_test, y_test`` (+ optional ``classes``).

Loaded with ``allow_pickle=False``: an archive holding Python objects is refused, because
unpickling a file can run code from it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from core.array_files import ZIP_MAGICS, inspect_npz, read_npz
from core.datasets.dataset import Dataset, make_dataset
from core.errors import DataError
from core.files import kind_of
from core.memory import check_fits

REQUIRED_KEYS = ("x_train", "y_train", "x_test", "y_test")


def is_npz_file(path) -> bool:
    """Whether ``path`` is a regular file starting like a zip archive (what an ``.npz`` is)."""
    if kind_of(path) != "file":  # (never open a FIFO or a device to look)
        return False
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

    Headers are read first (core.array_files): a missing key, an object array, a truncated
    member, a zip bomb, or images whose float32 copy would not fit in memory are refused before
    anything is allocated.

    Returns:
        ``{key: array}``, optional keys only when present.
    """
    path = Path(path)
    infos = inspect_npz(path, DataError)
    missing = [k for k in keys if k not in infos]
    if missing:
        found = ", ".join(sorted(infos)) or "nothing"
        raise DataError(
            f"{path}: missing key{'s' if len(missing) > 1 else ''} "
            f"{', '.join(missing)} (found: {found})"
        )
    wanted = [*keys, *(k for k in optional if k in infos)]
    # the arrays as stored, and the float32 images made from them (4 bytes per value)
    need = sum(infos[k].nbytes + (4 * infos[k].size if k.startswith("x_") or k == "images" else 0) for k in wanted)
    check_fits(need, f"{path}: the dataset", DataError, hint="use a smaller dataset")
    return read_npz(path, DataError, wanted, share=1.0)
