"""The ``backstep`` command: no arguments open the app, a command runs headless (core.cli).

Installed by ``pip install .`` as the console script ``backstep`` and the GUI launcher
``backstep-app`` (pyproject.toml); ``python main.py`` in a checkout is the same. The headless
commands never import Qt: the app is imported only when it is opened.
"""

from __future__ import annotations

import sys


def run(argv: list[str]) -> int:
    if not argv:
        from desktop.app import run_app

        return run_app()
    from core.cli import main as cli_main

    return cli_main(argv)


def main() -> int:
    """The console script ``backstep``."""
    return run(sys.argv[1:])


def gui() -> int:
    """The GUI launcher ``backstep-app`` (no console window on Windows): always the app."""
    from desktop.app import run_app

    return run_app()
