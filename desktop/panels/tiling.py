"""How an array is laid out as one 2-D image and back (pixel -> array index), Qt-free.

Per array shape:
  (F,)           a vector: wrapped into rows of 20 units (a strip when F <= 32)
  (H, W)         a matrix (dense weights W (out, in)): as is
  (C, H, W)      maps: a near-square grid of C tiles, 1 px gaps (NaN, transparent)
  (F, C, kh, kw) filters: one column per filter, one row per input channel (C == 1: a grid)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

VECTOR_WRAP = 20


@dataclass(frozen=True)
class Tiling:
    """How an array of ``shape`` is laid out as one 2-D image, and back (pixel -> array index)."""

    shape: tuple
    rows: int
    cols: int
    th: int  # tile height, width
    tw: int
    pad: int

    @classmethod
    def of(cls, shape: tuple) -> Tiling:
        shape = tuple(int(s) for s in shape)
        if len(shape) == 1:
            w = shape[0] if shape[0] <= 32 else VECTOR_WRAP
            return cls(shape, 1, 1, max(1, math.ceil(shape[0] / w)), w, 0)
        if len(shape) == 2:
            return cls(shape, 1, 1, shape[0], shape[1], 0)
        if len(shape) == 3:
            c, h, w = shape
            cols = math.ceil(math.sqrt(c * h / w))
            return cls(shape, math.ceil(c / cols), cols, h, w, 1)
        if len(shape) == 4:
            f, c, kh, kw = shape
            if c == 1:
                cols = math.ceil(math.sqrt(f))
                return cls(shape, math.ceil(f / cols), cols, kh, kw, 1)
            return cls(shape, c, f, kh, kw, 1)
        raise ValueError(f"cannot tile an array of shape {shape}")

    @property
    def image_shape(self) -> tuple[int, int]:
        return (self.rows * (self.th + self.pad) - self.pad, self.cols * (self.tw + self.pad) - self.pad)

    def _blocks(self, a: np.ndarray) -> np.ndarray:
        """a as (rows, cols, th, tw) blocks, NaN where there is no tile."""
        n = len(self.shape)
        if n == 4 and self.shape[1] > 1:
            return a.transpose(1, 0, 2, 3)  # row = input channel, column = filter
        maps = a[:, 0] if n == 4 else a
        total = self.rows * self.cols
        if total > len(maps):
            maps = np.concatenate([maps, np.full((total - len(maps), self.th, self.tw), np.nan, maps.dtype)])
        return maps.reshape(self.rows, self.cols, self.th, self.tw)

    def tile(self, a: np.ndarray) -> np.ndarray:
        a = np.asarray(a, dtype=np.float32)
        if a.shape != self.shape:
            raise ValueError(f"array of shape {a.shape} given to a tiling of {self.shape}")
        if a.ndim == 1:
            out = np.full(self.th * self.tw, np.nan, np.float32)
            out[:a.size] = a
            return out.reshape(self.th, self.tw)
        if a.ndim == 2:
            return a
        b, p = self._blocks(a), self.pad
        out = np.full((self.rows, self.th + p, self.cols, self.tw + p), np.nan, np.float32)
        out[:, :self.th, :, :self.tw] = b.transpose(0, 2, 1, 3)
        h, w = self.image_shape
        return out.reshape(self.rows * (self.th + p), self.cols * (self.tw + p))[:h, :w]

    def index(self, row: int, col: int) -> tuple | None:
        """The array index shown at image pixel (row, col), or None for a gap or outside."""
        h, w = self.image_shape
        if not (0 <= row < h and 0 <= col < w):
            return None
        n = len(self.shape)
        if n == 1:
            i = row * self.tw + col
            return (i,) if i < self.shape[0] else None
        if n == 2:
            return (row, col)
        tr, r = divmod(row, self.th + self.pad)
        tc, c = divmod(col, self.tw + self.pad)
        if r >= self.th or c >= self.tw:
            return None
        if n == 4 and self.shape[1] > 1:
            return (tc, tr, r, c)
        t = tr * self.cols + tc
        if t >= self.shape[0]:
            return None
        return (t, 0, r, c) if n == 4 else (t, r, c)
