"""The one undo command of the editor: replace the spec, remembering the one before.

Every edit (add, remove, move, set hyperparameter, rename) is a pure function of the spec
(spec_edits.py), so one command that stores the spec before and after undoes any of them exactly.
Consecutive changes of the same hyperparameter of the same layer can merge into one undo step
(``set_hyperparam(..., merge=True)``); the form commits whole values on Enter, so it does not.
A command never asks anything: the editor consults its confirm callback before it pushes one and
before its undo/redo move the stack, since QUndoStack moves the index whatever a command does.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QUndoCommand

from core.spec import NetworkSpec

MERGE_ID = 0x5EC  # any fixed int: QUndoStack only merges commands with the same id()


class SpecCommand(QUndoCommand):
    def __init__(self, text: str, before: NetworkSpec, after: NetworkSpec,
                 apply: Callable[[NetworkSpec], None], merge_key: tuple | None = None):
        super().__init__(text)
        self.before, self.after = before, after
        self._apply = apply
        self.merge_key = merge_key

    def redo(self) -> None:
        self._apply(self.after)

    def undo(self) -> None:
        self._apply(self.before)

    def id(self) -> int:
        return MERGE_ID if self.merge_key is not None else -1

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, SpecCommand) or other.merge_key != self.merge_key:
            return False
        self.after = other.after
        return True
