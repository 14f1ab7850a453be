"""Loss and accuracy curves from ``view.history``: per batch, and each epoch's train and test figure
as a point at the iteration where the epoch ended.

Long per-batch series are averaged in bins to at most ``MAX_POINTS`` points (the shown arrays are
what ``displayed()`` returns); a moving mean over ``SMOOTH`` batches is drawn over the raw curve.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from core.view import StepView
from desktop.panels.base import KEEP, Panel
from desktop.panels.plot_style import ThemedLayoutWidget

MIN_PLOT_WIDTH = 260  # px: narrower, and the two plots go one above the other (if there is the height)
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


def epoch_x(epochs: list, n_batches: int) -> np.ndarray:
    """The iteration at which each epoch ended (its record's, or, for curves saved without it,
    where it would be with equal epochs)."""
    per = n_batches / max(len(epochs), 1)
    return np.array([e.get("iteration") or e["epoch"] * per for e in epochs], dtype=float)


class CurvesPanel(Panel):
    title = "Loss and accuracy"

    def __init__(self, parent=None):
        super().__init__(parent)
        self.plots = _Plots(MIN_PLOT_WIDTH)
        self.curves: dict[str, pg.PlotDataItem] = {}
        specs = [  # (title, y label, [(key, name, colour, symbol)]): per batch and, as points, per epoch
            ("loss", "L", [("batch_loss", "batch", RAW, None), ("batch_loss_mean", f"mean {SMOOTH}", TRAIN, None),
                           ("train_loss", "train", TRAIN, "o"), ("test_loss", "test", TEST, "s")]),
            ("accuracy", "acc.",
             [("batch_acc", "batch", RAW, None), ("batch_acc_mean", f"mean {SMOOTH}", TRAIN, None),
              ("train_acc", "train", TRAIN, "o"), ("test_acc", "test", TEST, "s")]),
        ]
        for title, ylabel, items in specs:
            p = pg.PlotItem()
            # the curves' names in the title, in their colours: a legend inside a small plot covers them
            names = ", ".join(f"<span style='color:rgb{colour}'>{name}</span>" for _k, name, colour, _s in items)
            p.setTitle(f"{title}: {names}", size="9pt")  # (short: a long title would widen the panel)
            self.plots.plots.append(p)
            p.setLabel("left", ylabel)
            p.setLabel("bottom", "iteration")
            p.showGrid(x=True, y=True, alpha=0.25)
            if title == "accuracy":
                p.setYRange(0, 1, padding=0.02)
            for key, name, colour, symbol in items:
                pen = None if symbol else pg.mkPen(colour, width=2 if "mean" in key else 1)
                self.curves[key] = p.plot([], [], name=name, pen=pen, symbol=symbol, symbolBrush=colour,
                                          symbolPen=pg.mkPen(colour), symbolSize=8)
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
            kept = [e for e in epochs if e.get(key) is not None]
            self._set(key, epoch_x(kept, len(h["batch_loss"])), np.array([e[key] for e in kept], dtype=float))
        return None

    def _set(self, key: str, x: np.ndarray, y: np.ndarray) -> None:
        self.curves[key].setData(x, y)
        if len(y):
            self.record(key, y)


class _Plots(ThemedLayoutWidget):
    """The two plots side by side, or one above the other when the panel is narrow and tall."""

    def __init__(self, min_width: int):
        super().__init__()
        self.min_width = min_width
        self.plots: list[pg.PlotItem] = []  # loss, accuracy
        self.columns = 0

    def place(self) -> None:
        if not getattr(self, "plots", None):  # (a resize while __init__ runs)
            return
        cols = 1 if self.width() < 2 * self.min_width and self.height() >= 2 * MIN_PLOT_HEIGHT else 2
        if cols == self.columns:
            return
        self.columns = cols
        for item in list(self.ci.items):
            self.ci.removeItem(item)
        for i, p in enumerate(self.plots):
            self.ci.addItem(p, row=i // cols, col=i % cols)
        self.restyle()

    def resizeEvent(self, ev) -> None:
        super().resizeEvent(ev)
        self.place()
