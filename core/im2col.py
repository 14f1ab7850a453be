"""im2col and col2im: a convolution as one matrix product (the machinery of plugins/conv2d.py).

im2col copies every receptive field into one column of a matrix, so the whole forward pass is one
matrix product ``g (F, C·kh·kw) @ cols (C·kh·kw, Ho·Wo·N)``; ∂L/∂g is ``dz @ colsᵀ``; ∂L/∂a is
``gᵀ @ dz`` scattered back onto the input grid (col2im: kh·kw slice additions). Columns are ordered
(i, j, n), batch innermost, so each copy and addition runs over long contiguous rows; the caller
can return the output as an (N, F, Ho, Wo) view of that (F, Ho, Wo, N) buffer, with no extra copy.

(∂L/∂a can also be computed as a full correlation of the zero-padded dz with the flipped kernel;
measured on the lecture network that is 5× slower at batch 64, because its im2col matrix holds
F·kh·kw rows for every input pixel.)

Shapes: x (N, C, H, W); padded (C, Hp, Wp, N) with Hp = H + 2p; cols (C·kh·kw, Ho·Wo·N) with
row (c, m, n') and column (i, j, n) holding xp[c, i·s + m, j·s + n', n].
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided

# below this many elements of dcols, col2im uses one np.bincount (measured on the lecture network:
# 2–3× faster at 10–15k elements, i.e. batch 1; slower beyond ~50k)
SMALL = 16384


def padded_chwn(x: np.ndarray, p: int) -> np.ndarray:
    """x (N, C, H, W), any memory order -> (C, H+2p, W+2p, N) C-contiguous with a zero border p."""
    n, c, h, w = x.shape
    t = x.transpose(1, 2, 3, 0)
    if p == 0:
        return np.ascontiguousarray(t)  # no copy when x came from a conv/activation/pool chain
    xp = np.zeros((c, h + 2 * p, w + 2 * p, n), x.dtype)
    xp[:, p : p + h, p : p + w] = t
    return xp


def im2col(xp: np.ndarray, kh: int, kw: int, s: int, ho: int, wo: int) -> np.ndarray:
    """(C, Hp, Wp, N) -> cols (C·kh·kw, Ho·Wo·N); column (i, j, n) is the window under output (i, j)."""
    c, _, _, n = xp.shape
    sc, sh, sw, sn = xp.strides
    windows = as_strided(
        xp, (c, kh, kw, ho, wo, n), (sc, sh, sw, s * sh, s * sw, sn), writeable=False
    )
    return windows.reshape(c * kh * kw, ho * wo * n)  # the one copy of the forward pass


def col2im(dcols: np.ndarray, hp: int, wp: int, s: int) -> np.ndarray:
    """dcols (C, kh, kw, Ho, Wo, N) -> (C, Hp, Wp, N): each window's gradient added back in place."""
    c, kh, kw, ho, wo, n = dcols.shape
    if dcols.size <= SMALL:
        # one scatter-add over the flat positions instead of kh·kw small additions, whose Python
        # overhead dominates for a single sample
        where = im2col(np.arange(c * hp * wp * n).reshape(c, hp, wp, n), kh, kw, s, ho, wo)
        dxp = np.bincount(where.ravel(), weights=dcols.ravel(), minlength=c * hp * wp * n)
        return dxp.astype(dcols.dtype, copy=False).reshape(c, hp, wp, n)
    dxp = np.zeros((c, hp, wp, n), dcols.dtype)
    hi, wi = s * (ho - 1) + 1, s * (wo - 1) + 1
    for m in range(kh):
        for q in range(kw):
            view = dxp[:, m : m + hi : s, q : q + wi : s]
            np.add(view, dcols[:, m, q], out=view)
    return dxp
