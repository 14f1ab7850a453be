"""Preview one panel on its own with a realistic StepView (core.demo), or render every panel.

    python -m desktop.panels.demo feature_maps [PHASES]     # one panel, standalone
    python -m desktop.panels.demo --png /tmp/panels [PHASES] # every panel rendered to PNG
"""

from __future__ import annotations

import sys
from pathlib import Path

from core.demo import build_demo_view


def main(argv: list[str]) -> int:
    from PySide6.QtWidgets import QApplication

    from desktop.panels import PANELS, configure_pyqtgraph

    configure_pyqtgraph()
    app = QApplication.instance() or QApplication(sys.argv)
    panels = dict(PANELS)
    if not argv or (argv[0] not in panels and argv[0] != "--png"):
        print(f"usage: python -m desktop.panels.demo {{{'|'.join(panels)}}} [PHASES]\n"
              f"       python -m desktop.panels.demo --png OUTDIR [PHASES]", file=sys.stderr)
        return 2
    if argv[0] == "--png":
        out = Path(argv[1] if len(argv) > 1 else "/tmp/panels")
        phases = int(argv[2]) if len(argv) > 2 else 20
        view = build_demo_view(phases, focus=1, warmup_epochs=2)
        out.mkdir(parents=True, exist_ok=True)
        for name, cls in PANELS:
            w = cls()
            w.resize(1000, 700)
            w.show()
            w.update_view(view)
            app.processEvents()
            w.grab().save(str(out / f"{name}.png"))
            print(out / f"{name}.png")
            w.close()
            w.deleteLater()  # delete on Qt's side while the app is alive, not at interpreter exit
            app.processEvents()
        return 0
    phases = int(argv[1]) if len(argv) > 1 else 20
    w = panels[argv[0]]()
    w.setWindowTitle(f"Backstep — {w.title}")
    w.resize(1000, 700)
    w.show()
    w.update_view(build_demo_view(phases, warmup_epochs=2))
    return app.exec()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
