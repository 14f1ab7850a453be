"""How much memory the machine has for us, and refusing what would not fit before allocating it.

Readers and the network estimate the bytes a request needs from headers and shapes — a file's
declared array shapes, a network's parameter and activation shapes times the batch — and call
:func:`check_fits` before anything is allocated. A request over the budget is refused with one
line naming the file or layer and the size; nothing is allocated, so a "bomb" (a tiny file that
declares 10¹² elements, a spec whose dense layer needs terabytes) costs nothing.

The budget is the memory the machine has available now (Linux: ``MemAvailable``; elsewhere the
physical memory), capped by the process's address-space limit, and can be lowered with
``BACKSTEP_MEMORY_LIMIT`` (bytes, or with a unit: ``2G``, ``512M``) for tests and shared machines.
"""

from __future__ import annotations

import os
import re
import sys

from core.errors import BackstepError, ResourceError

LIMIT_ENV = "BACKSTEP_MEMORY_LIMIT"
FALLBACK_BYTES = 8 * 2**30  # when the machine does not say
_UNITS = {"": 1, "k": 2**10, "m": 2**20, "g": 2**30, "t": 2**40}


def format_bytes(n: float) -> str:
    """1536 -> "1.5 KB", 3e12 -> "2.7 TB" (binary units, one decimal)."""
    n = float(n)
    for unit in ("bytes", "KB", "MB", "GB", "TB", "PB"):
        if abs(n) < 1024 or unit == "PB":
            return f"{int(n)} bytes" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} PB"


def _parse_size(text: str) -> int | None:
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?\s*", text.lower())
    return int(float(m.group(1)) * _UNITS[m.group(2)]) if m else None


def _meminfo_available() -> int | None:
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def _physical() -> int | None:
    try:
        return int(os.sysconf("SC_PHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (AttributeError, ValueError, OSError):
        return None


def _address_space_limit() -> int | None:
    if sys.platform == "win32":
        return None
    try:
        import resource

        soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    except (ImportError, OSError, ValueError):
        return None
    return None if soft in (resource.RLIM_INFINITY, -1) else int(soft)


def available_memory() -> int:
    """Bytes a request may use now: available memory, capped by RLIMIT_AS and BACKSTEP_MEMORY_LIMIT."""
    candidates = [v for v in (_meminfo_available() or _physical(), _address_space_limit()) if v]
    env = os.environ.get(LIMIT_ENV, "").strip()
    if env:
        parsed = _parse_size(env)
        if parsed:
            candidates.append(parsed)
    return min(candidates) if candidates else FALLBACK_BYTES


def check_fits(nbytes: int, what: str, error: type[BackstepError] = ResourceError, *,
               share: float = 1.0, hint: str = "") -> None:
    """Raise ``error`` if ``nbytes`` exceed ``share`` of :func:`available_memory`.

    ``what`` names the file or layer and what is being sized ("x_train of data.npz").
    """
    budget = int(available_memory() * share)
    if nbytes > budget:
        raise error(f"{what}: needs {format_bytes(nbytes)}, more than the {format_bytes(budget)} of memory "
                    f"available{'; ' + hint if hint else ''}")
