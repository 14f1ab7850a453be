"""Live plugin reload on the real window: save a plugin file, it is reloaded, checked and usable."""

import shutil

import pytest

from tests.conftest import ROOT
from tests.desktop.conftest import make_window
from tests.fixtures import plugins as fixture_plugins

pytest.importorskip("pytestqt")

WRONG = fixture_plugins.GOOD.replace("/ (1 + np.abs(cache)) ** 2", "/ (1 + np.abs(cache))")  # the square forgotten


@pytest.fixture
def plugin_dir(tmp_path, monkeypatch):
    d = tmp_path / "my_plugins"
    d.mkdir()
    (d / "softsign.py").write_text(fixture_plugins.GOOD)
    monkeypatch.setenv("BACKSTEP_PLUGIN_PATH", str(d))
    return d


@pytest.fixture
def window(qtbot, plugin_dir):
    from core.registry import discover

    w = make_window(qtbot, registry=discover())  # not the process-wide registry
    yield w
    w.bridge.pause()
    w.bridge.wait()


@pytest.fixture
def watcher(window):

    return window.debugger.plugin_watcher


def palette_names(window):
    pal = window.editor.palette
    return {pal.topLevelItem(i).child(j).text(0) for i in range(pal.topLevelItemCount())
            for j in range(pal.topLevelItem(i).childCount())}


def save(qtbot, watcher, path, text):
    """Write the file as an editor would and wait for the watcher to reload it."""
    with qtbot.waitSignal(watcher.sigReloaded, timeout=5000) as blocker:
        path.write_text(text)
    return blocker.args[0]


def test_the_plugin_folders_are_watched(window, watcher, plugin_dir):
    from core import paths

    watched = watcher.watched()
    assert str(plugin_dir) in watched and str(plugin_dir / "softsign.py") in watched
    assert str(paths.user_plugin_dir()) in watched
    rows = window.debugger.plugins.rows()
    assert ("softsign", "softsign.py") == rows[0][:2] and "not checked" in rows[0][3]


def test_editing_a_plugin_reloads_it_and_shows_its_gradient_check(qtbot, window, watcher, plugin_dir):
    f = plugin_dir / "softsign.py"
    old_cls = window.registry.get("softsign")
    # add the user's layer to the network, as from the palette
    window.editor.palette.sigAddRequested.emit("softsign")
    assert any(n.type == "softsign" for n in window.bridge.network.nodes)

    result = save(qtbot, watcher, f, WRONG)  # a broken backward
    c = result.classes[0]
    assert c.id == "softsign" and c.usable and not c.passed
    row = next(r for r in window.debugger.plugins.rows() if r[0] == "softsign")
    assert "FAILED" in row[3] and "max rel error" in row[3]
    assert "FAILED" in window.status.currentMessage()
    new_cls = window.registry.get("softsign")
    assert new_cls is not old_cls
    node = next(n for n in window.bridge.network.nodes if n.type == "softsign")
    assert type(node.layer) is new_cls  # the network was rebuilt with the new class

    result = save(qtbot, watcher, f, fixture_plugins.GOOD)  # fixed
    assert result.ok
    row = next(r for r in window.debugger.plugins.rows() if r[0] == "softsign")
    assert "passed" in row[3]
    assert "gradient check passed" in window.status.currentMessage()
    node = next(n for n in window.bridge.network.nodes if n.type == "softsign")
    assert type(node.layer) is window.registry.get("softsign") is result.classes[0].cls
    qtbot.keyClick(window, __import__("PySide6.QtCore", fromlist=["Qt"]).Qt.Key.Key_F10)
    assert window.bridge.stepper.iteration == 1  # and it trains


def test_a_new_plugin_file_appears_in_the_palette(qtbot, window, watcher, plugin_dir):
    assert "Leaky ReLU" not in palette_names(window)
    with qtbot.waitSignal(watcher.sigReloaded, timeout=5000) as blocker:
        shutil.copy(ROOT / "resources" / "plugin_template.py", plugin_dir / "leaky.py")
    assert blocker.args[0].ok
    assert "Leaky ReLU" in palette_names(window) and "leaky_relu" in window.registry


def test_a_plugin_that_fails_to_import_is_reported_and_recovers(qtbot, window, watcher, plugin_dir):
    f = plugin_dir / "softsign.py"
    result = save(qtbot, watcher, f, fixture_plugins.IMPORT_ERROR)
    assert result.failure.stage == "import" and "softsign" not in window.registry
    assert "import failed" in window.status.currentMessage()
    result = save(qtbot, watcher, f, fixture_plugins.GOOD)
    assert result.ok and "softsign" in window.registry and "Softsign" in palette_names(window)


def test_quick_saves_are_debounced_into_one_reload(qtbot, window, watcher, plugin_dir):
    f = plugin_dir / "softsign.py"
    seen = []
    watcher.sigReloaded.connect(seen.append)
    with qtbot.waitSignal(watcher.sigReloaded, timeout=5000):
        for text in (WRONG, fixture_plugins.GOOD, WRONG, fixture_plugins.GOOD):
            f.write_text(text)
            qtbot.wait(30)
    qtbot.wait(500)
    assert len(seen) == 1 and seen[0].ok
