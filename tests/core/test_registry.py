"""Plugins: discovery from BACKSTEP_PLUGIN_PATH and the user folder, load report, strict mode."""

import json

import pytest

from core.errors import PluginError
from core.registry import discover
from tests.conftest import LECTURE
from tests.core.test_cli import cli
from tests.fixtures import plugins as fixture_plugins

BUILTIN = {"conv2d", "maxpool2d", "avgpool2d", "sigmoid", "relu", "tanh", "dense", "flatten"}


@pytest.fixture
def plugin_dir(tmp_path, monkeypatch):
    d = tmp_path / "my_plugins"
    d.mkdir()
    (d / "softsign.py").write_text(fixture_plugins.GOOD)
    (d / "broken_import.py").write_text(fixture_plugins.IMPORT_ERROR)
    (d / "shrinker.py").write_text(fixture_plugins.WRONG_SHAPE)
    monkeypatch.setenv("BACKSTEP_PLUGIN_PATH", str(d))
    return d


def test_builtins_all_load():
    reg = discover(strict=True)
    assert BUILTIN <= set(reg.ids())
    assert all(p.source == "builtin" for p in reg.report.loaded if p.id in BUILTIN)


def test_user_plugin_loaded_and_failures_reported(plugin_dir):
    reg = discover()
    assert "softsign" in reg.ids() and reg.plugin("softsign").source == "path"
    stages = {f.module: f.stage for f in reg.report.failures}
    assert stages == {"broken_import": "import", "shrinker": "smoke"}
    shrink = next(f for f in reg.report.failures if f.module == "shrinker")
    assert "dx of shape" in shrink.message and "Traceback" in shrink.traceback
    assert BUILTIN <= set(reg.ids())  # everything else still works


def test_strict_mode_raises(plugin_dir, monkeypatch):
    monkeypatch.setenv("BACKSTEP_STRICT_PLUGINS", "1")
    with pytest.raises(PluginError, match="broken_import"):
        discover()


def test_user_folder_is_searched(tmp_path, monkeypatch):
    from core.paths import user_plugin_dir
    user_plugin_dir().mkdir(parents=True, exist_ok=True)
    (user_plugin_dir() / "softsign.py").write_text(fixture_plugins.GOOD)
    reg = discover(strict=True)
    assert reg.plugin("softsign").source == "user"


def test_duplicate_id_is_a_failure(tmp_path, monkeypatch):
    d = tmp_path / "dup"
    d.mkdir()
    (d / "sig.py").write_text(fixture_plugins.GOOD.replace('id="softsign"', 'id="sigmoid"'))
    monkeypatch.setenv("BACKSTEP_PLUGIN_PATH", str(d))
    reg = discover()
    assert any("already defined" in f.message for f in reg.report.failures)
    assert reg.plugin("sigmoid").source == "builtin"


def test_cli_lists_uses_and_checks_a_user_plugin(plugin_dir, tmp_path):
    env = {"BACKSTEP_PLUGIN_PATH": str(plugin_dir)}
    r = cli("plugins", env=env)
    assert r.returncode == 0
    assert "softsign" in r.stdout and "broken_import" in r.stdout and "failed at import" in r.stdout
    assert "shrinker" in r.stdout and "failed at smoke" in r.stdout
    spec = json.loads(LECTURE.read_text())
    spec["layers"][1]["type"] = "softsign"
    p = tmp_path / "softsign_net.json"
    p.write_text(json.dumps(spec))
    r = cli("gradcheck", p, env=env)
    assert r.returncode == 0 and "softsign" in r.stdout, r.stdout + r.stderr
    r = cli("train", p, "--dataset", "shapes", "--epochs", "1", "--json", env=env)
    assert r.returncode == 0, r.stderr


def test_gradcheck_flags_a_wrong_backward(tmp_path):
    d = tmp_path / "p"
    d.mkdir()
    (d / "bad.py").write_text(fixture_plugins.WRONG_BACKWARD)
    spec = json.loads(LECTURE.read_text())
    spec["layers"][1]["type"] = "bad_softsign"
    p = tmp_path / "bad_net.json"
    p.write_text(json.dumps(spec))
    r = cli("gradcheck", p, env={"BACKSTEP_PLUGIN_PATH": str(d)})
    assert r.returncode == 1 and "FAILED" in r.stdout, r.stdout + r.stderr
