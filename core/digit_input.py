"""Your own digit, prepared the way MNIST's digits were: every stage kept, so it can be shown.

MNIST (LeCun, Cortes, Burges): "the images were size normalized to fit in a 20x20 pixel box while
preserving their aspect ratio [...] anti-aliasing [...] centered in a 28x28 image by computing the
center of mass of the pixels, and translating the image so as to position this point at the
center of the 28x28 field." :func:`preprocess` does exactly that, stage by stage:

    drawn       the ink, any size, bright on dark, values in [0, 1]
    cropped     the bounding box of the ink (pixels above INK_FLOOR)
    scaled      into a 20×20 box, the longer side 20 px, the aspect ratio kept; grey levels are the
                share of each pixel the ink covers (area averaging; bilinear when enlarging)
    padded      the box centred in a 28×28 field
    centred     shifted by whole pixels so the centre of mass is at (14, 14), row and column

The result is what the network receives: ``float32 (28, 28)`` in [0, 1], the scale of the
built-in MNIST-5k (core.datasets: uint8 / 255). (14, 14) is where MNIST's own digits have it:
their mean centre of mass in MNIST-5k is (13.99, 14.01) in row/column index coordinates, with a
spread of ±0.29 px, the mark of a whole-pixel shift.

An image file takes the same path after :func:`load_image` (Pillow) has turned it into ink.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.errors import DataError, ShapeError

SIZE = 28  # the field
BOX = 20  # the box the ink is scaled into
INK_FLOOR = 0.05  # ink fainter than this (in [0, 1]) is not part of the bounding box
MIN_CONTRAST = 0.1  # an image file whose ink is this close to its background holds no digit
NOTHING_DRAWN = "nothing drawn"


@dataclass(frozen=True)
class Stage:
    """One stage of the preprocessing, for display: ``image`` is 2-D float32 in [0, 1], ink bright."""

    name: str  # drawn | cropped | scaled | padded | centred
    title: str  # what happened, in a few words
    detail: str  # the numbers of this stage
    image: np.ndarray


@dataclass(frozen=True)
class Preprocessed:
    """The preprocessed digit and how it got there.

    ``image``: ``float32 (size, size)`` in [0, 1], what the network receives (zeros if ``empty``).
    ``bbox``: (top, left, bottom, right) of the ink in the drawing, bottom/right exclusive.
    ``centre_of_mass``: (row, col) in the padded field before the shift; ``shift``: (rows, cols).
    """

    image: np.ndarray
    stages: tuple[Stage, ...]
    empty: bool
    message: str
    bbox: tuple[int, int, int, int] | None = None
    scale: float | None = None
    centre_of_mass: tuple[float, float] | None = None
    shift: tuple[int, int] = (0, 0)

    def stage(self, name: str) -> Stage:
        return next(s for s in self.stages if s.name == name)


def centre_of_mass(a: np.ndarray) -> tuple[float, float]:
    """(row, col) = Σ a·(i, j) / Σ a over a 2-D array, index coordinates; (nan, nan) if Σ a = 0."""
    a = np.asarray(a, dtype=np.float64)
    total = a.sum()
    if total <= 0:
        return float("nan"), float("nan")
    rows, cols = np.arange(a.shape[0]), np.arange(a.shape[1])
    return float(a.sum(axis=1) @ rows / total), float(a.sum(axis=0) @ cols / total)


def ink_bbox(ink: np.ndarray, floor: float = INK_FLOOR) -> tuple[int, int, int, int] | None:
    """(top, left, bottom, right) of the pixels above ``floor``, bottom/right exclusive; None if none."""
    mask = ink > floor
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    if not len(rows):
        return None
    return int(rows[0]), int(cols[0]), int(rows[-1]) + 1, int(cols[-1]) + 1


def _resize(a: np.ndarray, height: int, width: int) -> np.ndarray:
    from PIL import Image

    h, w = a.shape
    # area averaging when shrinking: grey = the share of the pixel the ink covers (anti-aliasing
    # without the over- and undershoot of Lanczos); bilinear when enlarging a tiny drawing
    method = Image.Resampling.BOX if height <= h and width <= w else Image.Resampling.BILINEAR
    out = Image.fromarray(np.ascontiguousarray(a, dtype=np.float32), mode="F").resize((width, height), method)
    return np.clip(np.asarray(out, dtype=np.float32), 0.0, 1.0)


def _shifted(a: np.ndarray, dy: int, dx: int) -> np.ndarray:
    """``a`` moved by (dy, dx) whole pixels, zeros coming in (never wrapping round)."""
    out = np.zeros_like(a)
    h, w = a.shape
    out[max(dy, 0):h + min(dy, 0), max(dx, 0):w + min(dx, 0)] = a[max(-dy, 0):h - max(dy, 0),
                                                                  max(-dx, 0):w - max(dx, 0)]
    return out


def _empty(drawn: np.ndarray, size: int) -> Preprocessed:
    stage = Stage("drawn", "drawn", NOTHING_DRAWN, drawn)
    return Preprocessed(np.zeros((size, size), np.float32), (stage,), True, NOTHING_DRAWN)


def preprocess(ink, size: int = SIZE, box: int = BOX) -> Preprocessed:
    """MNIST's preprocessing of a drawing. ``ink``: 2-D, ink bright on a dark background, values in
    [0, 1] (floats) or 0..255 (uint8), any size. A drawing without ink gives ``empty=True`` and
    the message "nothing drawn", never an exception."""
    a = np.asarray(ink)
    if a.ndim != 2:
        raise ShapeError(f"a drawing is one 2-D grey image, got shape {a.shape}")
    a = a.astype(np.float32) / 255 if a.dtype == np.uint8 else np.nan_to_num(a.astype(np.float32))
    drawn = np.clip(a, 0.0, 1.0)
    bbox = ink_bbox(drawn)
    if bbox is None:
        return _empty(drawn, size)
    top, left, bottom, right = bbox
    cropped = drawn[top:bottom, left:right]
    h, w = cropped.shape
    scale = box / max(h, w)
    sh, sw = max(1, round(h * scale)), max(1, round(w * scale))
    scaled = _resize(cropped, sh, sw)
    padded = np.zeros((size, size), np.float32)
    py, px = (size - sh) // 2, (size - sw) // 2
    padded[py:py + sh, px:px + sw] = scaled
    cy, cx = centre_of_mass(padded)
    if not np.isfinite(cy):  # the ink was fainter than the resampling keeps
        return _empty(drawn, size)
    # whole pixels, as MNIST did; never so far that ink would leave the field
    dy = int(np.clip(np.floor(size / 2 - cy + 0.5), -py, size - py - sh))
    dx = int(np.clip(np.floor(size / 2 - cx + 0.5), -px, size - px - sw))
    centred = _shifted(padded, dy, dx)
    stages = (
        Stage("drawn", "drawn", f"{drawn.shape[0]}×{drawn.shape[1]} px", drawn),
        Stage("cropped", "cropped to the ink", f"rows {top}–{bottom - 1}, cols {left}–{right - 1}: {h}×{w}",
              cropped),
        Stage("scaled", f"scaled into {box}×{box}", f"×{scale:.3g} → {sh}×{sw}, aspect kept", scaled),
        Stage("padded", f"padded to {size}×{size}", f"box at row {py}, col {px}", padded),
        Stage("centred", "centred by mass",
              f"centre of mass ({cy:.1f}, {cx:.1f}) → shifted {dy:+d} rows, {dx:+d} cols", centred),
    )
    return Preprocessed(centred, stages, False, "", bbox, scale, (cy, cx), (dy, dx))


# --- image files ----------------------------------------------------------------------------------

def image_to_ink(img) -> np.ndarray:
    """A Pillow image of any size and mode -> ink ``float32 (H, W)`` in [0, 1], bright on dark.

    How it decides: transparent pixels count as white paper (composited over white); the image is
    made grey (16-bit and float images scaled by their own range); the background is the median of
    the outermost rows and columns, and if it is light (> 0.5) the image is inverted, so that dark
    ink on paper becomes bright ink as in MNIST; then the background level is taken as 0 and the
    brightest ink as 1. An image with less than MIN_CONTRAST between them holds no ink (all zeros).
    """
    from PIL import Image, ImageOps

    img = ImageOps.exif_transpose(img)  # phone photos carry their rotation in EXIF
    if "A" in img.getbands() or "transparency" in img.info:
        rgba = img.convert("RGBA")
        paper = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        paper.alpha_composite(rgba)
        img = paper
    if img.mode in ("I", "F") or img.mode.startswith("I;"):
        a = np.asarray(img.convert("F"), dtype=np.float64)
        lo, hi = float(a.min()), float(a.max())
        grey = (a - lo) / (hi - lo) if hi > lo else np.zeros_like(a)
    else:
        grey = np.asarray(img.convert("L"), dtype=np.float64) / 255
    border = np.concatenate([grey[0], grey[-1], grey[:, 0], grey[:, -1]])
    background = float(np.median(border))
    if background > 0.5:
        grey, background = 1 - grey, 1 - background
    top = float(grey.max())
    if top - background < MIN_CONTRAST:
        return np.zeros(grey.shape, np.float32)
    return np.clip((grey - background) / (top - background), 0, 1).astype(np.float32)


def load_image(path) -> np.ndarray:
    """An image file (PNG, JPEG, BMP, GIF, TIFF, WebP, PNM...) as ink (see :func:`image_to_ink`).

    Raises DataError naming the file if it cannot be read as an image.
    """
    from PIL import Image, UnidentifiedImageError

    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    try:
        with Image.open(path) as img:
            img.load()
            return image_to_ink(img)
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise DataError(f"{path}: not an image Pillow can read ({exc})") from None


# --- the network's answer -------------------------------------------------------------------------

def network_input(image: np.ndarray, input_shape) -> np.ndarray:
    """A preprocessed ``(H, W)`` image as a batch of one ``(1, C, H, W)`` (grey copied to C channels)."""
    c, h, w = (int(s) for s in input_shape)
    image = np.asarray(image, dtype=np.float32)
    if image.shape != (h, w):
        raise ShapeError(f"a drawn digit is {image.shape[0]}×{image.shape[1]}, the network takes "
                         f"{c}×{h}×{w} inputs")
    return np.ascontiguousarray(np.broadcast_to(image, (1, c, h, w)))


def probabilities(net, image: np.ndarray) -> np.ndarray:
    """ŷ = softmax(z) for one preprocessed image through the engine's own forward (Network.predict,
    train=False). Returns ``float64 (K,)``, one probability per class of ``net.classes``."""
    from core.losses import softmax

    logits = net.predict(network_input(image, net.input_shape))
    return softmax(logits.astype(np.float64))[0]
