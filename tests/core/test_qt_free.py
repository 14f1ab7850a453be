"""The engine never loads Qt: importing core and plugins (and using them) leaves PySide6 out."""

import subprocess
import sys

from tests.conftest import ROOT


def test_core_and_plugins_never_import_qt():
    code = (
        "import sys\n"
        "import core, plugins, core.cli, core.stepper, core.registry, core.datasets, core.gradcheck\n"
        "from core.registry import discover\n"
        "discover(strict=True)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6', 'pyqtgraph', 'desktop'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"core imported Qt modules: {out.stdout}"
