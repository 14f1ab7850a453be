"""The Lecture workspace in a 1280×800 window of its own, until the main window has it.

    python -m desktop.lecture.demo [STEP_ID]             # the lecture network on MNIST-5k, batch 32
    python -m desktop.lecture.demo --png OUTDIR          # the README's five steps -> OUTDIR/lecture_*.png

The window has a tool bar and a status bar as the main window does, so the workspace gets about
the 1240×640 it will have there. The PNGs are grabbed from the screen (run under Xvfb).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

SIZE = (1280, 800)
# (file name, step id, frame, what to set up)
SHOTS = (("table_lookup", "table-lookup", 0), ("convolution", "convolution", 0), ("boxed_step", "step-4", 2),
         ("training_batch", "batch-g1", 0), ("update", "update-g1", 0))


def window(step: str | None = None, batch_size: int = 32):
    from PySide6.QtWidgets import QLabel, QMainWindow, QToolBar

    from core.workspace import Workspace
    from desktop.bridge import EngineBridge
    from desktop.lecture import LectureWorkspace

    ws = Workspace(batch_size=batch_size)
    bridge = EngineBridge(ws)
    main = QMainWindow()
    main.setWindowTitle("Backstep — Lecture")
    bar = QToolBar("Steps")
    bar.addWidget(QLabel("  Backstep · Lecture workspace (preview: the main window's tool bar goes here)  "))
    main.addToolBar(bar)
    lecture = LectureWorkspace(ws, bridge)
    main.setCentralWidget(lecture)
    lecture.sigStatus.connect(lambda text: main.statusBar().showMessage(text))
    main.statusBar().showMessage("Space: next · Backspace: back · the contents list jumps")
    main.resize(*SIZE)
    if step:
        lecture.go(lecture.step_ids().index(step))
    main._keep = (ws, bridge, lecture)
    return main, lecture


def setup(lecture, name: str, step: str, frame: int) -> None:
    lecture.go(lecture.step_ids().index(step), frame)
    if name == "convolution":
        fig = lecture.figure()
        fig.set_kernel("g3")
        corr = fig.displayed()["cross_correlation"]
        import numpy as np

        i, j = np.unravel_index(int(np.argmax(corr)), corr.shape)
        fig.click("corr", int(i), int(j))
    lecture.sigStatus.emit(f"Lecture: step {step}" + (f", frame {frame + 1}" if frame else ""))


def main(argv: list[str]) -> int:
    from PySide6.QtWidgets import QApplication

    from desktop.panels import configure_pyqtgraph

    app = QApplication.instance() or QApplication(sys.argv[:1])
    configure_pyqtgraph()
    if argv and argv[0] == "--png":
        out = Path(argv[1] if len(argv) > 1 else "/tmp/lecture")
        out.mkdir(parents=True, exist_ok=True)
        w, lecture = window()
        w.move(0, 0)
        w.show()
        for name, step, frame in SHOTS:
            setup(lecture, name, step, frame)
            for _ in range(30):  # a real X server maps and paints the window in its own time
                app.processEvents()
                time.sleep(0.02)
            path = out / f"lecture_{name}.png"
            w.screen().grabWindow(0, 0, 0, *SIZE).save(str(path))
            print(path)
        return 0
    w, _ = window(argv[0] if argv else None)
    w.show()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
