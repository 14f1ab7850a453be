"""Weights as ``.safetensors``: a JSON header and raw little-endian arrays, nothing executable.

The format of Hugging Face's ``safetensors`` package (read and written with it): one tensor per
weights-file key (``conv1.weight`` …), shapes and dtypes kept exactly, so a file round-trips bit
for bit. Like the .npz reader, nothing here can run code.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from core.errors import WeightsError
from core.files import regular_file

SUFFIX = ".safetensors"


def _numpy_api():
    try:
        from safetensors import numpy as st
    except ImportError:
        raise WeightsError("reading or writing .safetensors needs the safetensors package "
                           "(pip install safetensors)") from None
    return st


def read_safetensors(path: str | Path) -> dict[str, np.ndarray]:
    """Every array of a .safetensors file; WeightsError naming the file if it is missing or bad."""
    path = regular_file(path, WeightsError, "a .safetensors weights file")
    st = _numpy_api()
    try:
        return dict(st.load_file(str(path)))
    except Exception as exc:  # noqa: BLE001 - the Rust reader raises its own SafetensorError for a corrupt file
        raise WeightsError(f"{path}: not a valid .safetensors file: {exc}") from None


def safetensors_shapes(path: str | Path) -> dict[str, tuple]:
    """key -> shape of every array, from the file's JSON header alone (nothing is allocated)."""
    path = regular_file(path, WeightsError, "a .safetensors weights file")
    _numpy_api()  # (without the package: the message that says to install it)
    from safetensors import safe_open

    try:
        with safe_open(str(path), framework="np") as f:
            return {k: tuple(f.get_slice(k).get_shape()) for k in f.keys()}
    except Exception as exc:  # noqa: BLE001 - the Rust reader raises its own SafetensorError
        raise WeightsError(f"{path}: not a valid .safetensors file: {exc}") from None


def safetensors_bytes(arrays: dict[str, np.ndarray], metadata: dict[str, str] | None = None) -> bytes:
    """The file's bytes for ``arrays`` (C-contiguous copies where needed), with string ``metadata``."""
    st = _numpy_api()
    return st.save({k: np.ascontiguousarray(v) for k, v in arrays.items()}, metadata=metadata)
