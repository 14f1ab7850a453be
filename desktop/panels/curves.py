"""Loss and accuracy curves from ``view.history``: per batch (left) and per epoch (right).

Long per-batch series are averaged in bins to at most ``MAX_POINTS`` points (the shown arrays are
what ``displayed()`` returns); a moving mean over ``SMOOTH`` batches is drawn over the raw curve.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from core.view import StepView
from desktop.panels.base import KEEP, Panel
from desktop.panels.plot_style import ThemedLayoutWidget

MIN_PLOT_WIDTH = 150  # px: narrower, and the four plots go in one column (if there is the height)
MIN_PLOT_HEIGHT = 130
MAX_POINTS = 2000
SMOOTH = 25
TRAIN, TEST, RAW = (66, 133, 244), (255, 159, 28), (120, 120, 120)


def downsample(y: np.ndarray, max_points: int = MAX_POINTS) -> tuple[np.ndarray, np.ndarray]:
    """(x, y) with x the iteration number (1-based); bin means when longer than ``max_points``."""
    y = np.asarray(y, dtype=float)
    n = len(y)
    if n <= max_points:
        return np.arange(1, n + 1, dtype=float), y
    edges = np.linspace(0, n, max_points + 1).astype(int)
    sums = np.add.reduceat(y, edges[:-1])
    return (edges[:-1] + edges[1:]) / 2 + 0.5, sums / np.diff(edges)


def moving_mean(y: np.ndarray, k: int = SMOOTH) -> np.ndarray:
    if len(y) < k:
        return np.asarray(y, dtype=float)
    c = np.cumsum(np.insert(np.asarray(y, dtype=float), 0, 0.0))
    return np.concatenate([c[1:k] / np.arange(1, k), (c[k:] - c[:-k]) / k])


class CurvesPanel(Panel):
    title = "Loss and accuracy"

    def __init__(self, parent=None):
        super().__init__(parent)
        self.plots = _Plots(MIN_PLOT_WIDTH)
        self.curves: dict[str, pg.PlotDataItem] = {}
        specs = [  # (row, col, title, y label, x label, [(key, legend, colour, symbol)])
            (0, 0, "loss per batch", "L", "iteration", [("batch_loss", "batch", RAW, None),
                                                         ("batch_loss_mean", f"mean of {SMOOTH}", TRAIN, None)]),
            (1, 0, "accuracy per batch", "acc.", "iteration",
             [("batch_acc", "batch", RAW, None), ("batch_acc_mean", f"mean of {SMOOTH}", TRAIN, None)]),
            (0, 1, "loss per epoch", "L", "epoch",
             [("train_loss", "train", TRAIN, "o"), ("test_loss", "test", TEST, "s")]),
            (1, 1, "accuracy per epoch", "acc.", "epoch", [("train_acc", "train", TRAIN, "o"),
                                                               ("test_acc", "test", TEST, "s")]),
        ]
        for _row, _col, title, ylabel, xlabel, items in specs:
            p = pg.PlotItem()
            p.setTitle(title, size="9pt")
            self.plots.plots.append(p)
            p.setLabel("left", ylabel)
            p.setLabel("bottom", xlabel)
            p.showGrid(x=True, y=True, alpha=0.25)
            p.addLegend(offset=(-10, 10))
            if "acc" in items[0][0]:
                p.setYRange(0, 1, padding=0.02)
            for key, name, colour, symbol in items:
                pen = pg.mkPen(colour, width=2 if symbol or "mean" in key else 1)
                self.curves[key] = p.plot([], [], name=name, pen=pen,
                                          symbol=symbol, symbolBrush=colour, symbolSize=7)
        self.plots.place()
        self.set_body(self.plots)

    def draw(self, view: StepView) -> str | None:
        h = view.history or {}
        if not h.get("batch_loss"):
            return "The curves grow with every finished iteration: Step (F11) through a whole iteration"
        if self.unchanged(len(h["batch_loss"]), h["batch_loss"][-1], len(h.get("epochs", ()))):
            return KEEP  # (the history grows only when an iteration or an epoch ends)
        for key in ("batch_loss", "batch_acc"):
            raw = np.asarray(h[key], dtype=float)
            x, y = downsample(raw)
            xm, ym = downsample(moving_mean(raw))
            self._set(key, x, y)
            self._set(f"{key}_mean", xm, ym)
        epochs = h.get("epochs", [])
        for key in ("train_loss", "test_loss", "train_acc", "test_acc"):
            pts = [(e["epoch"], e[key]) for e in epochs if e.get(key) is not None]
            x = np.array([p[0] for p in pts], dtype=float)
            self._set(key, x, np.array([p[1] for p in pts], dtype=float))
        return None

    def _set(self, key: str, x: np.ndarray, y: np.ndarray) -> None:
        self.curves[key].setData(x, y)
        if len(y):
            self.record(key, y)


class _Plots(ThemedLayoutWidget):
    """The four plots in two columns, or in one when the panel is narrower than two plots."""

    def __init__(self, min_width: int):
        super().__init__()
        self.min_width = min_width
        self.plots: list[pg.PlotItem] = []  # batch loss, batch accuracy, epoch loss, epoch accuracy
        self.columns = 0

    def place(self) -> None:
        if not getattr(self, "plots", None):  # (a resize while __init__ runs)
            return
        narrow = self.width() < 2 * self.min_width and self.height() >= 4 * MIN_PLOT_HEIGHT
        cols = 1 if narrow else 2
        if cols == self.columns:
            return
        self.columns = cols
        for item in list(self.ci.items):
            self.ci.removeItem(item)
        order = [0, 2, 1, 3] if cols == 2 else [0, 1, 2, 3]  # two columns: batch left, epoch right
        for i, k in enumerate(order):
            self.ci.addItem(self.plots[k], row=i // cols, col=i % cols)
        self.restyle()

    def resizeEvent(self, ev) -> None:
        super().resizeEvent(ev)
        self.place()
