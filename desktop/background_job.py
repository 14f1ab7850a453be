"""Long work off the GUI thread: one call on a QThread, with progress, cancel and its result.

    job = BackgroundJob(lambda progress, stop: evaluate(net, data, progress=progress, should_stop=stop))
    job.sigProgress.connect(bar.update); job.sigDone.connect(show); job.sigFailed.connect(say)
    job.start()          # job.cancel() asks it to stop (the function polls ``stop()``)

The function gets ``progress(done, total)`` and ``stop() -> bool``; what it returns arrives with
``sigDone`` on the GUI thread, an exception as one line with ``sigFailed`` (a BackstepError says
itself; anything else gets its type), a cancel as ``sigFailed("cancelled")``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from PySide6.QtCore import QThread, Signal

from core.workspace import describe_error

CANCELLED = "cancelled"


class BackgroundJob(QThread):
    sigProgress = Signal(int, int)  # done, total
    sigDone = Signal(object)
    sigFailed = Signal(str)

    def __init__(self, work: Callable[[Callable[[int, int], None], Callable[[], bool]], object], parent=None):
        super().__init__(parent)
        self._work = work
        self._stop = threading.Event()
        self.result = None
        self.error: str | None = None

    def cancel(self) -> None:
        self._stop.set()

    @property
    def cancelled(self) -> bool:
        return self._stop.is_set()

    def run(self) -> None:
        try:
            self.result = self._work(self.sigProgress.emit, self._stop.is_set)
        except Exception as exc:  # noqa: BLE001 - reported as one line on the GUI thread, never a crash
            self.error = CANCELLED if self._stop.is_set() else describe_error(exc)
            self.sigFailed.emit(self.error)
            return
        if self._stop.is_set():
            self.error = CANCELLED
            self.sigFailed.emit(CANCELLED)
        else:
            self.sigDone.emit(self.result)
