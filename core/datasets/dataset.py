"""The in-memory dataset every reader returns, and the conversions that produce it.

A :class:`Dataset` holds two splits in one canonical form, whatever the file looked like:
images ``float32 (N, C, H, W)`` in ``[0, 1]`` and labels ``int64 (N,)`` in ``0..K-1``. It checks
itself on construction, so a training run never discovers a bad label in epoch 3.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.errors import DataError


@dataclass(frozen=True, eq=False, repr=False)
class Dataset:
    """A labelled train/test pair, immutable (its arrays are read-only views).

    Attributes:
        name: short name shown to the user (``"mnist-5k"``, a folder name...).
        x_train: ``float32 (N_train, C, H, W)``, values in ``[0, 1]``.
        y_train: ``int64 (N_train,)``, class indices ``0..len(classes)-1``.
        x_test: ``float32 (N_test, C, H, W)``, same ``(C, H, W)`` as ``x_train``.
        y_test: ``int64 (N_test,)``.
        classes: class names; ``classes[k]`` names label ``k``.
        source: where the data came from (a path, or a description for built-in data);
            every validation message starts with it.

    Raises:
        DataError: on empty splits, images/labels of different lengths, mismatched image shapes,
            pixel values outside ``[0, 1]`` or labels outside ``0..len(classes)-1``.
    """

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    classes: tuple[str, ...]
    source: str

    def __post_init__(self):
        where = self.source
        classes = tuple(str(c) for c in self.classes)
        if not classes:
            raise DataError(f"{where}: no classes")
        if len(set(classes)) != len(classes):
            duplicates = sorted({c for c in classes if classes.count(c) > 1})
            raise DataError(f"{where}: duplicate class names: {', '.join(duplicates)}")
        object.__setattr__(self, "classes", classes)

        for split in ("train", "test"):
            x = _checked_images(getattr(self, f"x_{split}"), f"{where}: {split} images")
            y = _checked_labels(getattr(self, f"y_{split}"), f"{where}: {split} labels")
            if len(x) == 0:
                raise DataError(f"{where}: the {split} set is empty")
            if len(x) != len(y):
                raise DataError(f"{where}: {len(y)} {split} labels but {len(x)} {split} images")
            if len(y) and (y.min() < 0 or y.max() >= len(classes)):
                found = y.min() if y.min() < 0 else y.max()
                raise DataError(
                    f"{where}: {split} labels out of range: found {found}, "
                    f"classes 0\u2013{len(classes) - 1}"
                )
            object.__setattr__(self, f"x_{split}", _read_only(x))
            object.__setattr__(self, f"y_{split}", _read_only(y))

        if self.x_train.shape[1:] != self.x_test.shape[1:]:
            raise DataError(
                f"{where}: test images are {_shape_text(self.x_test.shape[1:])} but train images "
                f"are {_shape_text(self.x_train.shape[1:])}"
            )

    @property
    def n_train(self) -> int:
        return len(self.y_train)

    @property
    def n_test(self) -> int:
        return len(self.y_test)

    @property
    def n_classes(self) -> int:
        return len(self.classes)

    @property
    def input_shape(self) -> tuple[int, int, int]:
        """Per-sample shape ``(C, H, W)``, as a network spec's ``input.shape``."""
        return tuple(int(d) for d in self.x_train.shape[1:])

    def __repr__(self) -> str:
        return (
            f"Dataset({self.name!r}, train={self.n_train}, test={self.n_test}, "
            f"input={self.input_shape}, classes={self.n_classes}, source={self.source!r})"
        )


def make_dataset(name, x_train, y_train, x_test, y_test, classes, source, *, where=None,
                 names_hint: str = "") -> Dataset:
    """Build a :class:`Dataset` from images and labels as files hold them.

    Args:
        x_train, x_test: images ``(N, H, W)``, ``(N, H, W, C)`` or ``(N, C, H, W)`` (see
            :func:`images_to_float`), any integer type in ``0..255`` or float in ``[0, 1]``.
        y_train, y_test: integer labels ``(N,)`` or ``(N, 1)``.
        classes: class names, or ``None`` for ``"0".."K-1"`` where ``K`` is the number of distinct
            labels; then labels outside ``0..K-1`` (a gap in the numbering, e.g. a stray 12 among
            digits) are reported as out of range, naming the label array's file.
        where: prefix for conversion messages, one per array, e.g.
            ``{"x_train": "data.npz: x_train", ...}``; defaults to ``"<source>: x_train"``.
        names_hint: how this format names classes, for that message (e.g. "a 'classes' array").
    """
    where = where or {}
    label = lambda key: where.get(key, f"{source}: {key}")  # noqa: E731
    x_train = images_to_float(x_train, label("x_train"))
    x_test = images_to_float(x_test, label("x_test"))
    y_train = labels_to_int64(y_train, label("y_train"))
    y_test = labels_to_int64(y_test, label("y_test"))
    if classes is None:
        classes = _numbered_classes(y_train, y_test, label, names_hint)
    for key, y in (("y_train", y_train), ("y_test", y_test)):
        if classes and len(y) and (y.min() < 0 or y.max() >= len(classes)):  # name the label file
            found = y.min() if y.min() < 0 else y.max()
            raise DataError(
                f"{label(key)}: labels out of range: found {found}, classes 0\u2013{len(classes) - 1}"
            )
    return Dataset(name, x_train, y_train, x_test, y_test, tuple(classes), str(source))


def images_to_float(x, where: str) -> np.ndarray:
    """Images as a file holds them -> ``float32 (N, C, H, W)`` in ``[0, 1]``.

    Accepted layouts: ``(N, H, W)`` (one channel); ``(N, H, W, C)`` (Keras, channels last); and
    ``(N, C, H, W)`` when the last axis cannot be a channel axis (not 1, 3 or 4) but the second can.
    Integer images must lie in ``0..255`` and are divided by 255; float images in ``[0, 1]`` are
    kept, float images in ``[0, 255]`` (``x.astype("float32")`` without scaling) are divided by 255.
    """
    x = np.asarray(x)
    if x.dtype.kind not in "uif":
        raise DataError(f"{where}: images must be numbers, not {x.dtype}")
    if x.ndim == 3:
        x = x[:, None, :, :]
    elif x.ndim == 4:
        if x.shape[-1] not in (1, 3, 4) and x.shape[1] in (1, 3, 4):
            pass  # already channels-first
        else:
            x = x.transpose(0, 3, 1, 2)
    else:
        raise DataError(
            f"{where}: images have shape {tuple(x.shape)}; expected (N, H, W) or (N, H, W, C)"
        )
    if x.size == 0:
        return x.astype(np.float32, order="C")

    lo, hi = x.min(), x.max()
    if x.dtype.kind == "f":
        if not (np.isfinite(lo) and np.isfinite(hi)):
            raise DataError(f"{where}: images contain NaN or infinite values")
        if lo >= 0 and hi <= 1 + 1e-6:
            return np.clip(x.astype(np.float32, order="C"), 0, 1)
        if not (lo >= 0 and hi <= 255):
            raise DataError(
                f"{where}: pixel values range from {lo:g} to {hi:g}; expected [0, 1] or [0, 255]"
            )
    elif lo < 0 or hi > 255:
        raise DataError(f"{where}: pixel values range from {lo} to {hi}; expected 0..255")
    out = x.astype(np.float32, order="C")
    np.divide(out, np.float32(255), out=out)
    return out


def labels_to_int64(y, where: str) -> np.ndarray:
    """Labels as a file holds them, ``(N,)`` or ``(N, 1)`` integers (or integral floats) -> ``int64 (N,)``."""
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1:
        raise DataError(
            f"{where}: labels have shape {tuple(y.shape)}; expected (N,) class indices "
            "(one-hot labels: take argmax first)"
        )
    if y.dtype.kind in "ui":
        return y.astype(np.int64)
    if y.dtype.kind == "f":
        if not np.all(np.isfinite(y)) or not np.all(y == np.round(y)):
            raise DataError(f"{where}: labels must be whole numbers (class indices)")
        return y.astype(np.int64)
    raise DataError(f"{where}: labels must be integers, not {y.dtype}")


def _numbered_classes(y_train, y_test, label, names_hint) -> tuple[str, ...]:
    """``"0".."K-1"`` for ``K`` distinct labels; DataError if the labels are not ``0..K-1``."""
    values = np.union1d(y_train, y_test)
    k = len(values)
    if k and (values[0] < 0 or values[-1] >= k):
        bad = values[0] if values[0] < 0 else values[-1]
        key = "y_train" if bad in y_train else "y_test"
        hint = f" (or name the classes: {names_hint})" if names_hint else ""
        raise DataError(
            f"{label(key)}: labels out of range: found {bad}, classes 0\u2013{k - 1} "
            f"({k} distinct labels); number the classes 0..{k - 1}{hint}"
        )
    return tuple(str(i) for i in range(k))


def _checked_images(x, where: str) -> np.ndarray:
    if not isinstance(x, np.ndarray) or x.dtype != np.float32 or x.ndim != 4:
        got = f"{x.dtype} {tuple(x.shape)}" if isinstance(x, np.ndarray) else type(x).__name__
        raise DataError(f"{where}: expected a float32 array (N, C, H, W), got {got}")
    if x.size:
        lo, hi = x.min(), x.max()
        if not (lo >= 0 and hi <= 1):  # also catches NaN
            raise DataError(f"{where}: pixel values must lie in [0, 1], found {lo:g} to {hi:g}")
    return x


def _checked_labels(y, where: str) -> np.ndarray:
    if not isinstance(y, np.ndarray) or y.ndim != 1 or y.dtype.kind not in "ui":
        got = f"{y.dtype} {tuple(y.shape)}" if isinstance(y, np.ndarray) else type(y).__name__
        raise DataError(f"{where}: expected an integer array (N,), got {got}")
    return y.astype(np.int64, copy=False)


def _read_only(a: np.ndarray) -> np.ndarray:
    # A view, so the caller's own array keeps its flags; readers pass arrays nobody else holds.
    view = a.view()
    view.setflags(write=False)
    return view


def _shape_text(shape) -> str:
    c, h, w = shape
    return f"{h}x{w}" + ("" if c == 1 else f"x{c}")
