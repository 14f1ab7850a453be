"""A text progress bar on stderr: redrawn in place on a terminal, a few plain lines otherwise."""

from __future__ import annotations

import sys
import time


class ProgressBar:
    def __init__(self, label: str, total: int, stream=None, width: int = 30, min_interval: float = 0.1):
        self.label, self.total, self.width = label, max(int(total), 1), width
        self.stream = stream or sys.stderr
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.min_interval = min_interval
        self._last = 0.0
        self._last_quarter = -1

    def update(self, done: int, extra: str = "") -> None:
        frac = min(done / self.total, 1.0)
        if self.tty:
            now = time.monotonic()
            if now - self._last < self.min_interval and done < self.total:
                return
            self._last = now
            filled = int(frac * self.width)
            bar = "#" * filled + "-" * (self.width - filled)
            self.stream.write(f"\r{self.label} [{bar}] {frac:4.0%} {extra}")
            self.stream.flush()
        else:  # logs: one line per quarter
            quarter = int(frac * 4)
            if quarter != self._last_quarter:
                self._last_quarter = quarter
                self.stream.write(f"{self.label} {frac:4.0%} {extra}\n")
                self.stream.flush()

    def close(self, message: str = "") -> None:
        if self.tty:
            self.stream.write("\r\033[K")
        if message:
            self.stream.write(message + "\n")
        self.stream.flush()
