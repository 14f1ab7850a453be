"""Autosave: the session every 60 s to ``user_data_dir()/autosave.bstep``; recovery after a crash.

It covers Run: while a run goes on, the workspace's boundary state follows it (refreshed a few
times a second by the runner), so a crash loses at most the last interval. On a clean quit the
time is recorded in the settings. At start, an autosave newer than the last clean quit means the
app did not end cleanly: the user is offered to recover it. ``BACKSTEP_AUTOSAVE_SECONDS`` sets
another interval (tests; a user who wants it more often).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from PySide6.QtCore import QObject, QTimer

from core.paths import user_data_dir
from desktop import settings

INTERVAL_MS = 60_000


def configured_interval_ms() -> int:
    """The autosave interval: BACKSTEP_AUTOSAVE_SECONDS if set to a positive number, else 60 s."""
    try:
        seconds = float(os.environ.get("BACKSTEP_AUTOSAVE_SECONDS", "") or 0)
    except ValueError:
        seconds = 0
    return int(seconds * 1000) if seconds > 0 else INTERVAL_MS


def autosave_path() -> Path:
    return user_data_dir() / "autosave.bstep"


class Autosaver(QObject):
    """Calls ``save(path)`` every ``interval_ms`` while ``dirty()`` says there is unsaved work."""

    def __init__(self, save, dirty, interval_ms: int | None = None, parent=None):
        super().__init__(parent)
        self._save, self._dirty = save, dirty
        self.last_error: str | None = None
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms or configured_interval_ms())
        self.timer.timeout.connect(self.save_now)
        self.timer.start()
        settings().setValue("autosave/started", time.time())

    def save_now(self) -> bool:
        if not self._dirty():
            return False
        try:
            self._save(autosave_path())
            self.last_error = None
            return True
        except Exception as exc:  # noqa: BLE001 - an autosave must never take the app down
            self.last_error = str(exc)
            return False

    def mark_clean_exit(self) -> None:
        s = settings()
        s.setValue("autosave/clean_exit", time.time())
        s.sync()


def recoverable() -> Path | None:
    """The autosave file if it is newer than the last clean exit (the app ended without one)."""
    path = autosave_path()
    if not path.is_file():
        return None
    try:
        clean = float(settings().value("autosave/clean_exit", 0.0) or 0.0)
    except (TypeError, ValueError):
        clean = 0.0
    return path if path.stat().st_mtime > clean else None
