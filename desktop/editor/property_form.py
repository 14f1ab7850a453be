"""The property form: the selected layer's name and hyperparameters, generated from its schema.

The form is rebuilt only when another layer (or type) is selected; after an edit, undo or redo it
just shows the new values, so typing is never interrupted by a redraw. Fields commit on Enter or
focus-out (hyperparam_field); the name too: a name that is refused goes back to the one in use.
Every commit names the layer the form was built for, so a focus-out that lands after another
block was clicked still edits the layer that was typed into.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFormLayout, QLabel, QLineEdit, QScrollArea, QVBoxLayout, QWidget

from core.spec import LayerEntry
from core.view import shape_text
from desktop.editor.block_info import BlockInfo
from desktop.editor.hyperparam_field import HyperParamField, framed, mark_error
from desktop.editor.spec_edits import CANCELLED

PLACEHOLDER = ("Select a block to edit its name and hyperparameters.\n\n"
               "Drag a layer from the palette onto the network to add it.")


class PropertyForm(QScrollArea):
    """``apply_hp(layer, name, value)`` and ``apply_name(layer, new)`` make the edit and return an
    error, CANCELLED or None; ``check_name(layer, new)`` says why a name is not allowed (or None)."""

    def __init__(self, apply_hp: Callable[[str, str, Any], str | None],
                 apply_name: Callable[[str, str], str | None],
                 check_name: Callable[[str, str], str | None], parent=None):
        super().__init__(parent)
        self._apply_hp, self._apply_name, self._check_name = apply_hp, apply_name, check_name
        self.setWidgetResizable(True)
        self.setMinimumWidth(220)
        self.fields: dict[str, HyperParamField] = {}
        self.name_edit: QLineEdit | None = None
        self.name_error = QLabel()
        self._key: tuple | None = None  # (name, type) the form was built for
        self._retired: QWidget | None = None  # the page replaced last, until Qt deletes it
        self._building = False
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
                if name in entry.hp and (f.applied != entry.hp[name] or f.value() != entry.hp[name] or f.error):
                    f.set_value(entry.hp[name])
            self._show_status(info)

    def _build(self, entry: LayerEntry | None, cls: type | None, info: BlockInfo | None) -> None:
        self._key = (entry.name, entry.type) if entry else None
        self.fields = {}
        page = QWidget()
        outer = QVBoxLayout(page)
        outer.setAlignment(Qt.AlignTop)
        # the old page goes later, not now: this may run inside one of its fields' own signals (a
        # rename rebuilds the form from the name field's Enter); taking it away moves the focus,
        # and that focus-out is not a commit
        was, self._building = self._building, True
        try:
            old = self.takeWidget()
            if old is not None:
                old.deleteLater()
            self._retired = old
            self.setWidget(page)
        finally:
            self._building = was
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
                                    lambda v, name=name, layer=entry.name: self._commit_hp(layer, name, v))
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

    def _commit_hp(self, layer: str, name: str, value: Any) -> str | None:
        if self._building:
            return CANCELLED
        return self._apply_hp(layer, name, value)

    def _show_name_problem(self, problem: str | None) -> None:
        self.name_error.setText(problem or "")
        self.name_error.setVisible(bool(problem))
        mark_error(self.name_frame, bool(problem))

    def _name_typed(self, text: str) -> None:
        if self._key is not None:
            self._show_name_problem(None if text == self._key[0] else self._check_name(self._key[0], text))

    def _name_done(self) -> None:
        """Enter or focus-out in the name field: rename, or go back to the name in use and say why."""
        if self._building or self._key is None or self.name_edit is None:
            return
        old, text = self._key[0], self.name_edit.text()
        if text == old:
            return
        edit = self.name_edit
        was, self._building = self._building, True  # the question's dialog takes the focus: not a commit
        try:
            problem = self._check_name(old, text) or self._apply_name(old, text)
        finally:
            self._building = was
        if problem is None:
            return  # renamed: the form was rebuilt for the new name
        edit.setText(old)
        self._show_name_problem(None if problem == CANCELLED else f"{problem} (still {old!r})")
