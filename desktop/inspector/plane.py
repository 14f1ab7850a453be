"""What the inspector draws, Qt-free: one 2-D plane of an array and the index of every pixel.

A plane is a slice (one filter of one channel, one channel of a map, a matrix), every tile of a
3-D or 4-D array laid out as the panels lay it out (desktop.panels.tiling), or a vector wrapped
into rows of ten. Each pixel knows the array element it shows (``where``), so hover and click
map back to the array, and each axis knows its 1-based tick numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from desktop.panels.tiling import Tiling

VECTOR_ROW = 10  # a vector longer than this wraps into rows of ten: unit = 10·row + col
GRID_MAX = 24  # a slice up to 24×24 (a vector up to 32) is a grid of numbers at its own size


@dataclass(frozen=True)
class Axis:
    """An axis of the plane: its name and ticks (pixel position of a centre, 1-based number)."""

    name: str
    ticks: tuple[tuple[float, int], ...]


@dataclass(frozen=True, eq=False)
class Plane:
    """``image`` (H, W) float, NaN in gaps; ``where`` (H, W, ndim) int, the array index shown at
    each pixel, −1 in gaps. ``rows``/``cols``: the axes to label (None: none, e.g. for tiles in a
    grid); ``cell_numbers``: print each cell's 1-based index in it (wrapped vectors)."""

    image: np.ndarray
    where: np.ndarray
    rows: Axis | None
    cols: Axis | None
    title: str
    cell_numbers: bool = False

    @property
    def shape(self) -> tuple[int, int]:
        return self.image.shape

    def index(self, row: int, col: int) -> tuple[int, ...] | None:
        """The array index at pixel (row, col), None for a gap or outside."""
        h, w = self.image.shape
        if not (0 <= row < h and 0 <= col < w):
            return None
        ix = self.where[row, col]
        return None if ix[0] < 0 else tuple(int(i) for i in ix)

    def pixel(self, index: tuple) -> tuple[int, int] | None:
        """Where the array element ``index`` is drawn, None if not on this plane."""
        hit = np.nonzero(np.all(self.where == np.asarray(index, dtype=self.where.dtype), axis=-1))
        return (int(hit[0][0]), int(hit[1][0])) if len(hit[0]) else None

    def is_small(self) -> bool:
        """Small enough to be read as a grid of numbers (within GRID_MAX)."""
        h, w = self.image.shape
        n_real = int(np.count_nonzero(self.where[..., 0] >= 0))
        if self.cell_numbers:
            return n_real <= 32
        return h <= GRID_MAX and w <= GRID_MAX


def _numbered(n: int, offset: float = 0.5, stride: float = 1.0) -> tuple[tuple[float, int], ...]:
    return tuple((offset + i * stride, i + 1) for i in range(n))


def slice_plane(array: np.ndarray, axes: tuple[str, ...], fixed: tuple[int, ...] = ()) -> Plane:
    """The last two axes of ``array`` at the leading indices ``fixed`` (a matrix: as it is)."""
    a = np.asarray(array)
    if a.ndim < 2:
        raise ValueError("slice_plane needs at least two axes")
    fixed = tuple(int(i) for i in fixed)
    if len(fixed) != a.ndim - 2:
        raise ValueError(f"{len(fixed)} fixed indices for a {a.ndim}-D array")
    image = np.asarray(a[fixed], dtype=np.float64)
    h, w = image.shape
    rr, cc = np.indices((h, w))
    lead = [np.full((h, w), i) for i in fixed]
    where = np.stack([*lead, rr, cc], axis=-1)
    title = ", ".join(f"{n} {i + 1}" for n, i in zip(axes, fixed))
    return Plane(image, where, Axis(axes[-2], _numbered(h)), Axis(axes[-1], _numbered(w)), title)


def vector_plane(array: np.ndarray, axes: tuple[str, ...]) -> Plane:
    """A vector in one row, or wrapped into rows of VECTOR_ROW (each cell numbered)."""
    a = np.asarray(array, dtype=np.float64).ravel()
    n = a.size
    cols = n if n <= VECTOR_ROW else VECTOR_ROW
    rows = max(1, -(-n // cols))
    image = np.full(rows * cols, np.nan)
    image[:n] = a
    where = np.full((rows * cols, 1), -1)
    where[:n, 0] = np.arange(n)
    if n <= VECTOR_ROW:  # one row: the column axis is the index
        return Plane(image.reshape(rows, cols), where.reshape(rows, cols, 1), None, Axis(axes[0], _numbered(n)), "")
    return Plane(image.reshape(rows, cols), where.reshape(rows, cols, 1), None, None, "", cell_numbers=True)


def tiles_plane(array: np.ndarray, axes: tuple[str, ...]) -> Plane:
    """Every 2-D tile of a 3-D or 4-D array, laid out as the panels do (desktop.panels.tiling)."""
    a = np.asarray(array)
    t = Tiling.of(a.shape)
    # the index of every pixel: each coordinate array tiled like the values (NaN in the gaps);
    # the values are read back through it, not tiled (Tiling.tile rounds to float32)
    coords = [t.tile(c.astype(np.float32)) for c in np.indices(a.shape)]
    where = np.stack([np.where(np.isnan(c), -1, c).astype(np.int64) for c in coords], axis=-1)
    real = where[..., 0] >= 0
    image = np.full(where.shape[:2], np.nan)
    image[real] = a[tuple(where[real].T)]
    rows = cols = None
    if a.ndim == 4 and a.shape[1] > 1:  # one column per filter, one row per input channel
        f, c, kh, kw = a.shape
        cols = Axis(axes[0], _numbered(f, kw / 2, kw + 1))
        rows = Axis(axes[1], _numbered(c, kh / 2, kh + 1))
        title = f"all {f} {axes[0]}s × {c} {axes[1]}s"
    else:
        title = f"all {a.shape[0]} {axes[0]}s"
    return Plane(image, where, rows, cols, title)


def slices_of(shape: tuple[int, ...]) -> tuple[int, ...]:
    """The sizes of the leading axes a user picks a slice along (none for 1-D and 2-D)."""
    return tuple(int(s) for s in shape[:-2]) if len(shape) > 2 else ()


def plane_of(array: np.ndarray, axes: tuple[str, ...], fixed: tuple[int, ...] = (), tiles: bool = False) -> Plane:
    """The plane to draw: a vector, a matrix, the slice at ``fixed`` or all tiles."""
    a = np.asarray(array)
    if a.ndim == 1:
        return vector_plane(a, axes)
    if a.ndim == 2:
        return slice_plane(a, axes)
    return tiles_plane(a, axes) if tiles else slice_plane(a, axes, fixed)
