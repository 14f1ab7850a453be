"""The Lecture workspace: videos 12.1–12.5 step by step, on the live network.

    LectureWorkspace(workspace: core.workspace.Workspace, bridge: desktop.bridge.EngineBridge)

A contents list (chapters and their steps; steps that do not apply to this network are greyed
and say why), the step's words and typeset formulas (resources/lecture/*.md), and its live figure.
Space goes on (the next frame of the step — a backward step boxes one factor per frame — then
the next step), Backspace goes back; entering a step runs the phases it needs through the
workspace (core.lecture.driver.ensure), ↻ replays them on the same batch.

Signals for the window:
  sigPutKernel(str, int, object)  put this kernel into filter k of conv layer <name>: (layer name,
                                  filter index, float64 array of that filter's shape (C, kh, kw));
                                  the window applies it through the workspace
  sigFocusSample(int)             the learner chose sample s (0-based) here; the workspace's focus is
                                  already set (Workspace.set_focus), this is for the window's own controls
  sigStatus(str)                  a line for the status bar (the phases a step ran, a file that failed)
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QSplitter,
    QStackedWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.lecture.chapters import load_lecture
from core.lecture.convolution import into_filter
from core.lecture.driver import done, ensure, replay
from core.lecture.plan import StepPlan, plan_lecture
from desktop.lecture.backward_figure import BackwardFigure
from desktop.lecture.batch_figure import BatchFigure, UpdateFigure
from desktop.lecture.convolution_figure import ConvolutionFigure
from desktop.lecture.dense_figure import DenseExampleFigure, DenseRealFigure
from desktop.lecture.figure import Figure
from desktop.lecture.forward_figure import ForwardFigure
from desktop.lecture.pooling_figure import PoolingFigure
from desktop.lecture.sigmoid_figure import SigmoidFigure
from desktop.lecture.softmax_figure import SoftmaxExampleFigure, SoftmaxSampleFigure
from desktop.lecture.step_text import StepText
from desktop.lecture.summary_figure import SummaryFigure
from desktop.lecture.table_figure import TableFigure
from desktop.lecture.table_lookup_figure import TableLookupFigure

FIGURES = {
    "table_lookup": TableLookupFigure, "convolution": ConvolutionFigure, "dense_example": DenseExampleFigure,
    "dense_real": DenseRealFigure, "pooling": PoolingFigure, "sigmoid": SigmoidFigure, "forward": ForwardFigure,
    "architecture": lambda: TableFigure("architecture"), "nine_steps": lambda: TableFigure("nine_steps"),
    "softmax_example": SoftmaxExampleFigure, "softmax_sample": SoftmaxSampleFigure, "backward": BackwardFigure,
    "summary_fc": lambda: SummaryFigure(conv=False), "summary_conv": lambda: SummaryFigure(conv=True),
    "pooling_back": lambda: PoolingFigure(backward=True), "batch": BatchFigure, "update": UpdateFigure,
}


class LectureWorkspace(QWidget):
    sigPutKernel = Signal(str, int, object)
    sigFocusSample = Signal(int)
    sigStatus = Signal(str)

    def __init__(self, workspace, bridge, parent=None, chapters=None):
        super().__init__(parent)
        self.workspace, self.bridge = workspace, bridge
        self.chapters = chapters if chapters is not None else load_lecture()
        self.plans: list[StepPlan] = []
        self.index, self.frame = 0, 0
        self._driving = False
        self._pending = False
        self.last_ran: list[str] = []
        self.figures: dict[str, Figure] = {}

        self.contents = QTreeWidget()
        self.contents.setHeaderHidden(True)
        f = self.contents.font()
        f.setPointSizeF(11)
        self.contents.setFont(f)
        self.contents.itemClicked.connect(self._on_contents)
        self.where = QLabel()
        self.where.setTextFormat(Qt.TextFormat.RichText)
        fw = self.where.font()
        fw.setPointSizeF(11)
        self.where.setFont(fw)
        self.back_button = QPushButton("◀ Back (Backspace)")
        self.next_button = QPushButton("Next (Space) ▶")
        self.replay_button = QPushButton("↻ Replay")
        self.replay_button.setToolTip("Run this step's phases again: the same batch, the same weights")
        self.sample = QSpinBox()
        self.sample.setPrefix("sample ")
        self.sample.setToolTip("The sample of the batch every figure shows (its own loss, as the lecture writes it)")
        self.back_button.clicked.connect(self.back)
        self.next_button.clicked.connect(self.next)
        self.replay_button.clicked.connect(self.replay)
        self.sample.valueChanged.connect(self._on_sample)
        bar = QHBoxLayout()
        bar.addWidget(self.where, 1)
        for w in (self.sample, self.replay_button, self.back_button, self.next_button):
            bar.addWidget(w)
        self.text = StepText()
        self.stack = QStackedWidget()
        self.not_applicable = QLabel()
        self.not_applicable.setWordWrap(True)
        self.not_applicable.setAlignment(Qt.AlignmentFlag.AlignCenter)
        fn = self.not_applicable.font()
        fn.setPointSizeF(13)
        self.not_applicable.setFont(fn)
        self.stack.addWidget(self.not_applicable)
        body = QSplitter(Qt.Orientation.Horizontal)
        body.addWidget(self.text)
        body.addWidget(self.stack)
        body.setSizes([370, 620])
        body.setStretchFactor(1, 3)
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addLayout(bar)
        rl.addWidget(body, 1)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.contents)
        split.addWidget(right)
        split.setSizes([250, 990])
        split.setStretchFactor(1, 1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(2, 2, 2, 2)
        lay.addWidget(split)
        for key, fn_ in ((Qt.Key.Key_Space, self.next), (Qt.Key.Key_Backspace, self.back)):
            sc = QShortcut(QKeySequence(key), self)
            sc.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            sc.activated.connect(fn_)
        bridge.sigView.connect(self._on_view)
        bridge.sigNetworkChanged.connect(self._replan)
        self._replan()

    # --- the plan and the contents -----------------------------------------------------------------

    def _replan(self) -> None:
        keep = self.plans[self.index].id if self.plans else None
        self.plans = plan_lecture(self.chapters, self.workspace.network.nodes)
        self.contents.clear()
        self._items: list[QTreeWidgetItem] = []
        parents = {}
        for k, plan in enumerate(self.plans):
            ch = plan.chapter
            if ch.id not in parents:
                top = QTreeWidgetItem([f"{ch.id} {ch.title}"])
                top.setFlags(top.flags() & ~Qt.ItemFlag.ItemIsSelectable)
                self.contents.addTopLevelItem(top)
                top.setExpanded(True)
                parents[ch.id] = top
            item = QTreeWidgetItem([plan.step.title])
            item.setToolTip(0, plan.step.title)
            item.setData(0, Qt.ItemDataRole.UserRole, k)
            if not plan.applies:
                item.setForeground(0, QColor("#999"))
                item.setToolTip(0, f"Does not apply to this network: {plan.reason}")
                item.setText(0, plan.step.title + "  (n/a)")
            parents[ch.id].addChild(item)
            self._items.append(item)
        ids = [p.id for p in self.plans]
        self.go(ids.index(keep) if keep in ids else 0)

    def not_applicable_steps(self) -> list[tuple[str, str]]:
        """(step id, why) of the steps that do not apply to the network in view."""
        return [(p.id, p.reason) for p in self.plans if not p.applies]

    def _on_contents(self, item: QTreeWidgetItem, _col: int) -> None:
        k = item.data(0, Qt.ItemDataRole.UserRole)
        if k is not None:
            self.go(int(k))

    # --- moving ----------------------------------------------------------------------------------

    @property
    def plan(self) -> StepPlan:
        return self.plans[self.index]

    def go(self, index: int, frame: int = 0) -> None:
        """Show step ``index`` (of ``plans``) at ``frame``, running the phases it needs first."""
        self.index = max(0, min(index, len(self.plans) - 1))
        self.frame = max(0, min(frame, self.plan.frames - 1))
        self.contents.setCurrentItem(self._items[self.index])
        self._run(ensure, self.plan.phase if self.plan.applies else None)
        self._show()

    def next(self) -> None:
        if self.frame + 1 < self.plan.frames:
            self.frame += 1
            self._show()
        elif self.index + 1 < len(self.plans):
            self.go(self.index + 1)

    def back(self) -> None:
        if self.frame > 0:
            self.frame -= 1
            self._show()
        elif self.index > 0:
            self.go(self.index - 1, self.plans[self.index - 1].frames - 1)

    def replay(self) -> None:
        if self.plan.applies and self.plan.phase:
            self._run(replay, self.plan.phase)
            self._show()

    def step_ids(self) -> list[str]:
        return [p.id for p in self.plans]

    def _run(self, fn, phase) -> None:
        self._driving = True
        try:
            self.last_ran = fn(self.workspace, phase)
        finally:
            self._driving = False
        if self.last_ran:
            first, last = self.last_ran[0], self.last_ran[-1]
            self.sigStatus.emit(f"Lecture: ran {first}" + (f" … {last}" if len(self.last_ran) > 1 else "")
                                + f" ({len(self.last_ran)} phase{'s' if len(self.last_ran) > 1 else ''})")

    # --- drawing ---------------------------------------------------------------------------------

    def figure(self, name: str | None = None) -> Figure | None:
        name = name or self.plan.step.figure
        if name not in FIGURES:
            return None
        if name not in self.figures:
            fig = FIGURES[name]()
            fig.sigStatus.connect(self.sigStatus)
            if isinstance(fig, ConvolutionFigure):
                fig.sigPutKernel.connect(self._put_kernel)
            self.figures[name] = fig
            self.stack.addWidget(fig)
        return self.figures[name]

    def _show(self) -> None:
        plan = self.plan
        view = self.workspace.view()
        self.sample.blockSignals(True)
        self.sample.setRange(1, max(1, view.batch_size))
        self.sample.setValue(view.focus + 1)
        self.sample.blockSignals(False)
        frames = f" · frame {self.frame + 1} of {plan.frames}" if plan.frames > 1 else ""
        ran = f" · ran {len(self.last_ran)} phase(s)" if self.last_ran else ""
        self.where.setText(f"<b>{plan.chapter.id}</b> step {self.index + 1} of {len(self.plans)}{frames}"
                           f"<span style='color:#888'> · {view.phase or 'no phase run yet'}{ran}</span>")
        extra = "" if plan.applies else f"<b>Does not apply to this network</b>: {plan.reason}"
        self.text.show_step(plan, extra)
        fig = self.figure() if plan.applies else None
        if fig is not None and not done(self.workspace, plan.phase):
            # (a run is going, or the spec does not build: the workspace would not step)
            extra = (f"This step shows the arrays of phase <b>{plan.phase}</b>, which has not run in the "
                     f"iteration in view{' (a run is going: pause it)' if self.workspace.running else ''}.")
            fig = None
        if fig is None:
            self.not_applicable.setText(extra or "This step has no figure.")
            self.stack.setCurrentWidget(self.not_applicable)
            return
        self.stack.setCurrentWidget(fig)
        fig.show_step(plan, view, self.frame)

    def _on_view(self, _view) -> None:
        if self._driving:
            return
        if not self.isVisible():
            self._pending = True
            return
        self._show()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._pending:
            self._pending = False
            self._show()

    def _on_sample(self, value: int) -> None:
        self._driving = True  # (set_focus emits a view: draw once, below)
        try:
            self.workspace.set_focus(value - 1)
        finally:
            self._driving = False
        self.sigFocusSample.emit(value - 1)
        self._show()

    def _put_kernel(self, k: int, kernel) -> None:
        conv = next((n for n in self.workspace.network.nodes if n.layer.spec.category == "Convolution"), None)
        if conv is None:
            return
        shape = self.workspace.network.params[conv.name]["weight"].shape[1:]  # (C, kh, kw)
        self.sigPutKernel.emit(conv.name, int(k), into_filter(kernel, shape))
        self.sigStatus.emit(f"Lecture: the kernel goes into {conv.name} filter {k}")
