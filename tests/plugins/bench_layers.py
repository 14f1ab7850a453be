"""Time the built-in layers on the lecture network (not a test; run by hand).

    python tests/plugins/bench_layers.py [--batch 64] [--dtype float32] [--repeat 200] [--tune-malloc]

Prints the median (and minimum) time of every layer's forward and backward and of one whole
training iteration (forward, softmax cross-entropy gradient, backward, SGD update).

--tune-malloc asks glibc to keep freed memory instead of returning it to the system after every
iteration (mallopt M_MMAP_THRESHOLD / M_TRIM_THRESHOLD): with the defaults each iteration at
batch 64 page-faults ~2000 times on fresh buffers, which costs as much as the arithmetic.
"""

from __future__ import annotations

import argparse
import ctypes
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from plugins.conv2d import Conv2D
from plugins.dense import Dense
from plugins.flatten import Flatten
from plugins.maxpool2d import MaxPool2D
from plugins.sigmoid import Sigmoid

LECTURE = [
    ("conv1", Conv2D(out_channels=6, kernel_size=5)),
    ("sig1", Sigmoid()),
    ("pool1", MaxPool2D(kernel_size=2, stride=2)),
    ("conv2", Conv2D(out_channels=16, kernel_size=5)),
    ("sig2", Sigmoid()),
    ("pool2", MaxPool2D(kernel_size=2, stride=2)),
    ("flat", Flatten()),
    ("fc1", Dense(out_features=120)),
    ("sig3", Sigmoid()),
    ("fc2", Dense(out_features=10)),
]


def build(dtype, seed=0):
    rng = np.random.default_rng(seed)
    shape, params = (1, 28, 28), []
    for _, layer in LECTURE:
        params.append({k: v.astype(dtype) for k, v in layer.init_params(shape, rng).items()})
        shape = layer.output_shape(shape)
    return params


def iteration(x, y, params, lr, timings=None):
    caches, a = [], x
    for (name, layer), p in zip(LECTURE, params):
        t = time.perf_counter()
        a, cache = layer.forward(a, p, True)
        if timings is not None:
            timings[name + ".fwd"].append(time.perf_counter() - t)
        caches.append(cache)
    e = np.exp(a - a.max(axis=1, keepdims=True))
    probs = e / e.sum(axis=1, keepdims=True)
    d = probs
    d[np.arange(len(y)), y] -= 1
    d /= len(y)
    for (name, layer), p, cache in zip(reversed(LECTURE), reversed(params), reversed(caches)):
        t = time.perf_counter()
        d, grads = layer.backward(d, cache)
        if timings is not None:
            timings[name + ".bwd"].append(time.perf_counter() - t)
        for k, g in grads.items():
            p[k] -= lr * g


def tune_malloc() -> bool:
    """glibc only: serve large arrays from a heap that is kept between iterations."""
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return False
    m_trim_threshold, m_mmap_threshold = -1, -3
    return bool(libc.mallopt(m_mmap_threshold, 256 << 20) and libc.mallopt(m_trim_threshold, 512 << 20))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tune-malloc", action="store_true")
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--dtype", default="float32")
    ap.add_argument("--repeat", type=int, default=200)
    args = ap.parse_args()
    tuned = tune_malloc() if args.tune_malloc else False
    dtype = np.dtype(args.dtype)
    rng = np.random.default_rng(1)
    x = rng.random((args.batch, 1, 28, 28)).astype(dtype)
    y = rng.integers(0, 10, args.batch)
    params = build(dtype)
    timings = {f"{n}.{d}": [] for n, _ in LECTURE for d in ("fwd", "bwd")}
    for _ in range(20):
        iteration(x, y, params, 0.01)
    whole = []
    for _ in range(args.repeat):
        t = time.perf_counter()
        iteration(x, y, params, 0.01)
        whole.append(time.perf_counter() - t)
    for _ in range(args.repeat):
        iteration(x, y, params, 0.01, timings)
    print(f"batch {args.batch}, {dtype}, malloc {'tuned' if tuned else 'default'}: "
          f"median of {args.repeat} (µs)")
    for name, _ in LECTURE:
        f = statistics.median(timings[name + ".fwd"]) * 1e6
        b = statistics.median(timings[name + ".bwd"]) * 1e6
        fm = min(timings[name + ".fwd"]) * 1e6
        bm = min(timings[name + ".bwd"]) * 1e6
        print(f"  {name:6s} forward {f:8.1f} (min {fm:7.1f})   backward {b:8.1f} (min {bm:7.1f})")
    print(f"  whole iteration: median {statistics.median(whole) * 1e3:.3f} ms, "
          f"min {min(whole) * 1e3:.3f} ms")


if __name__ == "__main__":
    main()
