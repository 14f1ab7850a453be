"""Screenshots of the main window for the README, under Xvfb:

    xvfb-run -s "-screen 0 1600x1000x24" python scripts/screenshots.py OUTDIR

Writes OUTDIR/start.png (right after start), OUTDIR/backward.png (phases stepped until
backward:conv2, error maps visible), OUTDIR/epoch.png (after one epoch of Run on mnist-5k,
batch 32), OUTDIR/breakpoint.png (Run stopped by a breakpoint on the gradient norm of
conv1.weight, with the formula of an error pixel open) and OUTDIR/verify.png (the per-element
check of conv2's backward, jumped to its worst element). Settings go to a temporary folder, so
the default layout is shown.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    out = Path(argv[0])
    out.mkdir(parents=True, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="backstep-shots-")
    for var in ("BACKSTEP_CONFIG_DIR", "BACKSTEP_DATA_DIR"):
        os.environ[var] = os.path.join(tmp, var.lower())
    if not os.environ.get("DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

    from desktop.app import make_app
    from desktop.main_window import MainWindow
    from desktop.theme import apply_theme

    app = make_app([])
    apply_theme("light", app, remember=False)
    w = MainWindow(remember_layout=False, autosave=False, batch_size=32)
    w.ask_before_quit = False
    w.resize(1600, 1000)
    w.move(0, 0)
    w.show()

    def settle(seconds: float = 0.5) -> None:
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            app.processEvents()
            time.sleep(0.01)

    def shot(name: str) -> None:
        settle()
        path = out / name
        w.grab().save(str(path))
        print(f"wrote {path}")

    settle(1.0)
    shot("start.png")

    b = w.bridge
    while True:
        w.actions["step_phase"].trigger()
        app.processEvents()
        if b.record.last is not None and b.record.last.phase == "backward:conv2":
            break
    w.docks["error_maps"].raise_()
    shot("backward.png")

    w.actions["finish_epoch"].trigger()  # finish this epoch (Run until the epoch ends)
    while b.running:
        app.processEvents()
        time.sleep(0.01)
    w.docks["curves"].raise_()  # after an epoch the curves are the news
    settle(0.5)
    shot("epoch.png")

    from core.debugger.breakpoints import NormBreakpoint
    from desktop.debugger.verify_dialog import VerifyDialog

    w.debugger.breakpoints.add(NormBreakpoint("conv1.weight.grad", ">", 0.0))
    w.actions["run"].trigger()
    while b.running:
        app.processEvents()
        time.sleep(0.01)
    w.docks["error_maps"].raise_()
    settle(0.3)
    w.panels["error_maps"].update_view(b.view())
    # click the error pixel of the focused sample with the largest |∂L/∂z⁽¹⁾|: a pooling winner
    err = b.view().focused("sig1.grad_in")
    worst = tuple(int(i) for i in np.unravel_index(abs(err).argmax(), err.shape))
    w.panels["error_maps"].click_at("sig1.grad_in", worst)
    w.docks["formula"].raise_()
    shot("breakpoint.png")

    dlg = VerifyDialog(w.workspace, "conv2", parent=w)
    dlg.show()
    while not dlg.finished_check:
        app.processEvents()
        time.sleep(0.01)
    dlg.jump_to_worst()
    settle(0.5)
    dlg.grab().save(str(out / "verify.png"))
    print(f"wrote {out / 'verify.png'}")
    dlg.close()
    w.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
