"""#14, messages: a text or random file given as weights, input, labels or session is one line
naming the file and saying what to give instead — never numpy's pickle advice, never a warning."""

import numpy as np
import pytest

from tests.fixtures.hostile import LECTURE, assert_one_line, cli

CONTENTS = {
    "text": b"conv1.weight = 0.5\nthis is a text file\n",
    "random": np.random.default_rng(7).bytes(5000),
    "empty": b"",
    "zip-like": b"PK\x03\x04" + b"\x00" * 100,
    "npy-like": b"\x93NUMPY\x01\x00{garbage",
}


@pytest.fixture
def batch(tmp_path):
    from core.network import Network
    from core.spec import load_spec

    w, x, y = tmp_path / "w.npz", tmp_path / "x.npy", tmp_path / "y.npy"
    np.savez(w, **Network(load_spec(LECTURE)).flat_params())
    np.save(x, np.zeros((2, 1, 28, 28)))
    np.save(y, np.array([1, 2]))
    return {"weights": w, "input": x, "labels": y}


@pytest.mark.parametrize("kind", list(CONTENTS))
@pytest.mark.parametrize("role", ["weights", "input", "labels"])
def test_a_bad_file_in_the_cli_is_one_plain_line(tmp_path, batch, kind, role):
    batch[role].write_bytes(CONTENTS[kind])
    r = cli("trace", LECTURE, "--weights", batch["weights"], "--input", batch["input"], "--labels", batch["labels"],
            "--out", tmp_path / "t.npz")
    line = assert_one_line(r, str(batch[role]))
    assert "pickle" not in line.lower(), line
    advice = ("give", "expected", "not an .npz", "not a .npy", "cannot open", "truncated", "header")
    assert any(w in line for w in advice), line


@pytest.mark.parametrize("kind", list(CONTENTS))
def test_a_bad_session_file_is_one_plain_line(tmp_path, kind):
    from core.session import SessionError, load_session

    path = tmp_path / "s.bstep"
    path.write_bytes(CONTENTS[kind])
    with pytest.raises(SessionError) as info:
        load_session(path)
    message = str(info.value)
    assert str(path) in message and "\n" not in message and "pickle" not in message.lower(), message


def test_a_pickled_array_is_still_called_python_objects(tmp_path, batch):
    np.savez(batch["weights"], **{"conv1.weight": np.array([object()], dtype=object)})
    r = cli("trace", LECTURE, "--weights", batch["weights"], "--input", batch["input"], "--labels",
            batch["labels"], "--out", tmp_path / "t.npz")
    line = assert_one_line(r, str(batch["weights"]), "Python objects")
    assert "allow_pickle" not in line


def test_a_multi_line_message_becomes_one_line():
    from core.cli.guard import one_line

    assert one_line("a\nb\r\n  c") == "a b c"
    assert len(one_line("x" * 5000)) == 1000
