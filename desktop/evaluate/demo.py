"""The Evaluate widgets with real sample data (core.demo), to preview each on its own and to test them.

    python -m desktop.evaluate.demo draw|confusion|gallery|summary|distributions|flow|alerts|overview
    python -m desktop.evaluate.demo --png OUTDIR       # every widget at 1280×800 -> OUTDIR/evaluate_*.png
    ... --weights W.npz                               # the lecture network with these weights

The data: the lecture network trained for one epoch on MNIST-5k (batch 16, seed 0: what
``python main.py train resources/networks/lecture.json --epochs 1`` does), its evaluation on the
test split; 40 recorded iterations from fresh weights (distributions, gradient flow); and 40 at
α = 30, which saturates the sigmoids and underflows ŷ until ∂L/∂ŷ = −y/ŷ is −Inf (the alerts).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

from core.debugger.distributions import Distributions, gradient_flow_series
from core.demo import sample_alerts, sample_evaluation, sample_records, trained
from core.digit_input import probabilities

SIZE = (1280, 800)


def sample_digit() -> np.ndarray:
    """A hand-drawn-looking 7 on the 280×280 canvas, as strokes: a list of point lists."""
    return [[(70, 60), (150, 58), (215, 62)], [(215, 62), (185, 130), (150, 200), (128, 250)],
            [(120, 150), (200, 148)]]


def overview():
    """Summary and confusion matrix beside the gallery, wired as a window might wire them: a
    clicked cell fills the gallery with its examples (opened at true 4, predicted 9)."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QSplitter

    from desktop.evaluate import ConfusionMatrixView, EvaluationSummary, ExampleGallery

    ev = sample_evaluation()
    _, data = trained()
    summary, matrix, gallery = EvaluationSummary(), ConfusionMatrixView(), ExampleGallery()
    summary.set_evaluation(ev)
    matrix.set_evaluation(ev)

    def show_cell(true: int, pred: int, indices: list) -> None:
        verdict = "right" if true == pred else "wrong"
        gallery.set_examples(data.x_test, ev.examples(indices), ev.classes,
                             f"True {ev.classes[true]}, predicted {ev.classes[pred]}: {len(indices)} {verdict}")

    matrix.sigCellClicked.connect(show_cell)
    summary.sigShowMistakes.connect(lambda: gallery.set_examples(data.x_test, ev.mistakes(), ev.classes,
                                                                 f"The {len(ev.mistakes())} mistakes"))
    left = QSplitter(Qt.Orientation.Vertical)
    left.addWidget(summary)
    left.addWidget(matrix)
    left.setSizes([348, 452])
    w = QSplitter(Qt.Orientation.Horizontal)
    w.addWidget(left)
    w.addWidget(gallery)
    w.setSizes([560, 720])
    w.title = "Evaluation"
    w.parts = (summary, matrix, gallery)
    matrix.click_cell(4, 9)
    return w


def build(name: str):
    """The widget ``name`` (or "overview") filled with the sample data."""
    from desktop.evaluate import WIDGETS

    if name == "overview":
        return overview()
    cls = WIDGETS[name]
    if name == "draw":
        net, _ = trained()
        w = cls(net.classes, predict=lambda img: probabilities(net, img))
        for stroke in sample_digit():
            w.canvas.stroke(stroke)
        w.refresh()
        return w
    w = cls()
    if name in ("confusion", "summary"):
        w.set_evaluation(sample_evaluation())
        if name == "confusion":
            w.click_cell(4, 9)
    elif name == "gallery":
        ev = sample_evaluation()
        _, data = trained()
        w.set_examples(data.x_test, ev.mistakes(), ev.classes, f"The {len(ev.mistakes())} mistakes, the surest first")
    elif name == "distributions":
        nodes, records = sample_records()
        w.set_distributions(Distributions(nodes, records), "conv1.weight.grad")
    elif name == "flow":
        nodes, records = sample_records()
        w.set_flow(gradient_flow_series(nodes, records))
    elif name == "alerts":
        found, its = sample_alerts()
        w.set_alerts(found, its)
        w.jump_to_first()
    return w


def main(argv: list[str]) -> int:
    from PySide6.QtWidgets import QApplication

    from core import demo as sample

    if "--weights" in argv:
        i = argv.index("--weights")
        sample.WEIGHTS = argv[i + 1]
        argv = argv[:i] + argv[i + 2:]

    from desktop.evaluate import WIDGETS
    from desktop.panels import configure_pyqtgraph

    app = QApplication.instance() or QApplication(sys.argv[:1])
    configure_pyqtgraph()
    names = [*WIDGETS, "overview"]
    if not argv or (argv[0] not in names and argv[0] != "--png"):
        print(f"usage: python -m desktop.evaluate.demo {{{'|'.join(names)}}}\n"
              f"       python -m desktop.evaluate.demo --png OUTDIR", file=sys.stderr)
        return 2
    if argv[0] == "--png":
        out = Path(argv[1] if len(argv) > 1 else "/tmp/evaluate")
        out.mkdir(parents=True, exist_ok=True)
        for name in ([a for a in argv[2:] if not a.startswith("--")] or names):
            w = build(name)
            w.setWindowTitle(f"Backstep — {w.title}")
            w.resize(*SIZE)
            w.move(0, 0)
            w.show()
            for _ in range(25):  # a real X server maps and paints the window in its own time
                app.processEvents()
                time.sleep(0.02)
            # the screen where the window is, not a render of the widget: what a user sees
            shot = w.screen().grabWindow(0, 0, 0, *SIZE) if "--render" not in argv else w.grab()
            path = out / f"evaluate_{name}.png"
            shot.save(str(path))
            print(path)
            w.close()
            w.deleteLater()
            app.processEvents()
        return 0
    w = build(argv[0])
    w.setWindowTitle(f"Backstep — {w.title}")
    w.resize(*SIZE)
    w.show()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
