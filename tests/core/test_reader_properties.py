"""#14, property-based: the spec, weights and session readers, given anything, return a valid
object or raise a BackstepError with a one-line message — never another exception; the CLI exits
0 or 2 with one line. Bounded for CI: MAX_EXAMPLES per property, the whole file in well under 30 s."""

import contextlib
import io
import json
import os
import tempfile
from pathlib import Path

import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from core.errors import BackstepError  # noqa: E402
from tests.conftest import LECTURE  # noqa: E402

# CI: 100 derandomized examples per property (reproducible, a few seconds); a deeper hunt:
# BACKSTEP_PROPERTY_EXAMPLES=5000 BACKSTEP_PROPERTY_RANDOM=1 pytest tests/core/test_reader_properties.py
MAX_EXAMPLES = int(os.environ.get("BACKSTEP_PROPERTY_EXAMPLES", "100"))
BOUNDED = settings(max_examples=MAX_EXAMPLES, deadline=None, database=None,
                   derandomize=not os.environ.get("BACKSTEP_PROPERTY_RANDOM"),
                   suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**30, 10**30) | st.floats(allow_nan=True) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=10), inner, max_size=5),
    max_leaves=20)


def _paths(obj, prefix=()):
    """Every path (tuple of keys/indices) into a decoded JSON object."""
    yield prefix
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _paths(v, (*prefix, i))


def _replace(obj, path, value):
    if not path:
        return value
    target = obj
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return obj


def mutated(base):
    """A copy of ``base`` (decoded JSON) with one place replaced by any JSON value."""
    paths = list(_paths(base))
    return st.tuples(st.sampled_from(paths), json_values).map(
        lambda pv: _replace(json.loads(json.dumps(base)), pv[0], pv[1]))


def _one_line_error(exc):
    assert isinstance(exc, BackstepError), f"{type(exc).__name__}: {exc}"
    text = str(exc)
    assert text and "\n" not in text, text


_FILES = tempfile.TemporaryDirectory(prefix="backstep-properties-")  # (removed when the tests end)
_COUNT = iter(range(10**9))


def _tmp(name: str, data: bytes) -> Path:
    folder = Path(_FILES.name) / str(next(_COUNT))
    folder.mkdir()
    path = folder / name
    path.write_bytes(data)
    return path


LECTURE_JSON = json.loads(LECTURE.read_text())


@BOUNDED
@given(st.one_of(mutated(LECTURE_JSON), json_values))
def test_the_spec_reader_and_network_take_any_json(data):
    from core.network import Network
    from core.spec import load_spec

    path = _tmp("net.json", json.dumps(data).encode())
    try:
        Network(load_spec(path))
    except Exception as exc:  # noqa: BLE001 - the property: whatever escapes must be one clear line
        _one_line_error(exc)


@BOUNDED
@given(st.binary(max_size=300))
def test_the_spec_reader_takes_any_bytes(data):
    from core.spec import load_spec

    try:
        load_spec(_tmp("net.json", data))
    except Exception as exc:  # noqa: BLE001 - the property: whatever escapes must be one clear line
        _one_line_error(exc)


def _good_bytes(save) -> bytes:
    buf = io.BytesIO()
    save(buf)
    return buf.getvalue()


@pytest.fixture(scope="module")
def lecture_net():
    from core.network import Network
    from core.spec import load_spec

    return Network(load_spec(LECTURE))


def _corrupt(good: bytes):
    """Bytes of a good file with a few bytes changed, cut short, or both."""
    return st.tuples(st.lists(st.tuples(st.integers(0, len(good) - 1), st.integers(0, 255)), max_size=6),
                     st.integers(0, len(good))).map(lambda t: _apply(good, *t))


def _apply(good: bytes, edits, cut) -> bytes:
    b = bytearray(good)
    for i, v in edits:
        b[i] = v
    return bytes(b[:cut]) if cut < len(b) and cut % 3 == 0 else bytes(b)


WEIGHTS = _good_bytes(lambda f: np.savez(f, **__import__("core.network", fromlist=["Network"]).Network(
    __import__("core.spec", fromlist=["load_spec"]).load_spec(LECTURE)).flat_params()))


@BOUNDED
@given(st.one_of(_corrupt(WEIGHTS), st.binary(max_size=400)))
def test_the_weights_reader_takes_any_bytes(lecture_net, data):
    from core.io import load_weights

    try:
        load_weights(lecture_net, _tmp("w.npz", data))
    except Exception as exc:  # noqa: BLE001 - the property: whatever escapes must be one clear line
        _one_line_error(exc)


def _session_bytes(extra_meta=None) -> tuple[bytes, dict]:
    from core.network import Network
    from core.session import save_session
    from core.spec import load_spec
    from core.stepper import Stepper
    from tests.conftest import tiny_dataset

    st_ = Stepper(Network(load_spec(LECTURE)), tiny_dataset(), batch_size=8, optimizer="momentum")
    st_.run(2)
    path = _tmp("s.bstep", b"")
    save_session(path, st_, st_.net.spec, "mnist-5k", {"focus": 1, "watches": ["mean(x)"],
                                                        "breakpoints": [{"kind": "phase", "phase": "loss"}]})
    with np.load(path) as z:
        meta = json.loads(z["meta.json"].tobytes())
    return path.read_bytes(), meta


SESSION, SESSION_META = _session_bytes()


def _with_meta(meta) -> bytes:
    with np.load(io.BytesIO(SESSION)) as z:
        arrays = {k: z[k] for k in z.files}
    arrays["meta.json"] = np.frombuffer(json.dumps(meta).encode(), np.uint8)
    return _good_bytes(lambda f: np.savez(f, **arrays))


@BOUNDED
@given(st.one_of(mutated(SESSION_META).map(_with_meta), _corrupt(SESSION)))
def test_the_session_reader_takes_any_meta_and_any_bytes(data):
    from core.session import load_session

    try:
        s = load_session(_tmp("s.bstep", data))
    except Exception as exc:  # noqa: BLE001 - the property: whatever escapes must be one clear line
        _one_line_error(exc)
        return
    assert s.state["batch_size"] >= 1 and s.dtype in ("float32", "float64")


@settings(max_examples=25, deadline=None, database=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(_corrupt(WEIGHTS), st.binary(max_size=200)))
def test_the_cli_exits_0_or_2_with_one_line(data):
    from core.cli import main

    w = _tmp("w.npz", data)
    x, y = w.with_name("x.npy"), w.with_name("y.npy")
    np.save(x, np.zeros((2, 1, 28, 28)))
    np.save(y, np.array([1, 2]))
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main(["trace", str(LECTURE), "--weights", str(w), "--input", str(x), "--labels", str(y),
                     "--out", str(w.with_name("t.npz"))])
    lines = [line for line in err.getvalue().splitlines() if line.strip()]
    if code == 0:
        assert w.with_name("t.npz").is_file()
    else:
        assert code == 2 and len(lines) == 1 and lines[0].startswith("error:"), (code, err.getvalue())
