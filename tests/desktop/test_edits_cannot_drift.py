"""Edits that cannot drift: whatever is edited, undone, redone and answered, the engine trains the
network the editor shows. The re-initialise question is asked before a change reaches the editor,
once per committed change; "No" leaves editor, undo stack and engine as they were."""

import numpy as np
import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QFocusEvent
from PySide6.QtWidgets import QApplication, QMessageBox

from desktop.editor.layer_palette import type_mime
from tests.desktop.conftest import press

pytest.importorskip("pytestqt")

YES, NO = QMessageBox.StandardButton.Yes, QMessageBox.StandardButton.No
CTRL, SHIFT = Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.ShiftModifier


class Answers:
    """Scripted answers to QMessageBox.question, and every question asked. Like a real modal
    dialog, each question first takes the focus away from the widget that has it (a spin box gets
    its focus-out and emits editingFinished while the question is open)."""

    def __init__(self):
        self.queue: list[bool] = []
        self.asked: list[tuple[str, str]] = []
        self.said: list[bool] = []
        self.default = None  # answer when the queue is empty (None: an unexpected question fails)
        self.decide = None  # or a function that chooses it

    def __call__(self, parent, title, text, *a, **k):
        self.asked.append((title, text))
        focused = QApplication.focusWidget()
        if focused is not None:
            QApplication.sendEvent(focused, QFocusEvent(QEvent.Type.FocusOut, Qt.FocusReason.ActiveWindowFocusReason))
        if self.queue:
            answer = self.queue.pop(0)
        elif self.decide is not None:
            answer = self.decide()
        else:
            assert self.default is not None, f"unexpected question: {title}: {text}"
            answer = self.default
        self.said.append(answer)
        if focused is not None:
            QApplication.sendEvent(focused, QFocusEvent(QEvent.Type.FocusIn, Qt.FocusReason.ActiveWindowFocusReason))
        return YES if answer else NO

    def reinit_questions(self) -> int:
        return sum(title.startswith("Re-initialise") for title, _ in self.asked)


@pytest.fixture
def answers(monkeypatch):
    a = Answers()
    monkeypatch.setattr(QMessageBox, "question", a)
    return a


def names(window):
    return [e.name for e in window.editor.spec().layers]


def params_copy(window):
    """The engine's weights by layer (layers without parameters left out)."""
    return {k: {p: v.copy() for p, v in ps.items()} for k, ps in window.workspace.network.params.items() if ps}


def same_params(a, b):
    return a.keys() == b.keys() and all(
        a[k].keys() == b[k].keys() and all(np.array_equal(a[k][p], b[k][p]) for p in a[k]) for k in a)


def check_in_step(window):
    """The invariant: the workspace holds the editor's spec; when it builds, the engine's network is
    that spec, with the shapes and parameter counts the editor's blocks show."""
    ws, ed = window.workspace, window.editor
    assert ws.spec == ed.spec()
    if not ws.spec_ok:
        return
    net = ws.network
    assert net.spec == ed.spec()
    infos = ed.block_infos()
    assert [n.name for n in net.nodes] == [i.name for i in infos]
    rng = np.random.default_rng(0)
    for node, info in zip(net.nodes, infos):
        assert node.in_shape == info.in_shape and node.out_shape == info.out_shape, node.name
        assert net.param_count(node.name) == info.param_count, node.name
        expected = window.registry.get(info.type)(**info.hp).init_params(info.in_shape, rng)
        assert {k: v.shape for k, v in net.params[node.name].items()} == {k: v.shape for k, v in expected.items()}


def trained(qtbot, window, iterations=1):
    for _ in range(iterations):
        press(qtbot, window, Qt.Key.Key_F10)
    assert window.workspace.trained_iterations == iterations


def type_into(qtbot, field, text, enter=True):
    """Type ``text`` into a form field as a user does (select all, type, Enter)."""
    field.editor.setFocus()
    line = field.editor.lineEdit() if hasattr(field.editor, "lineEdit") else field.editor
    line.selectAll()
    qtbot.keyClicks(line, text)
    if enter:
        qtbot.keyClick(line, Qt.Key.Key_Return)


# --- the defects a new user hit -------------------------------------------------------------------

def test_kernel_5_to_3_then_ctrl_z_answered_no_leaves_everything_as_it_was(qtbot, window, answers):
    """The issue: 5→3, Ctrl+Z, No showed 6×24×24 in the editor while training ran the 3×3 network."""
    ws, ed = window.workspace, window.editor
    trained(qtbot, window)
    ed.select_layer("conv1")
    answers.queue = [True]
    type_into(qtbot, ed.form.fields["kernel_size"], "3")
    assert answers.reinit_questions() == 1
    assert ws.network.params["conv1"]["weight"].shape == (6, 1, 3, 3)
    assert ed.canvas.block("conv1").info.shape_label == "6×26×26"
    check_in_step(window)

    before, index = params_copy(window), ed.undo_stack.index()
    answers.queue = [False]
    press(qtbot, window, Qt.Key.Key_Z, CTRL)  # would go back to 5×5: asks, and No changes nothing
    assert answers.reinit_questions() == 2
    assert ed.spec().layers[0].hp["kernel_size"] == 3 and ed.canvas.block("conv1").info.shape_label == "6×26×26"
    assert ed.undo_stack.index() == index and ed.undo_stack.canUndo() and not ed.undo_stack.canRedo()
    assert ws.network.params["conv1"]["weight"].shape == (6, 1, 3, 3) and same_params(before, params_copy(window))
    assert ed.form.fields["kernel_size"].value() == 3
    check_in_step(window)
    qtbot.wait(50)  # (the old code undid again on a timer after a No)
    assert ed.undo_stack.index() == index and answers.reinit_questions() == 2
    check_in_step(window)

    answers.queue = [True]
    press(qtbot, window, Qt.Key.Key_Z, CTRL)
    assert ed.spec().layers[0].hp["kernel_size"] == 5 and ws.network.params["conv1"]["weight"].shape == (6, 1, 5, 5)
    check_in_step(window)
    answers.queue = [True]
    press(qtbot, window, Qt.Key.Key_Z, CTRL | SHIFT)  # redo: 3 again, asked again, in the editor and the engine
    assert ed.spec().layers[0].hp["kernel_size"] == 3 and ws.network.params["conv1"]["weight"].shape == (6, 1, 3, 3)
    assert answers.reinit_questions() == 4 and ws.trained_iterations == 1
    check_in_step(window)


def test_typing_12_asks_once_on_enter_and_no_keeps_the_training(qtbot, window, answers):
    """The issue: "1" of "12" opened the question and the Return meant to finish typing answered it."""
    ws, ed = window.workspace, window.editor
    trained(qtbot, window, 2)
    before = params_copy(window)
    ed.select_layer("conv1")
    field = ed.form.fields["out_channels"]
    type_into(qtbot, field, "12", enter=False)
    assert answers.asked == [] and ed.spec().layers[0].hp["out_channels"] == 6  # typing applies nothing
    assert field.pending and "Enter applies 12" in field.error_label.text()
    answers.queue = [False]
    qtbot.keyClick(field.editor.lineEdit(), Qt.Key.Key_Return)
    assert answers.reinit_questions() == 1  # once, though the question's dialog took the focus (a focus-out)
    assert "conv1" in answers.asked[0][1] and "2 iterations" in answers.asked[0][1]
    assert ed.spec().layers[0].hp["out_channels"] == 6 and field.value() == 6 and field.error is None
    assert ed.undo_stack.count() == 0 and ws.trained_iterations == 2 and same_params(before, params_copy(window))
    check_in_step(window)
    ed.canvas.setFocus()  # leaving the field after a No is no new change: not asked again
    qtbot.waitUntil(lambda: not field.editor.hasFocus(), timeout=2000)
    assert answers.reinit_questions() == 1

    answers.queue = [True]
    type_into(qtbot, field, "12")
    assert answers.reinit_questions() == 2
    assert ws.network.params["conv1"]["weight"].shape == (12, 1, 5, 5)
    assert ws.network.params["conv2"]["weight"].shape == (16, 12, 5, 5)
    np.testing.assert_array_equal(ws.network.params["fc1"]["weight"], before["fc1"]["weight"])  # kept
    assert ws.trained_iterations == 2 and ed.undo_stack.count() == 1
    ed.canvas.setFocus()
    qtbot.waitUntil(lambda: not field.editor.hasFocus(), timeout=2000)
    assert answers.reinit_questions() == 2  # the focus-out after Enter commits nothing new
    check_in_step(window)


def test_out_of_range_hyperparameter_is_refused_with_the_limit_not_clamped(qtbot, window, answers):
    ed = window.editor
    ed.select_layer("conv1")
    field = ed.form.fields["kernel_size"]
    type_into(qtbot, field, "500", enter=False)
    assert field.editor.text() == "500" and "above the maximum" in field.error  # typed as is, and why
    qtbot.keyClick(field.editor.lineEdit(), Qt.Key.Key_Return)
    assert ed.spec().layers[0].hp["kernel_size"] == 5 and field.value() == 5  # back to the value in use
    assert "500 is above the maximum" in field.error and "still 5" in field.error
    assert answers.asked == []
    check_in_step(window)


def test_alpha_500_is_refused_with_its_range_not_clamped(qtbot, window):
    ws, c = window.workspace, window.controls
    lr = ws.settings.lr
    c.lr.setFocus()
    c.lr.lineEdit().selectAll()
    qtbot.keyClicks(c.lr.lineEdit(), "500")
    assert c.lr.text() == "500" and "above the range 1e-05…10" in c.message.text()  # as you type
    qtbot.keyClick(c.lr.lineEdit(), Qt.Key.Key_Return)
    assert ws.settings.lr == lr and c.lr.value() == pytest.approx(lr)  # not 5, not 10: the value in use
    text = c.message.text()
    assert "α: 500 is above the range 1e-05…10" in text and f"still {lr:g}" in text
    assert not c.message.isHidden()
    c.lr.lineEdit().selectAll()
    qtbot.keyClicks(c.lr.lineEdit(), "0.1")
    qtbot.keyClick(c.lr.lineEdit(), Qt.Key.Key_Return)
    assert ws.settings.lr == pytest.approx(0.1) and c.message.isHidden()


@pytest.mark.parametrize("box, typed, words", [
    ("batch", "5000", "batch size N: 5000 is above the range 1…4096"),
    ("batch", "0", "batch size N: 0 is below the range 1…4096"),
    ("focus", "40", "focus sample: 40 is above the range 1…32"),
    ("seed", "-1", "seed: -1 is below the range 0…2147483647"),
    ("lr", "0", "α: 0 is below the range 1e-05…10"),
])
def test_settings_out_of_range_are_refused_and_the_box_goes_back(qtbot, window, box, typed, words):
    ws, c = window.workspace, window.controls
    w = getattr(c, box)
    before, settings, focus = w.value(), ws.settings, ws.focus
    w.setFocus()
    w.lineEdit().selectAll()
    qtbot.keyClicks(w.lineEdit(), typed)
    qtbot.keyClick(w.lineEdit(), Qt.Key.Key_Return)
    assert words in c.message.text() and f"still {before:g}" in c.message.text()
    assert w.value() == before and ws.settings == settings and ws.focus == focus


def test_a_value_typed_without_enter_counts_before_a_step(qtbot, window):
    ws, c = window.workspace, window.controls
    c.lr.lineEdit().selectAll()
    qtbot.keyClicks(c.lr.lineEdit(), "0.05")
    assert ws.settings.lr == pytest.approx(0.3)
    press(qtbot, window, Qt.Key.Key_F11)  # the step uses what the box shows
    assert ws.settings.lr == pytest.approx(0.05)


def test_delete_key_menu_drop_and_palette_ask_first_and_no_changes_nothing(qtbot, window, answers):
    ws, ed = window.workspace, window.editor
    trained(qtbot, window)
    spec, before = ed.spec(), params_copy(window)

    def unchanged():
        assert ed.spec() == spec and ed.undo_stack.count() == 0 and same_params(before, params_copy(window))
        check_in_step(window)

    answers.queue = [False]
    ed.select_layer("conv2")
    ed.canvas.setFocus()
    qtbot.keyClick(ed.canvas, Qt.Key.Key_Delete)  # conv2 gone: fc1 takes another input size
    assert answers.reinit_questions() == 1
    unchanged()
    answers.queue = [False]
    menu = ed.canvas.build_context_menu(names(window).index("fc1"))
    next(a for a in menu.actions() if a.text() == "Delete").trigger()
    assert answers.reinit_questions() == 2
    unchanged()
    answers.queue = [False]
    assert ed.canvas.drop_mime(type_mime("conv2d"), ed.canvas.gap_pos(3))  # a conv before conv2
    assert answers.reinit_questions() == 3
    unchanged()
    answers.queue = [False]
    ed.select_layer("flat")
    ed.palette.itemDoubleClicked.emit(ed.palette.type_items()["dense"], 0)  # a dense after flat
    assert answers.reinit_questions() == 4
    unchanged()
    answers.queue = [False]
    menu = ed.canvas.build_context_menu(names(window).index("conv2"))
    next(a for a in menu.actions() if a.text() == "Move up").trigger()
    assert answers.reinit_questions() == 5
    unchanged()

    answers.queue = [True]
    qtbot.keyClick(ed.canvas, Qt.Key.Key_Delete)  # flat is selected: removing it breaks the network
    assert answers.reinit_questions() == 5  # nothing to re-initialise (it does not build): not asked
    assert "flat" not in names(window) and not ws.spec_ok
    check_in_step(window)
    ed.undo()  # back to a network that builds with the same shapes: nothing re-initialised, not asked
    assert ws.spec_ok and answers.reinit_questions() == 5 and same_params(before, params_copy(window))
    check_in_step(window)


def test_edits_that_keep_every_shape_are_not_asked_about(qtbot, window, answers):
    ed = window.editor
    trained(qtbot, window)
    before = params_copy(window)
    ed.select_layer("sig1")
    ed.palette.itemDoubleClicked.emit(ed.palette.type_items()["relu"], 0)
    press(qtbot, window, Qt.Key.Key_Z, CTRL)
    press(qtbot, window, Qt.Key.Key_Z, CTRL | SHIFT)
    assert answers.asked == [] and "relu1" in names(window) and same_params(before, params_copy(window))
    check_in_step(window)


def test_a_focus_out_commits_to_the_layer_that_was_typed_into(qtbot, window, answers):
    ed = window.editor
    ed.select_layer("conv1")
    field = ed.form.fields["out_channels"]
    type_into(qtbot, field, "8", enter=False)
    ed.canvas.setFocus()  # the click on another block takes the focus first
    ed.select_layer("fc1")
    assert ed.spec().layers[0].hp["out_channels"] == 8 and ed.spec().layers[7].hp["out_features"] == 120
    assert ed.form.fields.keys() >= {"out_features"}
    check_in_step(window)


def test_rename_commits_on_enter_and_a_refused_name_goes_back(qtbot, window, answers):
    ed = window.editor
    ed.select_layer("sig1")
    edit = ed.form.name_edit
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClicks(edit, "sig2")
    assert "already" in ed.form.name_error.text() and names(window)[1] == "sig1"
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert names(window)[1] == "sig1" and ed.form.name_edit.text() == "sig1"
    assert "already" in ed.form.name_error.text() and "still 'sig1'" in ed.form.name_error.text()
    edit.selectAll()
    qtbot.keyClicks(edit, "act1")
    assert names(window)[1] == "sig1"  # typing renames nothing
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert names(window)[1] == "act1" and ed.selected_layer() == "act1" and ed.undo_stack.count() == 1
    check_in_step(window)


# --- any sequence: the random walk ------------------------------------------------------------------

# mostly values that build, some out of range (refused: nothing changes, nothing is asked)
VALUES = {"out_channels": (4, 6, 8, 12, 1025), "kernel_size": (3, 5, 3, 5, 0, 32), "stride": (1, 1, 2, 17),
          "padding": (0, 1, 0, 1, 17), "out_features": (10, 12, 84, 120, 84, 0)}
NAMES = ("a", "b", "conv1", "fc2", "x-1", "bad name")
ADDED = ("relu", "sigmoid", "tanh", "relu", "sigmoid", "tanh", "conv2d", "dense", "maxpool2d", "flatten")


class Walk:
    """One random user: edits through the palette, the canvas (keys, menu, drops) and the form,
    undo and redo by the keyboard, and Yes or No to every question, each chosen by ``rng``."""

    def __init__(self, qtbot, window, answers, rng):
        self.qtbot, self.w, self.ed, self.answers, self.rng = qtbot, window, window.editor, answers, rng
        answers.default = None
        answers.decide = lambda: rng.random() < 0.5
        self.changes = self.broken = 0

    def layer(self) -> int | None:
        n = len(self.ed.spec().layers)
        return int(self.rng.integers(n)) if n else None

    def act(self) -> str:
        """One action, chosen by ``rng``; its name."""
        rng = self.rng
        if not self.w.workspace.spec_ok and rng.random() < 0.6:
            kind = "undo"  # (a learner whose network broke mostly goes back; random edits rarely mend it)
        else:
            kind = str(rng.choice(["add", "drop", "delete", "menu_delete", "move", "drag", "hp", "hp", "hp", "hp",
                                   "rename", "undo", "undo", "redo", "redo", "step"]))
        i = self.layer()
        if i is not None or kind in ("add", "drop", "undo", "redo", "step"):
            getattr(self, f"do_{kind}")(i)
        return kind

    def do_add(self, i):  # a double click in the palette: after the selected block
        ed = self.ed
        ed.select_layer(ed.spec().layers[i].name if i is not None else None)
        ed.palette.itemDoubleClicked.emit(ed.palette.type_items()[self.rng.choice(ADDED)], 0)

    def do_drop(self, _i):  # a palette entry dropped in a gap
        ed = self.ed
        gap = int(self.rng.integers(len(ed.spec().layers) + 1))
        ed.canvas.drop_mime(type_mime(self.rng.choice(ADDED)), ed.canvas.gap_pos(gap))

    def do_delete(self, i):  # the Delete key on the selected block
        self.ed.select_layer(self.ed.spec().layers[i].name)
        self.ed.canvas.setFocus()
        self.qtbot.keyClick(self.ed.canvas, Qt.Key.Key_Delete)

    def do_menu_delete(self, i):
        next(a for a in self.ed.canvas.build_context_menu(i).actions() if a.text() == "Delete").trigger()

    def do_move(self, i):  # the block menu's Move up / Move down
        text = self.rng.choice(["Move up", "Move down"])
        action = next(a for a in self.ed.canvas.build_context_menu(i).actions() if a.text() == text)
        if action.isEnabled():
            action.trigger()

    def do_drag(self, i):  # a block dragged to a gap
        ed = self.ed
        mime = type_mime("x")
        mime.removeFormat("application/x-backstep-layer-type")
        mime.setData("application/x-backstep-block", str(i).encode())
        ed.canvas.drop_mime(mime, ed.canvas.gap_pos(int(self.rng.integers(len(ed.spec().layers) + 1))))

    def do_hp(self, i):  # typed into the form, then Enter or leaving the field
        ed, rng = self.ed, self.rng
        tunable = [e.name for e in ed.spec().layers if e.hp]
        ed.select_layer(rng.choice(tunable) if tunable else ed.spec().layers[i].name)
        if not ed.form.fields:
            return
        name = rng.choice(sorted(ed.form.fields))
        field = ed.form.fields[name]
        type_into(self.qtbot, field, str(rng.choice(VALUES.get(name, (1, 2)))), enter=False)
        if rng.random() < 0.7:
            self.qtbot.keyClick(field.editor.lineEdit(), Qt.Key.Key_Return)
        else:
            ed.canvas.setFocus()

    def do_rename(self, i):
        ed = self.ed
        ed.select_layer(ed.spec().layers[i].name)
        edit = ed.form.name_edit
        edit.setFocus()
        edit.selectAll()
        self.qtbot.keyClicks(edit, self.rng.choice(NAMES))
        self.qtbot.keyClick(edit, Qt.Key.Key_Return)

    def do_undo(self, _i):
        press(self.qtbot, self.w, Qt.Key.Key_Z, CTRL)

    def do_redo(self, _i):
        press(self.qtbot, self.w, Qt.Key.Key_Z, CTRL | SHIFT)

    def do_step(self, _i):
        if self.w.workspace.spec_ok:
            press(self.qtbot, self.w, Qt.Key.Key_F10)

    def step(self) -> str:
        ws, ed, answers = self.w.workspace, self.ed, self.answers
        spec, index, count = ed.spec(), ed.undo_stack.index(), ed.undo_stack.count()
        stepper, before, trained_before = ws.stepper, params_copy(self.w), ws.trained_iterations
        asked, said = len(answers.asked), len(answers.said)
        kind = self.act()
        questions, replies = answers.asked[asked:], answers.said[said:]
        where = f"{kind}: {questions}"
        assert len(questions) <= 1, where  # once per committed change
        check_in_step(self.w)
        self.changes += ed.spec() != spec
        self.broken += ed.spec() != spec and not ws.spec_ok
        if replies == [False]:  # No: editor, undo stack and engine as they were
            assert ed.spec() == spec and ed.undo_stack.index() == index and ed.undo_stack.count() == count, where
            assert ws.stepper is stepper and same_params(before, params_copy(self.w)), where
        if replies == [True]:  # Yes: the change reached the editor and the engine
            assert ed.spec() != spec and ws.stepper is not stepper, where
        if replies != [False] and ed.spec() != spec and ws.spec_ok and kind != "step":
            now = params_copy(self.w)
            lost = [k for k in now if k not in before or
                    {p: a.shape for p, a in now[k].items()} != {p: a.shape for p, a in before[k].items()}]
            if lost and trained_before:  # trained weights went: only after a Yes
                assert replies == [True], f"{where}: re-initialised {lost} without asking"
            for k in set(now) - set(lost):  # the others kept their trained weights
                assert all(np.array_equal(now[k][p], before[k][p]) for p in now[k]), f"{where}: {k} changed"
        return kind


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_any_sequence_of_edits_undo_redo_and_answers_keeps_engine_and_editor_in_step(qtbot, window, answers, seed):
    """A random user on a trained network; the invariant is checked after every action (~6 s each)."""
    trained(qtbot, window)
    walk = Walk(qtbot, window, answers, np.random.default_rng(seed))
    kinds = [walk.step() for _ in range(80)]
    print(f"seed {seed}: {len(kinds)} actions, {len(answers.asked)} questions "
          f"({answers.said.count(True)} yes, {answers.said.count(False)} no), {walk.changes} changes reached "
          f"the engine, {walk.broken} left a spec that does not build; {walk.ed.undo_stack.count()} undo steps")
    assert answers.said.count(True) and answers.said.count(False), "the walk should answer both ways"
    assert {"undo", "redo", "hp"} <= set(kinds) and walk.changes >= 10
