"""One form field built from a HyperParam schema, validated as the user types.

int -> QSpinBox, float -> QDoubleSpinBox, choices -> QComboBox, bool -> QCheckBox, str -> QLineEdit.
Every change is checked with ``HyperParam.coerce``; an invalid entry gets a red border and the
message under the field and is not applied. A valid one is handed to ``apply(value)``, which may
still refuse it (it returns a message then).
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
        self.editor = self._make_editor()
        self.editor.setToolTip(schema.help)
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #c62828;")
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
        w.setKeyboardTracking(True)
        return w

    def _connect(self) -> None:
        w = self.editor
        if isinstance(w, QComboBox):
            w.currentIndexChanged.connect(lambda _i: self._changed(w.currentData()))
        elif isinstance(w, QCheckBox):
            w.toggled.connect(self._changed)
        elif isinstance(w, QSpinBox):
            w.textChanged.connect(lambda t: self._changed(_parse_number(t, int)))
        elif isinstance(w, QDoubleSpinBox):
            w.textChanged.connect(lambda t: self._changed(_parse_number(t, float)))
        else:
            w.textChanged.connect(self._changed)

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
        """Show ``value`` without applying it (and clear any error)."""
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
        self.error_label.setText(message or "")
        self.error_label.setVisible(bool(message))
        mark_error(self.frame, bool(message))

    @property
    def error(self) -> str | None:
        return self.error_label.text() or None

    def _changed(self, raw: Any) -> None:
        try:
            value = self.schema.coerce(self.name, raw)
        except HyperParamError as exc:
            self.show_error(str(exc))
            return
        self.show_error(self._apply(value))
