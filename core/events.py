"""Named events for Qt-free models (napari's ``layer.events.opacity.connect(...)`` pattern).

A model declares its events once; views connect callbacks and are called, in the order they
connected, with the event's arguments. Nothing here knows about threads: a model that emits from a
worker thread says so, and a Qt adapter (desktop.bridge) re-emits such events as queued signals.

    class Model:
        def __init__(self):
            self.events = Events("changed", "error")
    model.events.changed.connect(print)
    model.events.changed.emit(42)          # print(42)
"""

from __future__ import annotations

from collections.abc import Callable


class EventEmitter:
    """One event: ``connect(callback)``, ``disconnect(callback)``, ``emit(*args)``."""

    def __init__(self, name: str):
        self.name = name
        self._callbacks: list[Callable] = []

    def connect(self, callback: Callable) -> Callable:
        if callback not in self._callbacks:
            self._callbacks.append(callback)
        return callback

    def disconnect(self, callback: Callable) -> None:
        if callback in self._callbacks:
            self._callbacks.remove(callback)

    def emit(self, *args) -> None:
        for callback in tuple(self._callbacks):
            callback(*args)

    def __repr__(self) -> str:
        return f"<EventEmitter {self.name}: {len(self._callbacks)} connected>"


class Events:
    """A namespace of EventEmitters, one attribute per name given."""

    def __init__(self, *names: str):
        self._names = names
        for name in names:
            setattr(self, name, EventEmitter(name))

    def __iter__(self):
        return (getattr(self, n) for n in self._names)
