"""The inspector with real data: the lecture network on MNIST-5k after one epoch and one more
iteration (batch 16, stepped to its update phase), sample 4 in focus.

    python -m desktop.inspector.demo [SCENE]                  # one scene in a window (default: update)
    python -m desktop.inspector.demo --png OUTDIR [SCENE ...]  # -> OUTDIR/inspector_SCENE.png
                                       [--render]              # render the widget (no X server needed)

Scenes: the dock's size is 520×640 (900×640 when maximised); "_wide" scenes are the maximised one.
"""

from __future__ import annotations

import functools
import sys
import time
from pathlib import Path

from core.demo import make_stepper, run_phases, view_of
from desktop.inspector.from_view import item_for, update_for

DOCK, WIDE = (520, 640), (900, 640)

# name: (kind, key, size, selected (0-based), slice (0-based), tiles, zoom)
SCENES = {
    "filter": ("array", "conv1.weight", DOCK, (2, 0, 1, 4), None, False, None),
    "conv2_grad": ("array", "conv2.weight.grad", DOCK, None, (4, 1), False, None),
    "conv2_tiles": ("array", "conv2.weight", WIDE, None, None, True, None),
    "map12": ("array", "pool1.out", DOCK, (2, 5, 7), None, False, None),
    "error24": ("array", "sig1.grad_in", DOCK, None, (0,), False, None),
    "error24_zoomed": ("array", "sig1.grad_in", DOCK, (0, 10, 12), None, False, 2.5),
    "fc1_weight": ("array", "fc1.weight", WIDE, None, None, False, None),
    "fc1_weight_zoomed": ("array", "fc1.weight", WIDE, (60, 127), None, False, 12.0),
    "output_error": ("array", "fc2.grad_out", DOCK, None, None, False, None),
    "vector120": ("array", "sig3.out", DOCK, None, None, False, None),
    "update": ("update", "conv1", DOCK, (2, 0, 1, 4), (2, 0), False, None),
    "update_wide": ("update", "conv1", WIDE, (2, 0, 1, 4), (2, 0), False, None),
    "update_fc2_bias": ("update", "fc2.bias", DOCK, None, None, False, None),
}


@functools.lru_cache(maxsize=1)
def sample_view():
    """The StepView: one epoch of warm-up (batch 100), then one whole iteration at batch 16."""
    st = make_stepper(batch_size=16, warmup_epochs=1)
    return view_of(st, run_phases(st, 22), focus=3)


def build(name: str):
    """An InspectorPanel showing scene ``name``."""
    from desktop.inspector.inspector_panel import InspectorPanel

    kind, key, size, selected, fixed, tiles, _zoom = SCENES[name]
    view = sample_view()
    panel = InspectorPanel()
    panel.resize(*size)
    if kind == "update":
        layer, _, param = key.partition(".")
        panel.show_update(update_for(view, layer, param or "weight", selected=selected))
    else:
        panel.show_array(item_for(view, key, selected=selected))
    if fixed is not None:
        panel.set_slice(fixed)
    if tiles:
        panel.set_tiles(True)
    return panel


def _settle(app, seconds: float = 0.5) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:  # a real X server maps and paints the window in its own time
        app.processEvents()
        time.sleep(0.02)


def main(argv: list[str]) -> int:
    from PySide6.QtWidgets import QApplication

    from desktop.panels import configure_pyqtgraph

    app = QApplication.instance() or QApplication(sys.argv[:1])
    configure_pyqtgraph()
    render = "--render" in argv
    argv = [a for a in argv if a != "--render"]
    if argv and argv[0] == "--png":
        out = Path(argv[1] if len(argv) > 1 else "/tmp/inspector")
        out.mkdir(parents=True, exist_ok=True)
        for name in argv[2:] or list(SCENES):
            w = build(name)
            w.setWindowTitle(f"Backstep — Inspector ({name})")
            w.move(0, 0)
            w.show()
            _settle(app)
            zoom = SCENES[name][6]
            if zoom:
                w.zoom(zoom)
                _settle(app, 0.3)
            if render:
                shot = w.grab()
            else:  # the screen where the window is: what a user sees
                frame = w.frameGeometry()
                shot = w.screen().grabWindow(0, frame.x(), frame.y(), frame.width(), frame.height())
            path = out / f"inspector_{name}.png"
            shot.save(str(path))
            print(path, f"{w.width()}×{w.height()}")
            w.close()
            w.deleteLater()
            app.processEvents()
        return 0
    name = argv[0] if argv else "update"
    if name not in SCENES:
        print(f"usage: python -m desktop.inspector.demo [{'|'.join(SCENES)}]\n"
              f"       python -m desktop.inspector.demo --png OUTDIR [SCENE ...] [--render]", file=sys.stderr)
        return 2
    w = build(name)
    w.setWindowTitle(f"Backstep — Inspector ({name})")
    w.show()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
