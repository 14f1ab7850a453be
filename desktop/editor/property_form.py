"""The property form: the selected layer's name and hyperparameters, generated from its schema.

The form is rebuilt only when another layer (or type) is selected; after an edit, undo or redo it
just shows the new values, so typing is never interrupted by a redraw.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QFormLayout, QLabel, QLineEdit, QScrollArea, QVBoxLayout, QWidget

from core.spec import LayerEntry
from core.view import shape_text
from desktop.editor.block_info import BlockInfo
from desktop.editor.hyperparam_field import HyperParamField, framed, mark_error

PLACEHOLDER = ("Select a block to edit its name and hyperparameters.\n\n"
               "Drag a layer from the palette onto the network to add it.")


class PropertyForm(QScrollArea):
    """``apply_hp(name, value)`` and ``apply_name(new)`` make the edit and return an error or None;
    ``check_name(new)`` says why a name is not allowed (or None)."""

    def __init__(self, apply_hp: Callable[[str, Any], str | None], apply_name: Callable[[str], str | None],
                 check_name: Callable[[str], str | None], parent=None):
        super().__init__(parent)
        self._apply_hp, self._apply_name, self._check_name = apply_hp, apply_name, check_name
        self.setWidgetResizable(True)
        self.setMinimumWidth(220)
        self.fields: dict[str, HyperParamField] = {}
        self.name_edit: QLineEdit | None = None
        self.name_error = QLabel()
        self._key: tuple | None = None  # (name, type) the form was built for
        self._build(None, None, None)

    # --- building -------------------------------------------------------------------------------

    def show_layer(self, entry: LayerEntry | None, cls: type | None, info: BlockInfo | None) -> None:
        """Show ``entry`` (None: the placeholder); rebuild only if the layer or its type changed."""
        key = (entry.name, entry.type) if entry else None
        if key != self._key:
            self._build(entry, cls, info)
            return
        if entry is not None:
            for name, f in self.fields.items():
                if name in entry.hp and (f.value() != entry.hp[name] or f.error):
                    f.set_value(entry.hp[name])
            self._show_status(info)

    def _build(self, entry: LayerEntry | None, cls: type | None, info: BlockInfo | None) -> None:
        self._key = (entry.name, entry.type) if entry else None
        self.fields = {}
        page = QWidget()
        outer = QVBoxLayout(page)
        outer.setAlignment(Qt.AlignTop)
        self.setWidget(page)
        if entry is None:
            self.name_edit = None
            hint = QLabel(PLACEHOLDER)
            hint.setWordWrap(True)
            hint.setStyleSheet("color: #616161;")
            outer.addWidget(hint)
            return
        title = QLabel(f"<b style='font-size:12pt'>{entry.name}</b>  "
                       f"<span style='color:#616161'>{cls.spec.name if cls else entry.type}</span>")
        outer.addWidget(title)
        if cls is not None and cls.spec.description:
            desc = QLabel(cls.spec.description)
            desc.setWordWrap(True)
            desc.setStyleSheet("color: #616161;")
            outer.addWidget(desc)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.AllNonFixedFieldsGrow)
        outer.addLayout(form)
        self.name_edit = QLineEdit(entry.name)
        self.name_edit.textChanged.connect(self._name_typed)
        self.name_edit.editingFinished.connect(self._name_done)
        self.name_error = QLabel()
        self.name_error.setWordWrap(True)
        self.name_error.setStyleSheet("color: #c62828;")
        self.name_error.hide()
        name_box = QVBoxLayout()
        name_box.setSpacing(2)
        self.name_frame = framed(self.name_edit)
        name_box.addWidget(self.name_frame)
        name_box.addWidget(self.name_error)
        form.addRow(self._label("name", "the layer's unique name, used in weight and trace files"), name_box)
        if cls is None:
            outer.addWidget(QLabel(f"The layer type {entry.type!r} is not loaded; see Plugins."))
        else:
            for name, schema in cls.hyperparams.items():
                f = HyperParamField(name, schema, entry.hp.get(name, schema.default),
                                    lambda v, name=name: self._apply_hp(name, v))
                self.fields[name] = f
                form.addRow(self._label(name, schema.help), f)
                if schema.help:
                    help_label = QLabel(schema.help)
                    help_label.setWordWrap(True)
                    help_label.setStyleSheet("color: #757575; font-size: 8pt;")
                    form.addRow("", help_label)
        self.status = QLabel()
        self.status.setWordWrap(True)
        outer.addSpacing(8)
        outer.addWidget(self.status)
        self._show_status(info)

    @staticmethod
    def _label(text: str, tip: str) -> QLabel:
        label = QLabel(text)
        label.setToolTip(tip)
        label.setContentsMargins(0, 5, 0, 0)  # level with the text inside the framed field
        return label

    def _show_status(self, info: BlockInfo | None) -> None:
        if info is None:
            self.status.setText("")
        elif info.error:
            self.status.setText(f"<span style='color:#c62828'><b>Does not fit:</b> {info.error}</span>")
        else:
            ins = shape_text(info.in_shape) if info.in_shape else "?"
            self.status.setText(f"input {ins} → output <b>{info.shape_label}</b><br>"
                                f"{info.params_label or 'no parameters'}")

    # --- the name field -------------------------------------------------------------------------

    def _name_typed(self, text: str) -> None:
        problem = None if self._key and text == self._key[0] else self._check_name(text)
        self.name_error.setText(problem or "")
        self.name_error.setVisible(bool(problem))
        mark_error(self.name_frame, bool(problem))

    def _name_done(self) -> None:
        text = self.name_edit.text()
        if self._key is None or text == self._key[0] or self._check_name(text):
            return
        # applied after this signal returns: the rename rebuilds the form, deleting this field
        QTimer.singleShot(0, lambda: self._apply_name(text))
