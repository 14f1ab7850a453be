"""#14, the real window opening bad sessions: open_session returns False with a message naming the
field, and the window keeps working — a step works, the editor's spec is the engine's network's, and
a save afterwards writes the old good state."""

import shutil

import numpy as np
from PySide6.QtCore import Qt

from core.session import load_session
from tests.desktop.conftest import make_window, press
from tests.fixtures.bad_sessions import BAD_SESSIONS, rewrite

EXTRA_BAD = {
    "text file": (lambda p: p.write_text("this is not a session\n"), "not an .npz"),
    "random bytes": (lambda p: p.write_bytes(np.random.default_rng(0).bytes(4096)), "not an .npz"),
}


def _deep_json(path):
    meta = b'{"format": "backstep.session/1", "spec": ' + b"[" * 50000 + b"]" * 50000 + b"}"
    with open(path, "wb") as f:
        np.savez(f, **{"meta.json": np.frombuffer(meta, np.uint8)})


def test_the_window_refuses_every_kind_of_bad_session_and_keeps_working(qtbot, tmp_path, boxes):
    w = make_window(qtbot)
    for _ in range(2):
        press(qtbot, w, Qt.Key.Key_F10)
    good = tmp_path / "good.bstep"
    w.save_session_to(good)
    # a different session state in the window than in the file, to see that nothing is replaced
    press(qtbot, w, Qt.Key.Key_F10)
    before_iteration = w.bridge.stepper.iteration
    assert before_iteration == 3

    cases = [(name, lambda p, m=mutate: rewrite(shutil.copy(good, p), m, tmp_path), field)
             for name, mutate, field in BAD_SESSIONS]
    cases += [(name, make, field) for name, (make, field) in EXTRA_BAD.items()]
    cases.append(("deep JSON", _deep_json, "meta.json"))
    for k, (name, make, field) in enumerate(cases):
        path = tmp_path / f"bad{k}.bstep"
        make(path)
        boxes.clear()
        assert w.open_session(path) is False, name
        assert boxes and boxes[-1][0] == "critical", name
        text = boxes[-1][2]
        assert field in text and "\n" not in text, (name, text)
        assert "allow_pickle" not in text and "Traceback" not in text, (name, text)
        # the window keeps working: the running session is untouched
        st = w.bridge.stepper
        assert st.iteration == before_iteration, name
        assert w.editor.spec().to_dict() == w.bridge.network.spec.to_dict(), name
        assert w.bridge.dataset_name == "mnist-5k", name

    press(qtbot, w, Qt.Key.Key_F10)  # a step still works
    assert w.bridge.stepper.iteration == before_iteration + 1
    after = tmp_path / "after.bstep"
    w.save_session_to(after)  # a save afterwards writes the window's own good state
    s = load_session(after)
    assert s.iteration == before_iteration + 1
    for layer, ps in w.bridge.stepper.net.params.items():
        for key, v in ps.items():
            np.testing.assert_array_equal(s.state["params"][layer][key], v)
    assert s.spec.to_dict() == w.editor.spec().to_dict()
