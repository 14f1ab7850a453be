"""Backstep: ``python main.py`` opens the app; ``python main.py COMMAND ...`` runs headless."""

import sys


def main(argv: list[str]) -> int:
    if not argv:
        from desktop.app import run_app

        return run_app()
    from core.cli import main as cli_main

    return cli_main(argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
