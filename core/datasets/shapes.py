"""``shapes``: a synthetic dataset of oriented bars and edges, made in a few milliseconds.

Each class is exactly the kind of pattern a first-layer convolutional filter learns to detect,
so the filters a network learns here can be read at a glance. Every image is a soft-edged bar or
a step edge at a random position, with random width, brightness, contrast and polarity, plus a
little Gaussian noise; the same seed always gives the same images.
"""

from __future__ import annotations

import numpy as np

from core.datasets.dataset import Dataset

SHAPES_CLASSES = (
    "horizontal bar",
    "vertical bar",
    "diagonal /",
    "diagonal \\",
    "horizontal edge",
    "vertical edge",
)

# Per class: the direction (dx, dy) whose coordinate u = x*dx + y*dy varies across the pattern,
# and whether it is a bar (bright band around u = p) or an edge (step at u = p).
_DIRECTIONS = np.array([(0, 1), (1, 0), (1, 1), (1, -1), (0, 1), (1, 0)], np.float32)
_DIRECTIONS /= np.linalg.norm(_DIRECTIONS, axis=1, keepdims=True)
_IS_EDGE = np.array([False, False, False, False, True, True])


def make_shapes(n_train: int = 3000, n_test: int = 600, seed: int = 0, size: int = 28,
                noise: float = 0.05) -> Dataset:
    """Generate the ``shapes`` dataset.

    Args:
        n_train, n_test: number of images per split (classes balanced within each split).
        seed: the images depend only on (n_train, n_test, seed, size, noise).
        size: images are ``size x size``.
        noise: standard deviation of the added Gaussian noise (pixel values are then clipped).

    Returns:
        A :class:`Dataset` with ``x: float32 (N, 1, size, size)`` in ``[0, 1]`` and six classes,
        :data:`SHAPES_CLASSES`.
    """
    rng = np.random.default_rng(seed)
    x_train, y_train = _generate(n_train, size, noise, rng)
    x_test, y_test = _generate(n_test, size, noise, rng)
    return Dataset("shapes", x_train, y_train, x_test, y_test, SHAPES_CLASSES,
                   f"synthetic shapes (seed {seed})")


def _generate(n: int, size: int, noise: float, rng: np.random.Generator):
    """``n`` images ``float32 (n, 1, size, size)`` and labels ``int64 (n,)``, vectorised over n."""
    k = len(SHAPES_CLASSES)
    labels = rng.permutation(np.arange(n) % k).astype(np.int64)
    half = (size - 1) / 2
    coords = np.arange(size, dtype=np.float32) - half  # pixel centres, 0 in the middle
    d = _DIRECTIONS[labels]  # (n, 2)
    u = coords[None, None, :] * d[:, 0, None, None] + coords[None, :, None] * d[:, 1, None, None]

    edge = _IS_EDGE[labels][:, None, None]
    offset = rng.uniform(-0.3, 0.3, n).astype(np.float32) * size  # where the pattern sits
    width = rng.uniform(0.07, 0.2, n).astype(np.float32) * size  # bar width
    dist = u - offset[:, None, None]
    # Soft (anti-aliased) masks in [0, 1]: a band |dist| < width/2, or a step dist > 0.
    bar = np.clip(width[:, None, None] / 2 - np.abs(dist) + 0.5, 0, 1)
    step = np.clip(dist + 0.5, 0, 1)
    mask = np.where(edge, step, bar)
    flip = rng.random(n) < 0.5  # edges: dark->bright or bright->dark
    mask = np.where(edge & flip[:, None, None], 1 - mask, mask)

    low = rng.uniform(0.0, 0.3, n).astype(np.float32)[:, None, None]
    high = rng.uniform(0.6, 1.0, n).astype(np.float32)[:, None, None]
    images = (low + (high - low) * mask).astype(np.float32, copy=False)
    images += np.float32(noise) * rng.standard_normal(images.shape, dtype=np.float32)
    np.clip(images, 0, 1, out=images)
    return images[:, None], labels
