"""The Qt application: main window, editor, panels, controls, dialogs (core never imports this).

``settings()`` is the one QSettings store of the app: an ini file in ``BACKSTEP_CONFIG_DIR`` when
that is set (tests, portable installs), else the platform's native place for Backstep.
"""

from __future__ import annotations

import os
from pathlib import Path

ORG = "Backstep"
APP = "Backstep"


def settings():
    from PySide6.QtCore import QSettings

    folder = os.environ.get("BACKSTEP_CONFIG_DIR", "").strip()
    if folder:
        path = Path(folder).expanduser()
        path.mkdir(parents=True, exist_ok=True)
        return QSettings(str(path / "backstep.ini"), QSettings.Format.IniFormat)
    return QSettings(ORG, APP)
