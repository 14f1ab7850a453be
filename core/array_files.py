""".npy and .npz files read without trusting them: headers first, then only what fits.

Before a single array is allocated, every member's header is read (numpy.lib.format: magic,
shape, dtype — a few hundred bytes) and checked:

* the file is what it claims by its first bytes (a zip archive of .npy members, or one .npy),
  so a text or random file is "not a .npz file", not numpy's advice about pickles;
* no member holds Python objects (``allow_pickle=False`` always; object dtypes are refused);
* the data a header declares is really there: a tiny file declaring 10¹² elements is truncated,
  not a 8 TB allocation;
* a compressed member does not inflate more than :data:`MAX_RATIO` times (a zip bomb: a megabyte
  that inflates to a gigabyte of zeros), and everything asked for fits in the memory available
  (core.memory).

Every error is one line naming the file and the key, in the caller's BackstepError class.
"""

from __future__ import annotations

import math
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.errors import BackstepError, DataError
from core.files import regular_file
from core.memory import check_fits, format_bytes

ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
NPY_MAGIC = b"\x93NUMPY"
MAX_RATIO = 100  # a compressed member may inflate to at most 100x its stored size ...
RATIO_FLOOR = 32 * 2**20  # ... once it is larger than 32 MB (small all-zero arrays compress 1000:1)
MAX_MEMBERS = 100_000
MAX_HEADER = 10_000  # bytes of an .npy header, numpy's own default limit
_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, zlib.error, NotImplementedError,
               RuntimeError, ValueError, KeyError)


@dataclass(frozen=True)
class ArrayInfo:
    """One array as its header declares it."""

    key: str
    shape: tuple[int, ...]
    dtype: np.dtype
    stored: int  # bytes in the file (compressed, for a compressed member)
    inflated: int  # bytes once decompressed (header included)

    @property
    def size(self) -> int:
        return math.prod(self.shape)

    @property
    def nbytes(self) -> int:
        return self.size * self.dtype.itemsize


def file_kind(path: Path, error: type[BackstepError]) -> str:
    """"npz", "npy" or "other" from the first bytes of a regular file."""
    try:
        with open(path, "rb") as f:
            head = f.read(6)
    except OSError as exc:
        raise error(f"{path}: cannot read: {exc.strerror or exc}") from None
    if head[:4] in ZIP_MAGICS:
        return "npz"
    if head.startswith(NPY_MAGIC):
        return "npy"
    return "other"


def _read_header(f, where: str, error) -> tuple[tuple[int, ...], np.dtype, int]:
    """(shape, dtype, header length) of the .npy stream ``f``; ``error`` naming ``where`` if it is not one."""
    fmt = np.lib.format
    try:
        magic = f.read(len(NPY_MAGIC))
        if magic != NPY_MAGIC:
            raise error(f"{where}: not a .npy array (it does not start with numpy's header)")
        f.seek(0)
        version = fmt.read_magic(f)
        if version == (1, 0):
            shape, _, dtype = fmt.read_array_header_1_0(f, max_header_size=MAX_HEADER)
        elif version == (2, 0):
            shape, _, dtype = fmt.read_array_header_2_0(f, max_header_size=MAX_HEADER)
        else:
            raise error(f"{where}: .npy format version {version[0]}.{version[1]} is not supported")
        offset = f.tell()
    except BackstepError:
        raise
    except Exception as exc:  # noqa: BLE001 - numpy parses the header with ast and tokenize: SyntaxError, TokenError, ...
        raise error(f"{where}: not a valid .npy header: {_short(exc)}") from None
    if dtype.hasobject:
        raise error(f"{where}: holds Python objects (an object array, dtype {dtype}), which Backstep never "
                    "loads, because loading them could run code: save plain numeric arrays")
    if any(not isinstance(d, int) or d < 0 for d in shape):
        raise error(f"{where}: the header declares an impossible shape {shape}")
    return tuple(int(d) for d in shape), dtype, offset


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 200 else text[:200] + "…"


def inspect_npz(path, error: type[BackstepError] = DataError) -> dict[str, ArrayInfo]:
    """Every member of an .npz as its header declares it; nothing but headers is read."""
    path = regular_file(path, error)
    kind = file_kind(path, error)
    if kind == "npy":
        raise error(f"{path}: a single .npy array, expected an .npz archive of named arrays")
    if kind != "npz":
        raise error(f"{path}: not an .npz file (it does not start like a zip archive of arrays); "
                    "give a file written by numpy.savez or by Backstep")
    infos: dict[str, ArrayInfo] = {}
    try:
        with zipfile.ZipFile(path) as z:
            members = z.infolist()
            if len(members) > MAX_MEMBERS:
                raise error(f"{path}: {len(members)} members, more than an array file can sensibly hold")
            for m in members:
                if m.is_dir():
                    continue
                key = m.filename[:-4] if m.filename.endswith(".npy") else m.filename
                where = f"{path}: {key}"
                with z.open(m) as f:
                    shape, dtype, offset = _read_header(f, where, error)
                info = ArrayInfo(key, shape, dtype, m.compress_size, m.file_size)
                _check_member(info, offset, m.compress_type != zipfile.ZIP_STORED, where, error)
                infos[key] = info
    except BackstepError:
        raise
    except _ZIP_ERRORS as exc:
        raise error(f"{path}: cannot open as .npz: {_short(exc)}") from None
    return infos


def _check_member(info: ArrayInfo, offset: int, compressed: bool, where: str, error) -> None:
    data = info.inflated - offset
    if data < info.nbytes:
        raise error(f"{where}: truncated or corrupt: the header declares {_shape_text(info.shape)} {info.dtype} "
                    f"({format_bytes(info.nbytes)}), the file holds {format_bytes(max(data, 0))}")
    if compressed and info.inflated > RATIO_FLOOR and info.inflated > MAX_RATIO * max(info.stored, 1):
        raise error(f"{where}: {format_bytes(info.stored)} that would inflate to {format_bytes(info.inflated)} "
                    f"({info.inflated // max(info.stored, 1)}:1), which looks like a zip bomb; refused "
                    "(if the data is real, save it uncompressed with numpy.savez)")


def _shape_text(shape) -> str:
    return "x".join(map(str, shape)) if shape else "a scalar"


def read_npz(path, error: type[BackstepError] = DataError, keys=None, *, share: float = 0.5,
             what: str = "") -> dict[str, np.ndarray]:
    """The arrays of an .npz (``keys`` only, if given), after :func:`inspect_npz` and a memory check.

    ``share`` of the available memory may be taken by the arrays read.
    """
    path = Path(path)
    infos = inspect_npz(path, error)
    wanted = [k for k in (infos if keys is None else keys) if k in infos]
    check_fits(sum(infos[k].nbytes for k in wanted), f"{path}{' (' + what + ')' if what else ''}",
               error, share=share)
    out = {}
    try:
        with np.load(path, allow_pickle=False) as z:
            for k in wanted:
                out[k] = z[k]
    except _ZIP_ERRORS as exc:
        raise error(f"{path}: cannot read {k}: {_short(exc)}") from None
    for k, a in out.items():
        if not isinstance(a, np.ndarray):
            raise error(f"{path}: {k} is not a .npy array")
    return out


def read_npy(path, error: type[BackstepError] = DataError, what: str = "", *, share: float = 0.5) -> np.ndarray:
    """One .npy array, its header checked against the file's size and the memory available."""
    path = regular_file(path, error, what)
    detail = f" ({what})" if what else ""
    kind = file_kind(path, error)
    if kind == "npz":
        raise error(f"{path}: an .npz archive, expected one .npy array{detail}")
    if kind != "npy":
        raise error(f"{path}: not a .npy file (it does not start with numpy's header){detail}; "
                    "give an array saved with numpy.save")
    try:
        with open(path, "rb") as f:
            shape, dtype, offset = _read_header(f, f"{path}{detail}", error)
            size = path.stat().st_size
    except OSError as exc:
        raise error(f"{path}: cannot read: {exc.strerror or exc}{detail}") from None
    info = ArrayInfo(path.name, shape, dtype, size, size)
    _check_member(info, offset, False, f"{path}{detail}", error)
    check_fits(info.nbytes, f"{path}{detail}", error, share=share)
    try:
        return np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        raise error(f"{path}: cannot read the array{detail}: {_short(exc)}") from None

