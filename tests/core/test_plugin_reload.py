"""Reloading a user's plugin file: re-import, checks, gradient check, and the registry updated in place."""

import shutil

import numpy as np
import pytest

from core.network import Network
from core.plugin_reload import install_reloaded, plugin_folders, reload_plugin_file
from core.registry import discover
from core.spec import load_spec
from tests.conftest import ROOT
from tests.fixtures import plugins as fixture_plugins

TEMPLATE = ROOT / "resources" / "plugin_template.py"


@pytest.fixture
def plugin_dir(tmp_path, monkeypatch):
    d = tmp_path / "my_plugins"
    d.mkdir()
    monkeypatch.setenv("BACKSTEP_PLUGIN_PATH", str(d))
    return d


def test_the_template_plugin_passes_every_check(plugin_dir):
    res = reload_plugin_file(TEMPLATE)
    assert res.ok and [c.id for c in res.classes] == ["leaky_relu"]
    c = res.classes[0]
    assert c.passed and c.check.max_error < 1e-6 and "passed" in c.status()
    layer = c.cls(slope=0.2)
    out, cache = layer.forward(np.array([[-2.0, 3.0]]), {})
    np.testing.assert_allclose(out, [[-0.4, 3.0]])
    # and discovery (start-up) accepts it from a plugin folder, usable in a network
    shutil.copy(TEMPLATE, plugin_dir / "leaky.py")
    reg = discover(strict=True)
    assert "leaky_relu" in reg.ids()


def test_a_correct_plugin_passes_and_a_wrong_backward_is_flagged_at_the_worst_element(plugin_dir):
    good = plugin_dir / "softsign.py"
    good.write_text(fixture_plugins.GOOD)
    res = reload_plugin_file(good)
    assert res.ok and res.classes[0].id == "softsign" and res.source == "path"
    bad = plugin_dir / "bad.py"
    bad.write_text(fixture_plugins.WRONG_BACKWARD)
    res = reload_plugin_file(bad)
    c = res.classes[0]
    assert not res.ok and c.usable and not c.passed
    assert c.failure.stage == "gradcheck" and c.check.max_error > 1e-2
    name, index = c.check.worst
    assert name == "input" and c.check["input"].rel_error[index] == c.check.max_error
    assert "FAILED" in c.status() and "input" in c.status()


def test_import_validate_and_smoke_failures_have_stage_and_traceback(plugin_dir):
    cases = {"broken.py": (fixture_plugins.IMPORT_ERROR, "import"),
             "shrinker.py": (fixture_plugins.WRONG_SHAPE, "smoke"),
             "empty.py": ("x = 1\n", "validate")}
    for name, (text, stage) in cases.items():
        (plugin_dir / name).write_text(text)
        res = reload_plugin_file(plugin_dir / name)
        assert not res.ok
        failures = res.failures()
        assert failures and failures[0].stage == stage, name
        if stage != "validate":
            assert "Traceback" in failures[0].traceback
        assert stage in res.status()


def test_an_edit_is_seen_and_installed_in_the_registry(plugin_dir):
    f = plugin_dir / "softsign.py"
    f.write_text(fixture_plugins.GOOD)
    reg = discover()
    old_cls = reg.get("softsign")
    # the same second, the same length: only the backward's body changes (a wrong factor)
    f.write_text(fixture_plugins.GOOD.replace("/ (1 + np.abs(cache)) ** 2", "/ (2 + np.abs(cache)) ** 2"))
    res = reload_plugin_file(f, registry=reg)
    assert res.classes[0].failure.stage == "gradcheck"
    assert install_reloaded(reg, res) == ["softsign"]
    new_cls = reg.get("softsign")
    assert new_cls is not old_cls and new_cls is res.classes[0].cls
    assert [p.id for p in reg.report.loaded].count("softsign") == 1
    # fixed again
    f.write_text(fixture_plugins.GOOD)
    res = reload_plugin_file(f, registry=reg)
    assert res.ok
    install_reloaded(reg, res)
    assert reg.get("softsign") is res.classes[0].cls
    # a network can be built with the new class
    spec = load_spec(ROOT / "resources" / "networks" / "lecture.json")
    from dataclasses import replace
    layers = tuple(replace(e, type="softsign", hp={}) if e.type == "sigmoid" else e for e in spec.layers)
    net = Network(replace(spec, layers=layers), reg)
    assert type(net.node("sig1").layer) is reg.get("softsign")


def test_a_broken_edit_removes_nothing_it_cannot_replace_and_reports_the_failure(plugin_dir):
    f = plugin_dir / "softsign.py"
    f.write_text(fixture_plugins.GOOD)
    reg = discover()
    f.write_text(fixture_plugins.IMPORT_ERROR)
    res = reload_plugin_file(f, registry=reg)
    install_reloaded(reg, res)
    assert "softsign" not in reg  # the file no longer defines it
    assert any(x.stage == "import" and x.path == str(f) for x in reg.report.failures)
    f.write_text(fixture_plugins.GOOD)
    install_reloaded(reg, reload_plugin_file(f, registry=reg))
    assert "softsign" in reg and not [x for x in reg.report.failures if x.path == str(f)]


def test_an_id_taken_by_a_builtin_is_refused(plugin_dir):
    reg = discover()
    f = plugin_dir / "myrelu.py"
    f.write_text(fixture_plugins.GOOD.replace('id="softsign"', 'id="relu"'))
    res = reload_plugin_file(f, registry=reg)
    assert res.classes[0].failure.stage == "validate" and "already defined" in res.classes[0].failure.message
    install_reloaded(reg, res)
    assert reg.plugin("relu").source == "builtin"


def test_plugin_folders_are_the_env_path_then_the_user_folder(plugin_dir):
    from core import paths

    assert plugin_folders() == [plugin_dir, paths.user_plugin_dir()]
