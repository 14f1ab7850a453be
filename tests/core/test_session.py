"""Session files: one atomic .npz with meta.json; exact round trip; bad files named in the error."""

import json
import zipfile

import numpy as np
import pytest

from core.network import Network
from core.session import SessionError, load_session, restore, save_session
from core.spec import load_spec
from core.stepper import Stepper


@pytest.fixture
def trained(lecture_path, tiny):
    spec = load_spec(lecture_path)
    st = Stepper(Network(spec, seed=3), tiny, batch_size=8, optimizer="momentum", lr=0.05, seed=3)
    st.run(11)  # crosses an epoch boundary (64 / 8 = 8 per epoch)
    return spec, st


def test_round_trip_restores_weights_optimizer_counters_and_curves(tmp_path, trained, tiny):
    spec, st = trained
    path = tmp_path / "s.bstep"
    save_session(path, st, spec, "tiny", {"focus": 3})
    s = load_session(path)
    assert s.dataset == "tiny" and s.extra == {"focus": 3} and s.spec.to_dict() == spec.to_dict()
    other = Stepper(Network(s.spec, seed=99), tiny, batch_size=1)
    restore(s, other)
    for layer, ps in st.net.params.items():
        for k, v in ps.items():
            np.testing.assert_array_equal(other.net.params[layer][k], v)
    assert (other.iteration, other.epoch, other.offset, other.batch_size, other.seed) == (11, 1, 24, 8, 3)
    assert other.optimizer.name == "momentum" and other.lr == 0.05
    assert other.history.to_dict()["batch_loss"] == st.history.to_dict()["batch_loss"]
    assert len(other.history.epochs) == 1
    # the same future: both continue identically (optimizer state and batch order restored)
    st.run(3)
    other.run(3)
    for layer, ps in st.net.params.items():
        for k, v in ps.items():
            np.testing.assert_array_equal(other.net.params[layer][k], v)


def test_meta_is_a_uint8_json_array_and_no_pickle_needed(tmp_path, trained):
    spec, st = trained
    path = tmp_path / "s.bstep"
    save_session(path, st, spec, "mnist-5k", {})
    with np.load(path, allow_pickle=False) as z:
        meta = json.loads(z["meta.json"].tobytes())
        assert z["meta.json"].dtype == np.uint8
        assert "param.conv1.weight" in z.files
    assert meta["format"] == "backstep.session/1" and meta["counters"]["iteration"] == 11


def test_nan_in_curves_survives(tmp_path, trained):
    spec, st = trained
    st.history.epochs[0]["test_loss"] = float("nan")
    save_session(tmp_path / "s.bstep", st, spec, "x", {})
    s = load_session(tmp_path / "s.bstep")
    assert np.isnan(s.state["history"]["epochs"][0]["test_loss"])


@pytest.mark.parametrize("content", [b"", b"not a zip at all", None])
def test_bad_files_raise_session_error_naming_the_file(tmp_path, content):
    path = tmp_path / "bad.bstep"
    if content is None:
        np.savez(path.with_suffix(""), x=np.zeros(3))  # a valid npz, but not a session
        path.with_suffix(".npz").rename(path) if path.with_suffix(".npz").exists() else None
    else:
        path.write_bytes(content)
    with pytest.raises(SessionError, match="bad.bstep"):
        load_session(path)


def test_missing_file_and_garbled_meta(tmp_path):
    with pytest.raises(SessionError, match="nope.bstep"):
        load_session(tmp_path / "nope.bstep")
    path = tmp_path / "g.bstep"
    with zipfile.ZipFile(path, "w"):
        pass
    np.savez(open(path, "wb"), **{"meta.json": np.frombuffer(b"{broken", dtype=np.uint8)})
    with pytest.raises(SessionError, match="g.bstep"):
        load_session(path)


def test_weights_that_do_not_fit_are_refused(tmp_path, trained, tiny):
    spec, st = trained
    path = tmp_path / "s.bstep"
    state = st.state()
    state["params"]["fc2"]["weight"] = np.zeros((3, 3), np.float32)
    save_session(path, state, spec, "tiny", {})
    with pytest.raises(SessionError, match="fc2.weight"):  # (load_session validates the whole file now)
        load_session(path)


def test_write_is_atomic(tmp_path, trained, monkeypatch):
    spec, st = trained
    path = tmp_path / "s.bstep"
    save_session(path, st, spec, "tiny", {})
    before = path.read_bytes()
    import core.io

    def boom(f, **arrays):
        f.write(b"half")
        raise OSError("disk full")

    monkeypatch.setattr(core.io.np, "savez", boom)
    with pytest.raises(OSError):
        save_session(path, st, spec, "tiny", {})
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["s.bstep"]
