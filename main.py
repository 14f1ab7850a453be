"""Backstep: ``python main.py`` opens the app; ``python main.py COMMAND ...`` runs headless.

The same as the installed command ``backstep`` (desktop/launch.py).
"""

import sys

from desktop.launch import run as main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
