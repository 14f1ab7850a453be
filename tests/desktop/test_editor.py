"""The network editor, worked the way a user works it: palette drops, keys, the form, undo, files."""

import json

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMenu

from core.registry import default_registry
from core.spec import load_spec, spec_json
from desktop.editor import NetworkEditor
from desktop.editor.block_delegate import BLOCK_ROLE
from desktop.editor.layer_palette import LAYER_TYPE_MIME, type_mime
from desktop.editor.network_editor import CANCELLED
from desktop.editor.spec_edits import unique_name
from tests.conftest import LECTURE

pytestmark = pytest.mark.skipif("conv2d" not in default_registry(), reason="built-in plugins not loaded")


@pytest.fixture
def editor(qtbot):
    ed = NetworkEditor(default_registry())
    qtbot.addWidget(ed)
    ed.set_spec(load_spec(LECTURE))
    ed.resize(1000, 760)
    ed.show()
    return ed


def names(ed):
    return [e.name for e in ed.spec().layers]


def test_lecture_blocks_show_shapes_and_params(editor):
    block = editor.canvas.block("conv1")
    assert block.info.shape_label == "6×24×24" and block.info.param_count == 156
    item = editor.canvas.layer_item("conv1")
    assert "6×24×24" in item.text() and "156 params" in item.text()
    assert "156 params" in item.toolTip()
    assert editor.canvas.block("fc1").info.param_count == 256 * 120 + 120
    assert editor.canvas.item(0).text() == "input 1×28×28"
    assert "softmax cross-entropy" in editor.canvas.item(editor.canvas.count() - 1).text()
    assert not any(b.error for b in editor.block_infos())


def test_palette_lists_every_layer_with_icon_and_tooltip(editor):
    items = editor.palette.type_items()
    assert {"conv2d", "maxpool2d", "sigmoid", "dense", "flatten"} <= set(items)
    conv = items["conv2d"]
    assert not conv.icon(0).isNull()
    assert "kernel_size" in conv.toolTip(0) and conv.parent().text(0) == "Convolution"
    assert editor.palette.mimeData([conv]).data(LAYER_TYPE_MIME).data() == b"conv2d"


def test_add_layer_generates_unique_names_and_is_undoable(editor, qtbot):
    before = editor.spec()
    with qtbot.waitSignal(editor.sigSpecChanged) as sig:
        assert editor.add_layer("sigmoid", 1) is None
    assert sig.args[0] is editor.spec()
    assert names(editor)[1] == "sig4"
    assert editor.add_layer("conv2d") is None and names(editor)[-1] == "conv3"
    assert editor.add_layer("conv2d", name="conv1") is not None  # a taken name is refused
    assert unique_name(editor.spec(), "conv2d") == "conv4"
    editor.undo_stack.undo()
    editor.undo_stack.undo()
    assert editor.spec() == before
    editor.undo_stack.redo()
    assert names(editor)[1] == "sig4"


def test_drop_from_palette_inserts_between_blocks(editor):
    canvas = editor.canvas
    assert canvas.drop_mime(type_mime("relu"), canvas.gap_pos(3))  # between pool1 and conv2
    assert names(editor)[2:5] == ["pool1", "relu1", "conv2"]
    assert editor.selected_layer() == "relu1"
    assert canvas.block("relu1").info.shape_label == "6×12×12"


def test_drag_block_to_reorder(editor):
    canvas = editor.canvas
    editor.select_layer("sig1")
    mime = type_mime("x")
    mime.setData("application/x-backstep-block", b"1")
    mime.removeFormat(LAYER_TYPE_MIME)
    assert canvas.drop_mime(mime, canvas.gap_pos(3))  # sig1 dropped after pool1
    assert names(editor)[:3] == ["conv1", "pool1", "sig1"]
    assert editor.move_layer(0, 2) is None and names(editor)[:3] == ["pool1", "sig1", "conv1"]


def test_undo_redo_restores_exact_spec(editor):
    original = spec_json(editor.spec())
    editor.add_layer("tanh", 2)
    editor.set_hyperparam(0, "out_channels", 8)
    editor.rename_layer(3, "pool_a")
    editor.move_layer(0, 1)
    editor.remove_layer(5)
    edited = spec_json(editor.spec())
    assert editor.undo_stack.count() == 5
    while editor.undo_stack.canUndo():
        editor.undo_action.trigger()
    assert spec_json(editor.spec()) == original
    while editor.undo_stack.canRedo():
        editor.redo_action.trigger()
    assert spec_json(editor.spec()) == edited
    assert editor.redo_action.shortcuts()[0].toString() == "Ctrl+Shift+Z"


def test_invalid_hyperparameter_is_refused_with_a_message(editor):
    before = editor.spec()
    message = editor.set_hyperparam(0, "kernel_size", 0)
    assert message and "kernel_size" in message and "minimum" in message
    assert editor.spec() == before and editor.undo_stack.count() == 0
    assert "no hyperparameter" in editor.set_hyperparam(0, "colour", 1)


def test_form_validates_as_you_type(editor, qtbot):
    editor.select_layer("conv1")
    field = editor.form.fields["kernel_size"]
    field.editor.lineEdit().selectAll()
    qtbot.keyClicks(field.editor.lineEdit(), "0")
    assert field.error and "minimum" in field.error and not field.error_label.isHidden()
    assert editor.spec().layers[0].hp["kernel_size"] == 5
    field.editor.lineEdit().selectAll()
    qtbot.keyClicks(field.editor.lineEdit(), "3")
    assert field.pending and editor.spec().layers[0].hp["kernel_size"] == 5  # typed, not applied yet
    qtbot.keyClick(field.editor.lineEdit(), Qt.Key_Return)  # fields commit on Enter (or focus-out)
    assert field.error is None and editor.spec().layers[0].hp["kernel_size"] == 3
    assert editor.canvas.block("conv1").info.shape_label == "6×26×26"
    editor.form.name_edit.setText("conv2")
    assert "already" in editor.form.name_error.text()


def test_kernel_too_large_marks_the_block_with_the_reason(editor):
    assert editor.set_hyperparam(3, "kernel_size", 13) is None  # conv2 on 6×12×12
    block = editor.canvas.block("conv2")
    assert block.error and block.info.out_shape is None
    assert block.error in editor.canvas.layer_item("conv2").toolTip()
    sig2 = editor.canvas.block("sig2")  # only the culprit is red; later blocks wait for it
    assert sig2.error is None and "waits for conv2" in sig2.note and sig2.info.blocked_by == "conv2"
    editor.undo_stack.undo()
    assert editor.canvas.block("conv2").error is None


def test_loss_block_says_when_the_net_does_not_end_in_scores(editor):
    editor.remove_layer(9)
    editor.remove_layer(8)
    loss = editor.canvas.item(editor.canvas.count() - 1).data(BLOCK_ROLE)
    assert "10 classes, but the last layer outputs 120" in loss.error  # fc1 is now last
    editor.remove_layer(7)
    editor.remove_layer(6)
    loss = editor.canvas.item(editor.canvas.count() - 1).data(BLOCK_ROLE)
    assert "one score per class" in loss.error


def test_delete_key_removes_the_selected_block(editor, qtbot):
    editor.canvas.setFocus()
    editor.select_layer("sig2")
    qtbot.keyClick(editor.canvas, Qt.Key_Delete)
    assert "sig2" not in names(editor) and len(names(editor)) == 9
    editor.undo_stack.undo()
    assert names(editor)[4] == "sig2"


def test_context_menu_and_hook(editor):
    seen = []
    editor.block_context_menu_hook = lambda name, menu: (seen.append(name), menu.addAction("Add breakpoint"))
    menu: QMenu = editor.canvas.build_context_menu(1)
    texts = [a.text() for a in menu.actions() if a.text()]
    assert texts == ["Delete", "Move up", "Move down", "Add breakpoint"] and seen == ["sig1"]
    menu.actions()[2].trigger()  # Move down
    assert names(editor)[1:3] == ["pool1", "sig1"]


def test_training_feedback_marks_blocks(editor):
    editor.highlight_layer("fc1")
    assert editor.canvas.block("fc1").highlighted
    editor.set_layer_error("conv2", "overflow in exp")
    assert "overflow in exp" in editor.canvas.block("conv2").error
    editor.set_layer_error("conv2", None)
    assert editor.canvas.block("conv2").error is None


def test_load_broken_file_returns_a_message_naming_it(editor, tmp_path):
    bad = tmp_path / "broken.json"
    bad.write_text('{"format": "backstep.network/1", "layers": [')
    before = editor.spec()
    message = editor.load_file(bad)
    assert message and "broken.json" in message
    assert editor.spec() == before
    assert "nothing.json" in editor.load_file(tmp_path / "nothing.json")


def test_save_load_round_trip(editor, tmp_path, qtbot):
    editor.add_layer("relu", 1)
    editor.set_hyperparam(0, "padding", 1)
    path = tmp_path / "net.json"
    editor.save_file(path)
    assert json.loads(path.read_text())["layers"][1]["type"] == "relu"
    other = NetworkEditor(default_registry())
    qtbot.addWidget(other)
    with qtbot.waitSignal(other.sigSpecChanged):
        assert other.load_file(path) is None
    assert spec_json(other.spec()) == spec_json(editor.spec())
    assert other.undo_stack.count() == 0


def test_screenshot(editor, qtbot):
    editor.select_layer("conv1")
    editor.highlight_layer("pool1")
    qtbot.wait(10)
    assert editor.grab().save("/tmp/editor.png")


def test_unknown_layer_type_is_marked_not_fatal(editor):
    from core.spec import LayerEntry

    spec = editor.spec()
    editor.set_spec(spec.replace_layers((LayerEntry("odd", "no_such_layer"),) + spec.layers))
    assert "no_such_layer" in editor.canvas.block("odd").error
    editor.select_layer("odd")
    assert editor.form.fields == {} and editor.form.name_edit.text() == "odd"


def test_palette_double_click_adds_after_the_selection(editor, qtbot):
    editor.select_layer("conv1")
    editor.palette.itemDoubleClicked.emit(editor.palette.type_items()["tanh"], 0)
    assert names(editor)[:2] == ["conv1", "tanh1"]


@pytest.mark.parametrize("schema, value, typed, bad", [
    ("choices", "max", "avg", "median"),
    ("bool", True, False, "yes"),
    ("float", 0.5, 0.25, -1.0),
    ("str", "a", "b", 3),
])
def test_every_field_kind_validates(qtbot, schema, value, typed, bad):
    from core.api import HyperParam
    from desktop.editor.hyperparam_field import HyperParamField

    schemas = {"choices": HyperParam(str, "max", "mode", choices=("max", "avg")),
               "bool": HyperParam(bool, True, "flag"),
               "float": HyperParam(float, 0.5, "rate", min=0.0, max=1.0),
               "str": HyperParam(str, "a", "label")}
    applied = []
    field = HyperParamField("p", schemas[schema], value, lambda v: applied.append(v))
    qtbot.addWidget(field)
    assert field.value() == value and field.error is None
    field.commit(typed)
    assert applied == [typed] and field.error is None
    field.commit(bad)
    assert applied == [typed] and field.error and field.error.startswith("p:")


def test_confirm_is_asked_before_an_edit_or_undo_reaches_the_spec(editor, qtbot):
    """``confirm(old, new)`` is consulted first; a refused change never reaches the spec, the undo
    stack or sigSpecChanged (which is what the engine follows)."""
    asked, answer, sent = [], [True], []
    editor.confirm = lambda old, new: (asked.append((old, new)), answer[0])[1]
    editor.sigSpecChanged.connect(sent.append)
    start = editor.spec()
    assert editor.set_hyperparam(0, "kernel_size", 3) is None
    after = editor.spec()
    assert asked == [(start, after)] and sent == [after]
    answer[0] = False
    assert editor.set_hyperparam(0, "kernel_size", 4) == CANCELLED
    assert editor.remove_layer(1) == CANCELLED and editor.add_layer("relu") == CANCELLED
    assert editor.spec() == after and editor.undo_stack.count() == 1 and sent == [after]
    editor.undo_action.trigger()  # undo asks too (to go back to start), and No leaves it all
    assert asked[-1] == (after, start) and editor.spec() == after and editor.undo_stack.index() == 1
    answer[0] = True
    editor.undo_action.trigger()
    assert editor.spec() == start and sent[-1] == start and editor.undo_stack.index() == 0
    answer[0] = False
    assert not editor.redo() and editor.spec() == start and editor.undo_stack.canRedo()
    assert editor.redo_action.isEnabled() and not editor.undo_action.isEnabled()
    answer[0] = True
    assert editor.redo() and editor.spec() == after and editor.undo_action.text() == "&Undo Set conv1.kernel_size"
    editor.set_spec(start)  # a fresh document is not an edit: not asked
    assert len(asked) == 8
