"""The README's screenshots, of the main window at 1280×800 under Xvfb:

    xvfb-run -a -s "-screen 0 1280x800x24" python scripts/screenshots.py docs/screenshots

Step: start.png (right after start), backward.png (stepped to backward:conv2), epoch.png (after
an epoch of Run: the curves). Inspect: inspector_update.png (the update of conv1 in the inspector,
with its numbers), per_sample_gradients.png (every sample's own ∂L⁽ˢ⁾/∂g⁽¹⁾ and their mean).
Debug: debug.png (Run stopped at a breakpoint on ‖∂L/∂g⁽¹⁾‖, the formula of an error pixel) and
verify.png (the check of conv2's backward, jumped to its worst element). Lecture: lecture_*.png
(the table lookup, the convolution explorer, a boxed chain-rule step, the training batch, the
update). Evaluate: evaluate_draw.png, evaluate_confusion.png (a mistake's cell opened),
evaluate_distributions.png. Settings go to a temporary folder, so the default layout is shown.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SIZE = (1280, 800)
LECTURE_SHOTS = (("table_lookup", "table-lookup", 0), ("convolution", "convolution", 0),
                 ("boxed_step", "step-4", 2), ("training_batch", "batch-g1", 0), ("update", "update-g1", 0))
SEVEN = [[(70, 60), (150, 58), (215, 62)], [(215, 62), (185, 130), (150, 200), (128, 250)]]


def main(argv: list[str]) -> int:  # noqa: C901 - a script: one screenshot after another
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
    w.move(0, 0)
    w.show()
    ws = w.workspace

    def settle(seconds: float = 0.6) -> None:
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            app.processEvents()
            time.sleep(0.01)

    def shot(name: str) -> None:
        settle()
        path = out / name
        w.screen().grabWindow(0, 0, 0, *SIZE).save(str(path))  # the screen: floating docks too
        print(f"wrote {path}")

    def page(key: str) -> None:
        w.workspace_tabs.show_page(key)
        settle(0.4)

    def step_to(phase: str) -> None:
        for _ in range(10 * len(ws.phases)):
            w.actions["step_phase"].trigger()
            app.processEvents()
            if ws.view().phase == phase:
                return
        raise RuntimeError(f"never reached {phase}")

    def wait_run() -> None:
        while ws.running:
            settle(0.05)

    settle(1.0)
    shot("start.png")
    step_to("backward:conv2")
    shot("backward.png")

    step_to("update")
    page("inspect")
    w.panels["gradients"].layer.choose("conv1")
    w.panels["update"].layer.choose("conv1")
    shot("inspector_update.png")
    w.page().toggle_maximised("gradients")
    shot("per_sample_gradients.png")
    w.page().toggle_maximised("gradients")

    page("step")
    w.actions["finish_epoch"].trigger()
    wait_run()
    w.docks["curves"].raise_()
    shot("epoch.png")

    from core.debugger.breakpoints import NormBreakpoint
    from desktop.debugger.verify_dialog import VerifyDialog

    page("debug")
    w.debugger.breakpoints.add(NormBreakpoint("conv1.weight.grad", ">", 0.0))
    w.actions["run"].trigger()
    wait_run()
    maps = w.docks["debug.error_maps"].widget()
    w.docks["debug.error_maps"].raise_()
    settle(0.3)
    err = ws.view().sample_value("sig1.grad_in")
    worst = tuple(int(i) for i in np.unravel_index(abs(err).argmax(), err.shape))
    maps.click_at("sig1.grad_in", worst)  # a pooling winner: the largest error of the focused sample
    shot("debug.png")
    w.debugger.breakpoints.breakpoints.clear()
    w.debugger.breakpoints.refresh()

    dlg = VerifyDialog(ws, "conv2", parent=w)
    dlg.resize(1000, 700)
    dlg.show()
    while not dlg.finished_check:
        settle(0.05)
    dlg.jump_to_worst()
    settle(0.5)
    dlg.grab().save(str(out / "verify.png"))
    print(f"wrote {out / 'verify.png'}")
    dlg.close()

    page("lecture")
    lecture = w.lecture
    for name, step, frame in LECTURE_SHOTS:
        lecture.go(lecture.step_ids().index(step), frame)
        if name == "convolution":
            fig = lecture.figure()
            fig.set_kernel("g3")
            corr = fig.displayed()["cross_correlation"]
            i, j = np.unravel_index(int(np.argmax(corr)), corr.shape)
            fig.click("corr", int(i), int(j))
        shot(f"lecture_{name}.png")

    page("evaluate")
    tools = w.evaluate
    w.page().docks["draw"].raise_()
    for stroke in SEVEN:
        tools.draw.canvas.stroke(stroke)
    tools.draw.refresh()
    shot("evaluate_draw.png")
    w.page().docks["evaluation"].raise_()
    tools.evaluation.run()
    while tools.evaluation.job is not None:
        settle(0.05)
    ev = tools.evaluation.evaluation
    m = np.array(ev.confusion, copy=True)
    np.fill_diagonal(m, -1)
    t, p = np.unravel_index(int(m.argmax()), m.shape)  # the most frequent mistake
    tools.evaluation.matrix.click_cell(int(t), int(p))
    shot("evaluate_confusion.png")
    w.page().docks["distributions"].raise_()
    tools.recorded.refresh()
    while tools.recorded.job is not None:
        settle(0.05)
    shot("evaluate_distributions.png")
    w.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
