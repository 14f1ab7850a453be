"""One form field built from a HyperParam schema, validated as the user types, applied on commit.

int -> QSpinBox, float -> QDoubleSpinBox, choices -> QComboBox, bool -> QCheckBox, str -> QLineEdit.

Typing (or a spin box's arrows) only checks: ``HyperParam.coerce`` on every keystroke, and an
invalid entry gets a red border and the message under the field ("above the maximum 11"); a valid
one that differs from the value in use says that Enter applies it. The value is committed on Enter
or when the field loses the focus (a choice or a tick box: when it changes) and handed, once, to
``apply(value)``, which may refuse it (it returns a message, or CANCELLED when the learner said
no). A refused value never stays in the box: it goes back to the value in use and the message
says why. Nothing is clamped: the spin boxes' own ranges are far wider than any schema's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QLocale
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFrame,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from core.api import HyperParam
from core.errors import HyperParamError
from desktop.editor.spec_edits import CANCELLED

INT_LIMIT = 2**31 - 1
FLOAT_LIMIT = 1e12
# The red border goes on a frame around the input, not on the input itself: a style sheet on a
# spin box replaces its native look (the arrow buttons break).
_FRAME_STYLE = "QFrame#fieldFrame {{ border: 2px solid {}; border-radius: 4px; }}"
_C_LOCALE = QLocale.c()
_C_LOCALE.setNumberOptions(QLocale.OmitGroupSeparator)


def framed(widget: QWidget) -> QFrame:
    """``widget`` inside a frame that mark_error can draw red."""
    frame = QFrame()
    frame.setObjectName("fieldFrame")
    lay = QVBoxLayout(frame)
    lay.setContentsMargins(2, 2, 2, 2)
    lay.addWidget(widget)
    mark_error(frame, False)
    return frame


def mark_error(frame: QFrame, bad: bool) -> None:
    frame.setStyleSheet(_FRAME_STYLE.format("#c62828" if bad else "transparent"))


def shown(value: Any) -> str:
    """A value as the field's message quotes it (3, 0.25, 'max')."""
    return f"{value:g}" if isinstance(value, float) else str(value)


def _parse_number(text: str, kind: type) -> Any:
    """The number in a spin box's text, or the text itself (coerce then says what is wrong)."""
    text = text.strip()
    try:
        return kind(text)
    except ValueError:
        return text


class HyperParamField(QWidget):
    def __init__(self, name: str, schema: HyperParam, value: Any, apply: Callable[[Any], str | None],
                 parent=None):
        super().__init__(parent)
        self.name, self.schema, self._apply = name, schema, apply
        self.applied = value  # the value in use (the spec's)
        self._error: str | None = None
        self._committing = False
        self.editor = self._make_editor()
        self.editor.setToolTip(schema.help)
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.hide()
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        self.frame = framed(self.editor)
        lay.addWidget(self.frame)
        lay.addWidget(self.error_label)
        self.set_value(value)
        self._connect()

    # --- widgets --------------------------------------------------------------------------------

    def _make_editor(self) -> QWidget:
        s = self.schema
        if s.choices is not None:
            w = QComboBox()
            for c in s.choices:
                w.addItem(str(c), c)
            return w
        if s.type is bool:
            return QCheckBox()
        if s.type is int:
            w = QSpinBox()
            # the widget's own range is wider than the schema's, so an out-of-range entry can be
            # typed and explained rather than silently clamped
            w.setRange(-INT_LIMIT, INT_LIMIT)
        elif s.type is float:
            w = QDoubleSpinBox()
            w.setDecimals(6)
            w.setRange(-FLOAT_LIMIT, FLOAT_LIMIT)
            w.setSingleStep(0.1 if (s.max is None or s.max > 1) else 0.01)
        else:
            return QLineEdit()
        w.setLocale(_C_LOCALE)
        return w

    def _connect(self) -> None:
        w = self.editor
        if isinstance(w, QComboBox):  # a choice or a tick is a commit
            w.currentIndexChanged.connect(lambda _i: self.commit(w.currentData()))
        elif isinstance(w, QCheckBox):
            w.toggled.connect(self.commit)
        else:  # typed: checked on every key, committed on Enter or focus-out
            w.textChanged.connect(lambda _t: self.check(self.value()))
            w.editingFinished.connect(lambda: self.commit())

    def value(self) -> Any:
        w = self.editor
        if isinstance(w, QComboBox):
            return w.currentData()
        if isinstance(w, QCheckBox):
            return w.isChecked()
        if isinstance(w, QSpinBox):
            return _parse_number(w.text(), int)
        if isinstance(w, QDoubleSpinBox):
            return _parse_number(w.text(), float)
        return w.text()

    def set_value(self, value: Any) -> None:
        """Show ``value`` as the value in use, without applying it (and clear any message)."""
        self.applied = value
        w = self.editor
        w.blockSignals(True)
        try:
            if isinstance(w, QComboBox):
                i = w.findData(value)
                w.setCurrentIndex(i if i >= 0 else 0)
            elif isinstance(w, QCheckBox):
                w.setChecked(bool(value))
            elif isinstance(w, (QSpinBox, QDoubleSpinBox)):
                w.setValue(value)
            else:
                w.setText(str(value))
        finally:
            w.blockSignals(False)
        self.show_error(None)

    # --- validation -----------------------------------------------------------------------------

    def show_error(self, message: str | None) -> None:
        self._error = message or None
        self._show_message(message, "#c62828")
        mark_error(self.frame, bool(message))

    def _show_message(self, text: str | None, colour: str) -> None:
        self.error_label.setText(text or "")
        self.error_label.setStyleSheet(f"color: {colour};")
        self.error_label.setVisible(bool(text))

    @property
    def error(self) -> str | None:
        """Why the value typed (or the last one committed) is refused; None if it is not."""
        return self._error

    @property
    def pending(self) -> bool:
        """A valid value is typed that is not the one in use yet (Enter applies it)."""
        return self._error is None and not self.error_label.isHidden()

    def check(self, raw: Any) -> Any:
        """As the user types: say why ``raw`` would be refused, or that Enter applies it."""
        try:
            value = self.schema.coerce(self.name, raw)
        except HyperParamError as exc:
            self.show_error(str(exc))
            return None
        self.show_error(None)
        if value != self.applied:
            self._show_message(f"Enter applies {shown(value)} (in use: {shown(self.applied)})", "#616161")
        return value

    def commit(self, raw: Any = None) -> None:
        """Apply ``raw`` (None: what the field holds) once; a refused value goes back to the one in use."""
        if self._committing:  # the question's dialog took the focus: the field's focus-out is not a commit
            return
        raw = self.value() if raw is None else raw
        try:
            value = self.schema.coerce(self.name, raw)
        except HyperParamError as exc:
            self._refuse(f"{exc} (still {shown(self.applied)})")
            return
        if value == self.applied:
            self.set_value(value)
            return
        self._committing = True
        try:
            message = self._apply(value)
        finally:
            self._committing = False
        if message is None:
            self.set_value(value)
        elif message == CANCELLED:
            self.set_value(self.applied)
        else:
            self._refuse(f"{message} (still {shown(self.applied)})")

    def _refuse(self, message: str) -> None:
        self.set_value(self.applied)
        self.show_error(message)
