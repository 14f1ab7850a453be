"""12.1's convolution explorer, the maths (Qt-free): h = f ⊗ g on an image, one output at a time.

The lecture writes the true convolution, h_ij = Σ_m Σ_n f(i − m, j − n) g(m, n): the kernel is
flipped as it slides. The layers compute the cross-correlation, z_ij = Σ_m Σ_n g_mn a_(i+m)(j+n),
as PyTorch does (ARCHITECTURE.md, Semantics): the same sum with the kernel unflipped. A learned
filter is therefore the lecture's kernel turned by 180°; for the lecture's g₁ and g₂ (symmetric)
the two agree, for g₃ (vertical edges) they differ by sign.

Outputs here are "valid" (the kernel inside the image) unless ``padding`` adds zeros round it;
output (i, j) then looks at the padded image's rows i … i+M−1 and columns j … j+N−1.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.errors import DataError

KERNELS: dict[str, np.ndarray] = {  # the lecture's three, as on its slide
    "g1": np.array([[0, 0, 0], [0, 1, 0], [0, 0, 0]], float),
    "g2": np.array([[0.107, 0.113, 0.107], [0.113, 0.119, 0.113], [0.107, 0.113, 0.107]]),
    "g3": np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], float),
}
KERNEL_NAMES = {"g1": "g₁ identity (unchanged image)", "g2": "g₂ blur (blurred image)",
                "g3": "g₃ vertical edges", "own": "a kernel of your own"}


def padded(image: np.ndarray, padding: int) -> np.ndarray:
    image = np.asarray(image, dtype=np.float64)
    return np.pad(image, padding) if padding else image


def cross_correlation(image: np.ndarray, kernel: np.ndarray, padding: int = 0) -> np.ndarray:
    """z_ij = Σ_m Σ_n g_mn f_(i+m)(j+n): what the conv layers compute. image (H, W), kernel (M, N)."""
    f = padded(image, padding)
    k = np.asarray(kernel, dtype=np.float64)
    m, n = k.shape
    ho, wo = f.shape[0] - m + 1, f.shape[1] - n + 1
    if ho < 1 or wo < 1:
        raise ValueError(f"a {m}×{n} kernel does not fit a {f.shape[0]}×{f.shape[1]} image")
    out = np.zeros((ho, wo))
    for u in range(m):
        for v in range(n):
            out += k[u, v] * f[u:u + ho, v:v + wo]
    return out


def true_convolution(image: np.ndarray, kernel: np.ndarray, padding: int = 0) -> np.ndarray:
    """h_ij = Σ_m Σ_n f(i − m, j − n) g(m, n), the lecture's: the cross-correlation with g flipped."""
    return cross_correlation(image, np.flip(np.asarray(kernel, dtype=np.float64)), padding)


def engine_cross_correlation(layer_cls, image: np.ndarray, kernel: np.ndarray, padding: int = 0) -> np.ndarray:
    """The same output through the network's own convolution layer (a one-filter copy of it)."""
    k = np.asarray(kernel, dtype=np.float64)
    layer = layer_cls(out_channels=1, kernel_size=k.shape[0], padding=padding)
    z, _ = layer.forward(np.asarray(image, dtype=np.float64)[None, None],
                         {"weight": k.reshape(1, 1, *k.shape), "bias": np.zeros(1)})
    return z[0, 0]


@dataclass(frozen=True)
class Window:
    """The sum behind one output pixel: the window of the (padded) image and the kernel it meets."""

    i: int
    j: int
    patch: np.ndarray  # (M, N) image values under the kernel, top-left at padded (i, j)
    weights: np.ndarray  # (M, N) the kernel value each patch value is multiplied by
    value: float  # Σ patch ⊙ weights

    def terms(self) -> list[tuple[float, float]]:
        return list(zip(self.patch.ravel().tolist(), self.weights.ravel().tolist()))


def window(image: np.ndarray, kernel: np.ndarray, i: int, j: int, padding: int = 0, true: bool = False) -> Window:
    """Output (i, j)'s sum. ``true``: the lecture's convolution (kernel flipped), else the layers'."""
    f = padded(image, padding)
    k = np.asarray(kernel, dtype=np.float64)
    m, n = k.shape
    patch = f[i:i + m, j:j + n]
    w = np.flip(k) if true else k
    return Window(i, j, patch, w, float(np.sum(patch * w)))


def into_filter(kernel: np.ndarray, filter_shape: tuple) -> np.ndarray:
    """``kernel`` (M, N) as one filter of a conv layer, shape (C, kh, kw): centred in kh × kw (zeros
    round it, or its centre if it is larger), the same on every input channel. The layers
    cross-correlate, so this filter computes the cross-correlation shown (not the flipped one)."""
    c, kh, kw = (int(s) for s in filter_shape)
    k = np.asarray(kernel, dtype=np.float64)
    m, n = k.shape
    out = np.zeros((kh, kw))
    # rows: place the centres on each other
    r0, c0 = (kh - m) // 2, (kw - n) // 2
    src_r = slice(max(0, -r0), max(0, -r0) + min(m, kh))
    src_c = slice(max(0, -c0), max(0, -c0) + min(n, kw))
    dst_r = slice(max(0, r0), max(0, r0) + min(m, kh))
    dst_c = slice(max(0, c0), max(0, c0) + min(n, kw))
    out[dst_r, dst_c] = k[src_r, src_c]
    return np.broadcast_to(out, (c, kh, kw)).copy()


def load_grey(path, max_side: int = 96) -> np.ndarray:
    """An image file as grey values in [0, 1] (H, W), shrunk so that its longer side is at most
    ``max_side`` pixels (every output pixel stays clickable). DataError naming the file otherwise."""
    from PIL import Image, UnidentifiedImageError

    path = Path(path)
    try:
        with Image.open(path) as img:
            img = img.convert("L")
            scale = min(1.0, max_side / max(img.size))
            if scale < 1:
                img = img.resize((max(1, round(img.width * scale)), max(1, round(img.height * scale))),
                                 Image.Resampling.BOX)
            return np.asarray(img, dtype=np.float64) / 255.0
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise DataError(f"{path}: not an image Pillow can read ({exc})") from None
