"""Process-wide settings that make the engine fast, applied once by the CLI and the app.

glibc returns large freed blocks to the kernel at once (mmap threshold 128 KiB, trim threshold
128 KiB), so every training iteration, which allocates the same few-hundred-KiB arrays again,
pays some thousand fresh-page faults. Raising both thresholds keeps that memory in the process
and reuses it: a batch-64 iteration of the lecture network gets ~35 % faster, at the cost of
holding on to memory the process has already used (a few tens of MB here).

The desktop app also asks the BLAS library for one thread (``limit_blas_threads``). The lecture
network's matrix products are small: a second BLAS thread gains nothing (bench, batch 64: 10.2 ms
per iteration on one thread, 10.4 on two, on a 2-core machine), but OpenBLAS's idle threads
spin, and a spinning thread takes the core the GUI thread needs to draw while the worker trains.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys

M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
_done = False


def tune_allocator(mmap_threshold: int = 256 * 2**20, trim_threshold: int = 512 * 2**20) -> bool:
    """Raise glibc's mmap and trim thresholds (Linux only; a no-op elsewhere). True if applied."""
    global _done
    if _done or not sys.platform.startswith("linux"):
        return _done
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        ok = libc.mallopt(M_MMAP_THRESHOLD, mmap_threshold) == 1
        ok &= libc.mallopt(M_TRIM_THRESHOLD, trim_threshold) == 1
    except (OSError, AttributeError):  # musl or another libc without mallopt
        return False
    _done = bool(ok)
    return _done


BLAS_THREAD_VARS = ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def limit_blas_threads(n: int = 1) -> bool:
    """Ask numpy's BLAS for ``n`` threads; a value the user set in the environment wins.

    The library reads this when it loads, so call it before numpy is imported; after, it applies
    only if threadpoolctl is installed. True if the limit is (or will be) in effect."""
    if "numpy" not in sys.modules:
        for var in BLAS_THREAD_VARS:
            os.environ.setdefault(var, str(n))
        return True
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return False
    if not any(os.environ.get(var) for var in BLAS_THREAD_VARS):
        threadpool_limits(n, user_api="blas")
    return True
