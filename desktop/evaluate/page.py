"""The Evaluate workspace's docks, wired to the workspace: evaluation, drawing, distributions, alerts.

``install_evaluate(host)`` adds them to the host's Evaluate page and returns an EvaluateTools:

  evaluation     test accuracy, per-class precision/recall, the confusion matrix and the examples of
                 a clicked cell (or the mistakes, the surest first), computed off the GUI thread
  draw           a drawn digit (or an image file) through MNIST's preprocessing, its live ŷ
  distributions, flow, alerts
                 from the iterations the timeline recorded (histograms over time, the gradient
                 flow per layer, the first tensor that went bad), read on demand off the GUI thread

Every example leads back to a step: a clicked example or a drawn digit becomes the batch of the
next iteration (``Workspace.step_on``), and the window goes to the Step workspace to follow its
forward and backward; a clicked alert or iteration shows that recorded iteration.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QSplitter, QVBoxLayout, QWidget

from core.debugger.anomalies import alerts
from core.debugger.distributions import Distributions, gradient_flow_series, timeline_records
from core.digit_input import network_input, probabilities
from core.evaluation import evaluate
from desktop.background_job import CANCELLED, BackgroundJob
from desktop.evaluate.alerts_list import AlertsList
from desktop.evaluate.confusion_matrix_view import ConfusionMatrixView
from desktop.evaluate.draw_digit_panel import DrawDigitPanel
from desktop.evaluate.evaluation_summary import EvaluationSummary
from desktop.evaluate.example_gallery import ExampleGallery
from desktop.evaluate.gradient_flow_chart import GradientFlowChart
from desktop.evaluate.histogram_over_time_view import HistogramOverTimeView


def _job_bar() -> tuple[QPushButton, QPushButton, QProgressBar, QLabel]:
    go, cancel, bar, note = QPushButton(), QPushButton("Cancel"), QProgressBar(), QLabel()
    bar.hide()
    cancel.hide()
    note.setWordWrap(True)
    return go, cancel, bar, note


class EvaluationPanel(QWidget):
    """The network on the test split: the summary, the confusion matrix, the examples."""

    title = "Evaluation"
    sigExampleChosen = Signal(int)  # an index into the test split, to follow in the stepper

    def __init__(self, workspace, parent=None):
        super().__init__(parent)
        self.workspace = workspace
        self.evaluation = None
        self.evaluated_at: int | None = None  # the iteration the evaluation is of
        self.job: BackgroundJob | None = None
        self.go, self.cancel, self.bar, self.note = _job_bar()
        self.go.setText("Evaluate on the test split")
        self.go.setToolTip("Accuracy, precision and recall per class and the confusion matrix of the network "
                           "as it is now, on the test split that train reports")
        self.go.clicked.connect(self.run)
        self.cancel.clicked.connect(lambda: self.job is not None and self.job.cancel())
        self.summary, self.matrix, self.gallery = EvaluationSummary(), ConfusionMatrixView(), ExampleGallery()
        self.matrix.sigCellClicked.connect(self._show_cell)
        self.summary.sigShowMistakes.connect(self._show_mistakes)
        self.summary.sigClassClicked.connect(self._show_class)
        self.gallery.sigExampleClicked.connect(self.sigExampleChosen)
        top = QHBoxLayout()
        for w in (self.go, self.cancel, self.bar):
            top.addWidget(w)
        top.addWidget(self.note, 1)
        self.left = left = QSplitter(Qt.Orientation.Vertical)
        left.addWidget(self.summary)
        left.addWidget(self.matrix)
        # every row of the matrix in view, the rest for the summary (its table scrolls), until the
        # learner moves the splitter
        self._left_moved = False
        left.splitterMoved.connect(lambda *_: setattr(self, "_left_moved", True))
        left.installEventFilter(self)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(self.gallery)
        split.setStretchFactor(0, 5)
        split.setStretchFactor(1, 4)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addLayout(top)
        lay.addWidget(split, 1)
        self.note.setText("The network as it is now, on the test split: press Evaluate.")

    def eventFilter(self, obj, event) -> bool:
        if obj is self.left and event.type() == QEvent.Type.Resize:
            self._fit_left(event.size().height())
        return super().eventFilter(obj, event)

    def _fit_left(self, h: int | None = None) -> None:
        """The matrix's rows all in view, the summary the rest (until the learner moves the splitter)."""
        h = self.left.height() if h is None else h
        need = min(self.matrix.needed_height(), h - 110)
        if need > 0 and not self._left_moved:
            self.left.setSizes([h - need, need])

    def run(self) -> None:
        if self.job is not None:
            return
        ws = self.workspace
        net, data, at = ws.evaluation_network(), ws.dataset, ws.trained_iterations
        self.job = BackgroundJob(lambda progress, stop: evaluate(net, data, progress=progress, should_stop=stop),
                                 self)
        self.job.sigProgress.connect(lambda done, total: (self.bar.setMaximum(total), self.bar.setValue(done)))
        self.job.sigDone.connect(lambda ev: self._done(ev, at))
        self.job.sigFailed.connect(self._failed)
        self.job.finished.connect(self._ended)
        self.go.setEnabled(False)
        self.bar.setValue(0)
        self.bar.show()
        self.cancel.show()
        self.note.setText(f"Evaluating on the {len(data.y_test)} test samples…")
        self.job.start()

    def _ended(self) -> None:
        self.job = None
        self.go.setEnabled(True)
        self.bar.hide()
        self.cancel.hide()

    def _failed(self, message: str) -> None:
        self.note.setText("Cancelled." if message == CANCELLED else f"Cannot evaluate: {message}")

    def _done(self, evaluation, iteration: int) -> None:
        self.evaluation, self.evaluated_at = evaluation, iteration
        self.summary.set_evaluation(evaluation, f"after {iteration} iterations")
        self.matrix.set_evaluation(evaluation)
        QTimer.singleShot(0, self._fit_left)  # (once the new header and captions are laid out)
        self.note.setText(f"After {iteration} iterations: {evaluation.accuracy:.1%} of the "
                          f"{int(evaluation.confusion.sum())} test samples right. Click a cell or an example.")
        self._show_mistakes()

    def wait(self, ms: int = 60000) -> bool:
        return self.job is None or self.job.wait(ms)

    def _show(self, indices, heading: str) -> None:
        ev = self.evaluation
        self.gallery.set_examples(self.workspace.dataset.x_test, ev.examples(indices), ev.classes, heading)

    def _show_cell(self, true: int, pred: int, indices: list) -> None:
        ev = self.evaluation
        verdict = "right" if true == pred else "wrong"
        self._show(indices, f"True {ev.classes[true]}, predicted {ev.classes[pred]}: {len(indices)} {verdict}. "
                            "Click one to step through it.")

    def _show_mistakes(self) -> None:
        ev = self.evaluation
        if ev is not None:
            self.gallery.set_examples(self.workspace.dataset.x_test, ev.mistakes(), ev.classes,
                                      f"The {len(ev.mistakes())} mistakes, the surest first. Click one to step "
                                      "through it.")

    def _show_class(self, k: int) -> None:
        ev = self.evaluation
        idx = [int(i) for i in np.flatnonzero(np.asarray(ev.labels) == k)]
        self._show(idx, f"The {len(idx)} test samples of class {ev.classes[k]}")


class RecordedIterations(QObject):
    """The timeline's recorded iterations as (iteration, arrays) records, read off the GUI thread
    on demand (iterations run on the fast path are replayed, which takes a moment)."""

    sigReady = Signal(object, object)  # (nodes, records)
    sigBusy = Signal(str)

    def __init__(self, workspace, parent=None):
        super().__init__(parent)
        self.workspace = workspace
        self.job: BackgroundJob | None = None

    def refresh(self) -> None:
        if self.job is not None:
            return
        ws = self.workspace
        tl, nodes = ws.timeline, tuple(ws.network.nodes)
        n = len(tl.iterations())
        if not n:
            self.sigBusy.emit("No iterations recorded yet: step or run first (the timeline keeps the last 100).")
            return
        self.sigBusy.emit(f"Reading the {n} recorded iterations…")
        self.job = BackgroundJob(lambda progress, stop: timeline_records(tl), self)
        self.job.sigDone.connect(lambda records: self.sigReady.emit(nodes, records))
        self.job.sigFailed.connect(lambda m: self.sigBusy.emit(f"Cannot read the recorded iterations: {m}"))
        self.job.finished.connect(self._ended)
        self.job.start()

    def _ended(self) -> None:
        self.job = None

    def wait(self, ms: int = 60000) -> bool:
        return self.job is None or self.job.wait(ms)


class RecordedView(QWidget):
    """A view of the recorded iterations with a "Read the recorded iterations" bar above it."""

    def __init__(self, loader: RecordedIterations, view: QWidget, fill, parent=None):
        super().__init__(parent)
        self.view, self._fill = view, fill
        self.button = QPushButton("Read the recorded iterations")
        self.button.setToolTip("Histograms, gradient flow and alerts of the iterations the timeline recorded "
                               "(Debug › Timeline), as they are now")
        self.button.clicked.connect(loader.refresh)
        self.note = QLabel("From the timeline's recorded iterations: press Read.")
        self.note.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(self.button)
        top.addWidget(self.note, 1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addLayout(top)
        lay.addWidget(view, 1)
        loader.sigBusy.connect(self.note.setText)
        loader.sigReady.connect(self._ready)

    def _ready(self, nodes, records) -> None:
        its = [i for i, _ in records]
        self.note.setText(f"Iterations {its[0] + 1}–{its[-1] + 1} ({len(its)} recorded)" if its else "Nothing recorded")
        self._fill(self.view, nodes, records)


def _fill_distributions(view, nodes, records) -> None:
    view.set_distributions(Distributions(nodes, records))


def _fill_flow(view, nodes, records) -> None:
    view.set_flow(gradient_flow_series(nodes, records))


def _fill_alerts(view, nodes, records) -> None:
    view.set_alerts(alerts(records, nodes), [i for i, _ in records])


@dataclass
class EvaluateTools:
    evaluation: EvaluationPanel
    draw: DrawDigitPanel
    recorded: RecordedIterations
    distributions: HistogramOverTimeView
    flow: GradientFlowChart
    alerts: AlertsList


def install_evaluate(host) -> EvaluateTools:
    """The Evaluate page's docks; a chosen example or drawing goes to the stepper (host.follow_batch),
    a chosen recorded iteration to the panels (host.show_recorded)."""
    ws = host.workspace
    evaluation = EvaluationPanel(ws)
    draw = DrawDigitPanel(ws.network.classes, predict=lambda img: probabilities(ws.evaluation_network(), img))
    loader = RecordedIterations(ws, host)
    views = (HistogramOverTimeView(), GradientFlowChart(), AlertsList())
    host.add_dock("evaluation", "Evaluation", evaluation)
    host.add_dock("draw", "Draw a digit", draw)
    for key, title, view, fill in zip(("distributions", "flow", "alerts"),
                                      ("Distributions", "Gradient flow", "Alerts"), views,
                                      (_fill_distributions, _fill_flow, _fill_alerts)):
        host.add_dock(key, title, RecordedView(loader, view, fill))
    hist, flow, alert_list = views

    def follow_example(i: int) -> None:
        d = ws.dataset
        host.follow_batch(d.x_test[i:i + 1], d.y_test[i:i + 1],
                          f"test example {i + 1} (label {d.classes[int(d.y_test[i])]})")

    def follow_drawing(image, label: int) -> None:
        host.follow_batch(network_input(image, ws.network.input_shape), np.array([label]),
                          f"your drawing, with the label {ws.network.classes[label]}")

    evaluation.sigExampleChosen.connect(follow_example)
    draw.sigStepRequested.connect(follow_drawing)
    hist.sigIterationClicked.connect(lambda i: host.show_recorded(i))
    alert_list.sigAlertClicked.connect(lambda i, phase, key: host.show_recorded(i, f"{key} at {phase}"))
    return EvaluateTools(evaluation, draw, loader, hist, flow, alert_list)
