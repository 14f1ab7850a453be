"""#14, plugins: one that exits, raises KeyboardInterrupt, ends the process or hangs at import is
reported and skipped, and every command still works within a stated bound; a plugin whose
output_shape, forward or backward misbehaves gives one line naming the plugin, its file and the phase.

The bound: with BACKSTEP_PLUGIN_TIMEOUT=2 the first command waits at most 2 s for the hanging file
plus the probe's start; the verdict is cached, so later commands do not wait again.
"""

import numpy as np
import pytest

from core.registry import discover
from tests.fixtures.hostile import LECTURE, assert_one_line, cli, tiny_npz_dataset, write_lecture_variant
from tests.fixtures.plugins import GOOD

TIMEOUT_S = 2.0
STARTUP_SLACK_S = 8.0  # the probe child's start and the command's own work, on a loaded 2-core CI VM

HOSTILE = {
    "exits.py": "import sys\nsys.exit(3)\n",
    "interrupts.py": "raise KeyboardInterrupt\n",
    "hard_exit.py": "import os\nos._exit(0)\n",
    "hangs.py": "while True:\n    pass\n",
    "sleeps.py": "import time\ntime.sleep(3600)\n",
    "base_exception.py": "raise BaseException('odd')\n",
}


@pytest.fixture
def plugin_dir(tmp_path, monkeypatch):
    folder = tmp_path / "plugins"
    folder.mkdir()
    for name, code in HOSTILE.items():
        (folder / name).write_text(code)
    (folder / "softsign.py").write_text(GOOD)
    monkeypatch.setenv("BACKSTEP_PLUGIN_PATH", str(folder))
    monkeypatch.setenv("BACKSTEP_PLUGIN_TIMEOUT", str(TIMEOUT_S))
    return folder


def test_hostile_plugins_are_reported_and_the_rest_load(plugin_dir):
    reg = discover()
    assert "softsign" in reg and "conv2d" in reg
    failed = {f.module: f for f in reg.report.failures}
    assert set(failed) == {n[:-3] for n in HOSTILE}
    assert "sys.exit(3)" in failed["exits"].message
    assert "KeyboardInterrupt" in failed["interrupts"].message
    assert "ended the process" in failed["hard_exit"].message
    for name in ("hangs", "sleeps"):
        assert f"within {TIMEOUT_S:g} s" in failed[name].message
    assert all(f.stage == "import" for f in failed.values())


def test_every_command_works_within_the_bound(plugin_dir, tmp_path):
    r = cli("plugins")
    assert r.returncode == 0, r.stderr
    assert r.seconds < 2 * TIMEOUT_S + STARTUP_SLACK_S  # two hanging files, each waited for once
    for name in HOSTILE:
        assert str(plugin_dir / name) in r.stdout
    assert "softsign" in r.stdout
    data = tiny_npz_dataset(tmp_path / "d.npz")
    w, x, y = tmp_path / "w.npz", tmp_path / "x.npy", tmp_path / "y.npy"
    np.save(x, np.zeros((2, 1, 28, 28)))
    np.save(y, np.array([1, 2]))
    commands = [["plugins"], ["datasets"], ["gradcheck", LECTURE],
                ["bench", LECTURE, "--iterations", "2", "--batch-size", "4"],
                ["train", LECTURE, "--dataset", data, "--epochs", "1", "--save", w],
                ["trace", LECTURE, "--weights", w, "--input", x, "--labels", y, "--out", tmp_path / "t.npz"]]
    for args in commands:
        r = cli(*args)
        assert r.returncode == 0, (args, r.stderr)
        assert r.seconds < TIMEOUT_S + 60, args  # (the verdicts are cached: no command waits for the hang)


def test_strict_mode_still_fails_on_them(plugin_dir):
    r = cli("plugins", env={"BACKSTEP_STRICT_PLUGINS": "1"})
    assert r.returncode == 2 and len(r.lines) == 1 and "Traceback" not in r.stderr, r.stderr


# --- plugins that misbehave at run time ---------------------------------------------------------

RUNTIME = {
    "negative": ("return (-3,) + tuple(in_shape[1:])", "x, None", "dout, {}", "output_shape returned"),
    "fraction": ("return (2.5,) + tuple(in_shape[1:])", "x, None", "dout, {}", "output_shape returned"),
    "raises": ("return tuple(in_shape)", "self._boom(x)", "dout, {}", "raised RuntimeError"),
    "wrong_shape": ("return tuple(in_shape)", "x[:, :1], None", "dout, {}", "returned shape"),
    "bad_backward": ("return tuple(in_shape)", "x, None", "dout[:, :1], {}", "dL/dx of shape"),
}
TEMPLATE = '''
import numpy as np
from core.api import Layer, LayerSpec


class Odd(Layer):
    spec = LayerSpec(id="odd_{name}", name="Odd", category="Other")
    example_shape = (3, 8, 8)

    def output_shape(self, in_shape):
        if tuple(in_shape) == (3, 8, 8):
            return tuple(in_shape)  # (fine for the start-up smoke run)
        {shape}

    def _boom(self, x):
        if x.shape[1:] == (3, 8, 8):
            return x, None
        raise RuntimeError("boom")

    def forward(self, x, params, train=True):
        if x.shape[1:] == (3, 8, 8):
            return x, None
        return {forward}

    def backward(self, dout, cache):
        if dout.shape[1:] == (3, 8, 8):
            return dout, {{}}
        return {backward}
'''


@pytest.mark.parametrize("kind", list(RUNTIME))
def test_a_misbehaving_plugin_is_one_line_naming_plugin_file_and_phase(tmp_path, monkeypatch, kind):
    shape, forward, backward, needle = RUNTIME[kind]
    folder = tmp_path / "plugins"
    folder.mkdir()
    plugin = folder / f"odd_{kind}.py"
    plugin.write_text(TEMPLATE.format(name=kind, shape=shape, forward=forward, backward=backward))
    monkeypatch.setenv("BACKSTEP_PLUGIN_PATH", str(folder))

    def insert(d):
        d["layers"].insert(1, {"name": "odd1", "type": f"odd_{kind}"})

    spec = write_lecture_variant(tmp_path / "net.json", insert)
    data = tiny_npz_dataset(tmp_path / "d.npz")
    w, x, y = tmp_path / "w.npz", tmp_path / "x.npy", tmp_path / "y.npy"
    np.savez(w, **_lecture_weights())  # (the odd layer has no parameters)
    np.save(x, np.zeros((2, 1, 28, 28)))
    np.save(y, np.array([1, 2]))
    runs = {"train": ["train", spec, "--dataset", data, "--epochs", "1"],
            "gradcheck": ["gradcheck", spec], "bench": ["bench", spec, "--iterations", "2"],
            "trace": ["trace", spec, "--weights", w, "--input", x, "--labels", y, "--out", tmp_path / "t.npz"]}
    for command, args in runs.items():
        r = cli(*args)
        line = assert_one_line(r, f"odd_{kind}", str(plugin), needle)
        if "output_shape" not in needle:  # a pass that failed names its command and phase
            assert command in line and ("forward:odd1" in line or "backward:odd1" in line), line
        else:
            assert "layers[1] (odd1)" in line, line


def _lecture_weights():
    from core.network import Network
    from core.spec import load_spec

    return Network(load_spec(LECTURE)).flat_params()


def test_a_plugin_failing_late_in_training_is_located_from_the_traceback(tmp_path, monkeypatch):
    """A forward that works at first and raises at the 3rd call: not caught by the check before
    training, found by the command's runner from the traceback's frames."""
    folder = tmp_path / "plugins"
    folder.mkdir()
    plugin = folder / "late.py"
    plugin.write_text('''
from core.api import Layer, LayerSpec
CALLS = [0]


class Late(Layer):
    spec = LayerSpec(id="late", name="Late", category="Other")

    def output_shape(self, in_shape):
        return tuple(in_shape)

    def forward(self, x, params, train=True):
        if x.shape[1:] != (3, 8, 8):
            CALLS[0] += 1
            if CALLS[0] > 3:
                raise ValueError("late failure")
        return x, None

    def backward(self, dout, cache):
        return dout, {}
''')
    monkeypatch.setenv("BACKSTEP_PLUGIN_PATH", str(folder))
    spec = write_lecture_variant(tmp_path / "net.json", lambda d: d["layers"].insert(1, {"name": "l1", "type": "late"}))
    r = cli("train", spec, "--dataset", tiny_npz_dataset(tmp_path / "d.npz"), "--epochs", "1", "--batch-size", "4")
    assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr
    errors = [line for line in r.lines if line.startswith("error:")]  # (after training's progress lines)
    assert len(errors) == 1 and errors[0] == r.lines[-1], r.stderr
    for needle in ("train", "forward:l1", "'late'", str(plugin), "ValueError", "late failure"):
        assert needle in errors[0], (needle, errors[0])
