"""The engine never loads Qt: importing every module of core and plugins (and using them) leaves
PySide6, pyqtgraph and desktop out of ``sys.modules``. The import contracts in pyproject.toml
(checked by import-linter in CI) say the same statically; this checks what actually loads."""

import subprocess
import sys

from tests.conftest import ROOT


def test_every_core_module_and_plugin_never_imports_qt():
    code = (
        "import sys, pkgutil, importlib\n"
        "import core, plugins\n"
        "names = [m.name for pkg in (core, plugins)\n"
        "         for m in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + '.')]\n"
        "for name in names:\n"
        "    importlib.import_module(name)\n"
        "from core.registry import discover\n"
        "discover(strict=True)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6', 'pyqtgraph', 'desktop'))\n"
        "print(len(names), ','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    count, _, bad = out.stdout.strip().partition(" ")
    assert int(count) > 40, f"only {count} modules imported"
    assert bad == "", f"core imported Qt modules: {bad}"
