"""The network editor: palette | canvas | property form, with every edit on one undo stack.

The editor owns the current NetworkSpec. Each edit is a pure function of the spec (spec_edits)
pushed as a SpecCommand; applying a spec redraws the canvas and form and emits sigSpecChanged.
The main window uses ``spec()``, ``set_spec``, ``load_file``/``save_file``, the undo actions,
``highlight_layer``/``set_layer_error`` (training feedback), ``block_context_menu_hook`` and
``confirm``.

``confirm(old_spec, new_spec) -> bool`` is asked before any change reaches the spec: before an
edit (the form, the palette, a drop, the Delete key, the block menu) is pushed and before undo or
redo moves (``undo()``/``redo()``, which the undo actions call). A refused change never reaches
the spec, the undo stack or sigSpecChanged, so whoever follows the signal (the engine) can apply
every spec it is sent without asking again.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence, QUndoStack
from PySide6.QtWidgets import QHBoxLayout, QSplitter, QWidget

from core.errors import BackstepError
from core.io import atomic_write_text
from core.registry import Registry
from core.spec import NetworkSpec, load_spec, spec_json
from core.view import shape_text
from desktop.editor import spec_edits
from desktop.editor.block_delegate import Block
from desktop.editor.block_info import BlockInfo, block_infos, loss_problem
from desktop.editor.layer_palette import LayerPalette
from desktop.editor.network_canvas import NetworkCanvas
from desktop.editor.property_form import PropertyForm
from desktop.editor.spec_command import SpecCommand
from desktop.editor.spec_edits import CANCELLED

__all__ = ["CANCELLED", "NetworkEditor"]

LOSS_NAMES = {"softmax_cross_entropy": "softmax cross-entropy"}


class NetworkEditor(QWidget):
    sigSpecChanged = Signal(object)  # the new NetworkSpec after any edit, undo, redo or load_file
    sigLayerSelected = Signal(str)  # layer name

    def __init__(self, registry: Registry, parent=None):
        super().__init__(parent)
        self.registry = registry
        self._spec = NetworkSpec("Untitled", (1, 28, 28), ())
        self._infos: list[BlockInfo] = []
        self._selected: str | None = None
        self._highlight: str | None = None
        self._runtime_errors: dict[str, str] = {}
        self.current_path: Path | None = None
        self.confirm: Callable[[NetworkSpec, NetworkSpec], bool] | None = None
        self._asking = False  # confirm is open: a change arriving meanwhile is refused, not asked again

        self.undo_stack = QUndoStack(self)
        # our own actions, not QUndoStack.createUndoAction's: those move the stack without asking
        self.undo_action = self._stack_action("&Undo", self.undo, self.undo_stack.canUndoChanged,
                                              self.undo_stack.undoTextChanged)
        self.undo_action.setShortcut(QKeySequence.Undo)
        self.redo_action = self._stack_action("&Redo", self.redo, self.undo_stack.canRedoChanged,
                                              self.undo_stack.redoTextChanged)
        self.redo_action.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence.Redo])
        self.addActions([self.undo_action, self.redo_action])  # live even before a menu holds them

        self.palette = LayerPalette(registry)
        self.canvas = NetworkCanvas()
        self.form = PropertyForm(self._form_set_hp, self._form_rename, self._form_check_name)
        splitter = QSplitter(Qt.Horizontal)
        for w in (self.palette, self.canvas, self.form):
            splitter.addWidget(w)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([170, 400, 260])
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(splitter)

        self.palette.sigAddRequested.connect(self._add_after_selection)
        self.canvas.sigInsertRequested.connect(lambda t, i: self.add_layer(t, i))
        self.canvas.sigMoveRequested.connect(self.move_layer)
        self.canvas.sigRemoveRequested.connect(self.remove_layer)
        self.canvas.sigLayerSelected.connect(self._on_canvas_selected)
        self._show()

    # --- the spec -------------------------------------------------------------------------------

    def spec(self) -> NetworkSpec:
        return self._spec

    def set_spec(self, spec: NetworkSpec) -> None:
        """Show ``spec`` as a fresh document: clears undo history and training marks (no signal)."""
        self.undo_stack.clear()
        self._runtime_errors.clear()
        self._highlight = None
        self._selected = None
        self._apply(spec, emit=False)

    def block_infos(self) -> list[BlockInfo]:
        """What every block shows, in layer order (for tests and the main window)."""
        return list(self._infos)

    def _apply(self, spec: NetworkSpec, emit: bool = True) -> None:
        """Make ``spec`` current and redraw; called by set_spec and by every undo command."""
        self._spec = spec
        names = {e.name for e in spec.layers}
        self._runtime_errors = {k: v for k, v in self._runtime_errors.items() if k in names}
        if self._selected not in names:
            self._selected = None
        self._show()
        if emit:
            self.sigSpecChanged.emit(spec)

    def _allowed(self, new: NetworkSpec) -> bool:
        """Ask ``confirm`` whether the spec may become ``new`` (once; never while it is asking)."""
        if self.confirm is None:
            return True
        if self._asking:  # e.g. a field's focus-out while the question's dialog takes the focus
            return False
        self._asking = True
        try:
            return bool(self.confirm(self._spec, new))
        finally:
            self._asking = False

    def _push(self, text: str, new: NetworkSpec, merge_key: tuple | None = None,
              select: str | None = None) -> str | None:
        """Push the change to ``new`` if ``confirm`` allows it: None, or CANCELLED if refused."""
        if new == self._spec:
            return None
        if not self._allowed(new):
            return CANCELLED
        if select is not None:
            self._selected = select
        self.undo_stack.push(SpecCommand(text, self._spec, new, self._apply, merge_key))
        return None

    def _edit(self, text: str, make: Callable[[], NetworkSpec], **kw) -> str | None:
        """Run a spec_edits function and push it; the message if it cannot be made (or CANCELLED)."""
        try:
            new = make()
        except BackstepError as exc:
            return str(exc)
        return self._push(text, new, **kw)

    # --- undo and redo (asking confirm first) -------------------------------------------------------

    def _stack_action(self, prefix: str, slot, enabled_changed, text_changed) -> QAction:
        action = QAction(prefix, self)
        action.setEnabled(False)
        action.triggered.connect(lambda _checked=False: slot())
        enabled_changed.connect(action.setEnabled)
        text_changed.connect(lambda text: action.setText(f"{prefix} {text}".strip()))
        return action

    def _command(self, index: int) -> SpecCommand | None:
        cmd = self.undo_stack.command(index) if 0 <= index < self.undo_stack.count() else None
        return cmd if isinstance(cmd, SpecCommand) else None

    def undo(self) -> bool:
        """Undo the last edit if ``confirm`` allows going back to the spec before it."""
        cmd = self._command(self.undo_stack.index() - 1)
        if cmd is None or not self._allowed(cmd.before):
            return False
        self.undo_stack.undo()
        return True

    def redo(self) -> bool:
        """Redo the next edit if ``confirm`` allows it."""
        cmd = self._command(self.undo_stack.index())
        if cmd is None or not self._allowed(cmd.after):
            return False
        self.undo_stack.redo()
        return True

    # --- edits (each one undoable) ----------------------------------------------------------------

    def add_layer(self, type_id: str, index: int | None = None, name: str | None = None) -> str | None:
        """Insert a ``type_id`` layer before ``index`` (None: at the end) and select it."""
        index = len(self._spec.layers) if index is None else index
        try:
            new = spec_edits.add_layer(self._spec, self.registry, type_id, index, name)
        except BackstepError as exc:
            return str(exc)
        added = new.layers[index].name
        return self._push(f"Add {added}", new, select=added)

    def remove_layer(self, index: int) -> str | None:
        name = self._layer_name(index)
        return self._edit(f"Delete {name}", lambda: spec_edits.remove_layer(self._spec, index))

    def move_layer(self, src: int, dst: int) -> str | None:
        name = self._layer_name(src)
        return self._edit(f"Move {name}", lambda: spec_edits.move_layer(self._spec, src, dst), select=name)

    def set_hyperparam(self, index: int, name: str, value: Any, merge: bool = False) -> str | None:
        """Validated by the layer's HyperParam; an invalid value returns the message and changes nothing.

        ``merge`` folds consecutive changes of the same field into one undo step.
        """
        layer = self._layer_name(index)
        return self._edit(f"Set {layer}.{name}",
                          lambda: spec_edits.set_hyperparam(self._spec, self.registry, index, name, value),
                          merge_key=(layer, name) if merge else None)

    def rename_layer(self, index: int, new_name: str) -> str | None:
        old = self._layer_name(index)
        select = new_name if self._selected == old else None
        return self._edit(f"Rename {old} to {new_name}",
                          lambda: spec_edits.rename_layer(self._spec, index, new_name), select=select)

    def _layer_name(self, index: int) -> str:
        return self._spec.layers[index].name if 0 <= index < len(self._spec.layers) else f"#{index}"

    def _index_of(self, name: str | None) -> int | None:
        return next((i for i, e in enumerate(self._spec.layers) if e.name == name), None)

    # --- selection and training feedback ----------------------------------------------------------

    def selected_layer(self) -> str | None:
        return self._selected

    def select_layer(self, name: str | None) -> None:
        self._selected = name if self._index_of(name) is not None else None
        self.canvas.select_layer(self._selected)
        self._show_form()
        if self._selected:
            self.sigLayerSelected.emit(self._selected)

    def _on_canvas_selected(self, name: str) -> None:
        if name != self._selected:
            self.select_layer(name)

    def _add_after_selection(self, type_id: str) -> None:
        i = self._index_of(self._selected)
        self.add_layer(type_id, None if i is None else i + 1)

    def highlight_layer(self, name: str | None) -> None:
        """Frame the block the current training phase touched (None: no block)."""
        if name != self._highlight:
            self._highlight = name
            self.canvas.set_highlight(name)
            item = self.canvas.layer_item(name) if name else None
            if item is not None:
                self.canvas.scrollToItem(item)

    def set_layer_error(self, name: str, message: str | None) -> None:
        """Mark ``name`` with the error it raised during a phase (None clears it)."""
        if message:
            self._runtime_errors[name] = message
        else:
            self._runtime_errors.pop(name, None)
        self._show_canvas()

    @property
    def block_context_menu_hook(self):
        """callable(layer name, QMenu): adds entries (e.g. "Add breakpoint") to a block's menu."""
        return self.canvas.block_context_menu_hook

    @block_context_menu_hook.setter
    def block_context_menu_hook(self, hook) -> None:
        self.canvas.block_context_menu_hook = hook

    # --- files ----------------------------------------------------------------------------------

    def load_file(self, path) -> str | None:
        """Open a spec file as a fresh document; the error (naming the file) instead of raising."""
        try:
            spec = load_spec(path)
        except BackstepError as exc:
            return str(exc)
        except Exception as exc:  # noqa: BLE001 - a dialog, never a crash
            return f"{path}: {exc}"
        self.set_spec(spec)
        self.current_path = Path(path)
        self.sigSpecChanged.emit(spec)
        return None

    def save_file(self, path) -> None:
        """Write the spec as JSON, atomically (OSError propagates for the caller's dialog)."""
        atomic_write_text(path, spec_json(self._spec))
        self.current_path = Path(path)
        self.undo_stack.setClean()

    # --- drawing --------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Redraw every block from the registry (after a plugin's classes were reloaded)."""
        self._show()

    def _show(self) -> None:
        self._infos = block_infos(self._spec, self.registry) if self._spec.layers else []
        self._show_canvas()
        self._show_form()

    def _blocks(self) -> list[Block]:
        spec = self._spec
        blocks = [Block("input", "input", shape_text(spec.input_shape), first=True)]
        for info in self._infos:
            error = self._runtime_errors.get(info.name)
            error = f"raised: {error}" if error else info.error
            note = f"no shape yet: waits for {info.blocked_by}, which does not fit" if info.blocked_by else None
            blocks.append(Block("layer", info.name, info.params_label, info, error, note,
                                highlighted=info.name == self._highlight))
        loss = LOSS_NAMES.get(spec.loss, spec.loss)
        classes = f"{len(spec.classes)} classes" if spec.classes else ""
        blocks.append(Block("loss", f"loss: {loss}", classes, error=loss_problem(spec, self._infos)))
        return blocks

    def _show_canvas(self) -> None:
        self.canvas.show_blocks(self._blocks(), self._selected)

    def _show_form(self) -> None:
        i = self._index_of(self._selected)
        if i is None:
            self.form.show_layer(None, None, None)
            return
        entry = self._spec.layers[i]
        cls = self.registry.get(entry.type) if entry.type in self.registry else None
        self.form.show_layer(entry, cls, self._infos[i])

    # --- form callbacks -------------------------------------------------------------------------

    # (by the name of the layer the form was built for, not the selection: a commit on focus-out
    # comes when the click that moved the focus may already be selecting another block)

    def _form_set_hp(self, layer: str, name: str, value: Any) -> str | None:
        i = self._index_of(layer)
        return f"no layer {layer!r} any more" if i is None else self.set_hyperparam(i, name, value)

    def _form_rename(self, layer: str, new_name: str) -> str | None:
        i = self._index_of(layer)
        return f"no layer {layer!r} any more" if i is None else self.rename_layer(i, new_name)

    def _form_check_name(self, layer: str, new_name: str) -> str | None:
        return spec_edits.name_problem(self._spec, new_name, self._index_of(layer))


if __name__ == "__main__":  # preview: python -m desktop.editor.network_editor [spec.json]
    import sys

    from PySide6.QtWidgets import QApplication

    from core.registry import default_registry

    app = QApplication(sys.argv)
    editor = NetworkEditor(default_registry())
    path = sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parents[2] / "resources/networks/lecture.json"
    problem = editor.load_file(path)
    if problem:
        print(problem, file=sys.stderr)
    editor.resize(1000, 760)
    editor.show()
    sys.exit(app.exec())
