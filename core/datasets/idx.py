"""IDX files (the MNIST format) and folders of them.

An IDX file is a 4-byte magic number ``00 00 <type> <ndim>``, then ``ndim`` big-endian uint32
dimensions, then the values, big-endian, row-major. MNIST ships them gzip-compressed; whether a
file is compressed is decided by its first bytes, not by its name.
"""

from __future__ import annotations

import gzip
import hashlib
import math
import zlib
from pathlib import Path

import numpy as np

from core.array_files import MAX_RATIO, RATIO_FLOOR
from core.datasets.dataset import Dataset, make_dataset
from core.errors import DataError
from core.files import file_size, kind_of, regular_file
from core.memory import check_fits, format_bytes

#: IDX type byte -> big-endian numpy dtype.
IDX_TYPES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_TYPE_OF_KIND = {(d.kind, d.itemsize): code for code, d in IDX_TYPES.items()}

GZIP_MAGIC = b"\x1f\x8b"
CHUNK = 1 << 20  # bytes decompressed at a time

#: The four files of a dataset folder, by role; each may also end in ``.gz``.
IDX_FILE_NAMES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}


def read_idx(path) -> np.ndarray:
    """Read one IDX file, raw or gzip-compressed, streaming: never more than its header declares.

    The header (4 + 4·ndim bytes) is read first; the size it declares is checked against the
    file (raw), against MAX_RATIO times the compressed size (gzip: a 1000:1 "bomb" is refused)
    and against the memory available, before the buffer is allocated; then exactly that many
    bytes are decompressed into it, and one more byte is asked for to catch trailing data.

    Returns:
        The array with the file's dimensions, e.g. ``uint8 (60000, 28, 28)`` for MNIST images or
        ``uint8 (60000,)`` for labels, in native byte order.

    Raises:
        DataError: naming the file, if it is unreadable, not gzip/IDX (wrong magic), of an unknown
            type, shorter/longer than its header says, or too large.
    """
    path = Path(path)
    kind = kind_of(path)
    if kind != "file":
        if kind == "missing":
            raise DataError(f"{path}: cannot read: no such file")
        regular_file(path, DataError, "an IDX file")
    stored = file_size(path)
    try:
        with open(path, "rb") as raw:
            compressed = raw.read(2) == GZIP_MAGIC
            raw.seek(0)
            stream = gzip.GzipFile(fileobj=raw) if compressed else raw
            dims, dtype, header = _read_header(stream, path)
            expected = math.prod(dims) * dtype.itemsize
            _check_declared(path, dims, expected, header, stored, compressed)
            data = _read_exactly(stream, expected, path, dims)
            extra = len(stream.read(1 << 20)) if compressed else stored - header - expected
    except EOFError:
        raise DataError(f"{path}: truncated gzip data (the download may be incomplete)") from None
    except (OSError, zlib.error) as e:  # gzip.BadGzipFile is an OSError
        if compressed:
            raise DataError(f"{path}: corrupt gzip data: {e}") from None
        raise DataError(f"{path}: cannot read: {e.strerror or e}") from None
    if extra > 0:
        raise DataError(
            f"{path}: {extra}{'+' if compressed and extra >= 1 << 20 else ''} unexpected bytes after the "
            f"{_dims_text(dims)} values the header declares"
        )
    array = np.frombuffer(data, dtype).reshape(dims)
    return array.astype(dtype.newbyteorder("="))


def _read_header(stream, path: Path) -> tuple[tuple[int, ...], np.dtype, int]:
    head = stream.read(4)
    if len(head) < 4:
        raise DataError(f"{path}: too short for an IDX file ({len(head)} bytes)")
    zero, type_code, ndim = head[:2], head[2], head[3]
    if zero != b"\0\0":
        raise DataError(
            f"{path}: not an IDX file (magic number 0x{head[:4].hex()}; expected 0x0000 "
            "followed by a type byte and the number of dimensions)"
        )
    if type_code not in IDX_TYPES:
        raise DataError(f"{path}: unknown IDX data type 0x{type_code:02x}")
    if ndim == 0:
        raise DataError(f"{path}: IDX header declares 0 dimensions")
    header = 4 + 4 * ndim
    rest = stream.read(4 * ndim)
    if len(rest) < 4 * ndim:
        raise DataError(f"{path}: truncated IDX header ({4 + len(rest)} of {header} bytes)")
    dims = tuple(int(d) for d in np.frombuffer(rest, ">u4", ndim))
    return dims, IDX_TYPES[type_code], header


def _check_declared(path: Path, dims, expected: int, header: int, stored: int, compressed: bool) -> None:
    if not compressed and stored - header < expected:
        raise DataError(
            f"{path}: truncated: the header declares {_dims_text(dims)} values "
            f"({expected} bytes) but the file holds {stored - header} bytes of data"
        )
    if compressed and expected > RATIO_FLOOR and expected > MAX_RATIO * max(stored, 1):
        raise DataError(
            f"{path}: {format_bytes(stored)} of gzip whose header declares {_dims_text(dims)} values "
            f"({format_bytes(expected)}, {expected // max(stored, 1)}:1), which looks like a gzip bomb; refused"
        )
    # the raw values, and the float32 images made from them
    check_fits(expected + 4 * math.prod(dims), f"{path} ({_dims_text(dims)} values)", DataError,
               hint="use a smaller dataset")


def _read_exactly(stream, n: int, path: Path, dims) -> bytearray:
    buf = bytearray(n)
    view, pos = memoryview(buf), 0
    while pos < n:
        got = stream.readinto(view[pos:pos + CHUNK])
        if not got:
            raise DataError(
                f"{path}: truncated: the header declares {_dims_text(dims)} values "
                f"({n} bytes) but the file holds {pos} bytes of data"
            )
        pos += got
    return buf


def write_idx(path, array, compress: bool = False) -> Path:
    """Write ``array`` as an IDX file (gzip-compressed if ``compress``); returns ``path``.

    Supported dtypes: uint8, int8, int16, int32, float32, float64 (the IDX types).
    """
    array = np.asarray(array)
    code = _TYPE_OF_KIND.get((array.dtype.kind, array.dtype.itemsize))
    if code is None or array.ndim == 0 or array.ndim > 255:
        raise ValueError(f"IDX cannot hold a {array.ndim}-d {array.dtype} array")
    header = bytes([0, 0, code, array.ndim]) + np.asarray(array.shape, ">u4").tobytes()
    payload = header + np.ascontiguousarray(array, IDX_TYPES[code]).tobytes()
    if compress:
        payload = gzip.compress(payload, mtime=0)
    path = Path(path)
    path.write_bytes(payload)
    return path


def find_idx_files(folder) -> dict[str, Path | None]:
    """The four IDX files of ``folder`` by role (see :data:`IDX_FILE_NAMES`), ``None`` if absent.

    Accepts ``train-images-idx3-ubyte``, ``train-images.idx3-ubyte`` (a common re-packaging) and
    both with ``.gz``.
    """
    folder = Path(folder)
    found: dict[str, Path | None] = {}
    for role, name in IDX_FILE_NAMES.items():
        stem, _, rest = name.partition("-idx")
        candidates = [f"{name}", f"{name}.gz", f"{stem}.idx{rest}", f"{stem}.idx{rest}.gz"]
        found[role] = next((folder / c for c in candidates if (folder / c).is_file()), None)
    return found


def is_idx_folder(folder) -> bool:
    """Whether ``folder`` holds at least one of the four IDX files."""
    return any(p is not None for p in find_idx_files(folder).values())


def load_idx_folder(folder, name=None, classes=None) -> Dataset:
    """Load a folder holding the four MNIST-style IDX files as a :class:`Dataset`.

    Images ``(N, H, W)`` become ``(N, 1, H, W)`` / 255. Class names, in order of preference:
    ``classes``; a ``classes.txt`` in the folder (one name per line); the Fashion-MNIST names if
    the label files are Fashion-MNIST's; else ``"0".."K-1"`` for ``K`` distinct labels.

    Raises:
        DataError: a file is missing or corrupt, or labels and images differ in number (the
            message names the label file).
    """
    folder = Path(folder)
    files = find_idx_files(folder)
    missing = [IDX_FILE_NAMES[role] + "[.gz]" for role, p in files.items() if p is None]
    if missing:
        raise DataError(f"{folder}: missing IDX file(s): {', '.join(missing)}")

    arrays = {role: read_idx(p) for role, p in files.items()}
    for split in ("train", "test"):
        images, labels = arrays[f"{split}_images"], arrays[f"{split}_labels"]
        image_file, label_file = files[f"{split}_images"], files[f"{split}_labels"]
        if images.ndim not in (3, 4):
            raise DataError(
                f"{image_file}: images have {images.ndim} dimension(s) {images.shape}; "
                "expected (N, H, W)"
            )
        if labels.ndim != 1:
            raise DataError(f"{label_file}: labels have shape {labels.shape}; expected (N,)")
        if len(labels) != len(images):
            raise DataError(
                f"{label_file}: {len(labels)} labels but {len(images)} images "
                f"in {image_file.name}"
            )

    if classes is None:
        classes = _classes_txt(folder) or _known_classes(files["train_labels"])
    return make_dataset(
        name or folder.name,
        arrays["train_images"],
        arrays["train_labels"],
        arrays["test_images"],
        arrays["test_labels"],
        classes,
        str(folder),
        where={
            "x_train": str(files["train_images"]),
            "x_test": str(files["test_images"]),
            "y_train": str(files["train_labels"]),
            "y_test": str(files["test_labels"]),
        },
        names_hint="a classes.txt with one name per line",
    )


def read_idx_count(path) -> int | None:
    """The first dimension an IDX file declares (its number of items), reading only its header.

    Returns ``None`` if the file is unreadable; cheap enough for a dataset listing.
    """
    try:
        with open(path, "rb") as raw:
            compressed = raw.read(2) == GZIP_MAGIC
            raw.seek(0)
            head = (gzip.GzipFile(fileobj=raw) if compressed else raw).read(8)
    except (OSError, EOFError, zlib.error):
        return None
    if len(head) < 8 or head[:2] != b"\0\0" or head[3] == 0:
        return None
    return int.from_bytes(head[4:8], "big")


def _classes_txt(folder: Path) -> tuple[str, ...] | None:
    path = folder / "classes.txt"
    if not path.is_file():
        return None
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise DataError(f"{path}: cannot read class names: {e}") from None
    names = tuple(line.strip() for line in lines if line.strip())
    return names or None


def _known_classes(label_file: Path) -> tuple[str, ...] | None:
    # Recognise the real Fashion-MNIST by its label files' checksums (small files, cheap to hash)
    # so that a copy in any folder gets its class names, not "0".."9".
    from core.datasets.remote import REMOTE_DATASETS

    try:
        digest = hashlib.md5(label_file.read_bytes()).hexdigest()
    except OSError:
        return None
    for remote in REMOTE_DATASETS.values():
        if digest in {f.md5 for f in remote.files}:
            return remote.classes
    return None


def _dims_text(dims) -> str:
    return "x".join(str(d) for d in dims)
