"""DrawDigitPanel: draw a digit (or open an image), see each stage of MNIST's preprocessing and
what the network receives, with its probabilities live; then step backpropagation on it.

Thin: the preprocessing is core.digit_input's; the network's answer comes from ``predict``
(a function: ``float32 (28, 28)`` -> probabilities ``(K,)``), or, without one, from whoever
listens to ``sigInputChanged`` and calls ``set_probabilities``.

Signals:
    sigInputChanged(object)       the preprocessed 28×28 float32 array, None when nothing is drawn
    sigStepRequested(object, int) (image float32 (28, 28), label) on "Step backpropagation on it"
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from core.digit_input import NOTHING_DRAWN, Preprocessed, load_image, preprocess
from core.errors import BackstepError
from desktop.evaluate.digit_canvas import DEFAULT_BRUSH, DigitCanvas
from desktop.evaluate.grey_image import GreyImage
from desktop.evaluate.probability_bars import ProbabilityBars
from desktop.panels.base import set_look

STAGES = ("cropped", "scaled", "padded", "centred")
THROTTLE_MS = 80  # live probabilities at most ~12 times a second while drawing
IMAGE_FILTER = "Images (*.png *.jpg *.jpeg *.bmp *.gif *.tif *.tiff *.webp *.pgm *.ppm *.pnm);;All files (*)"


class DrawDigitPanel(QWidget):
    title = "Draw a digit"
    sigInputChanged = Signal(object)
    sigStepRequested = Signal(object, int)

    def __init__(self, classes: Sequence[str] = tuple("0123456789"),
                 predict: Callable[[np.ndarray], np.ndarray] | None = None, parent=None):
        super().__init__(parent)
        self.classes = tuple(classes)
        self.predict = predict
        self.result: Preprocessed = preprocess(np.zeros((1, 1)))
        self._source: np.ndarray | None = None  # an opened file's ink, until the canvas is drawn on
        self._label_chosen = False  # the user picked the label: a new prediction no longer moves it
        self._loading = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(THROTTLE_MS)
        self._timer.timeout.connect(self.refresh)

        self.canvas = DigitCanvas()
        self.canvas.sigChanged.connect(self._on_drawn)
        self.brush = QSpinBox()
        self.brush.setRange(4, 60)
        self.brush.setValue(DEFAULT_BRUSH)
        self.brush.setSuffix(" px")
        self.brush.setToolTip("Brush size on the 280×280 canvas (28×28 after preprocessing: a tenth)")
        self.brush.valueChanged.connect(lambda v: setattr(self.canvas, "brush", int(v)))
        self.clear_button = QPushButton("Clear")
        self.clear_button.clicked.connect(self.clear)
        self.open_button = QPushButton("Open image…")
        self.open_button.setToolTip("Any image file: made grey, inverted if the paper is light, then the same steps")
        self.open_button.clicked.connect(self._ask_file)

        self.stage_views: dict[str, GreyImage] = {}
        self.stage_captions: dict[str, QLabel] = {}
        stages = QGridLayout()
        for col, name in enumerate(STAGES):
            title = QLabel(f"{col + 1}. {name}")
            set_look(title, pt=10)
            # the 20×20 box and the 28×28 field at one scale, so the padding shows as padding
            view = GreyImage(minimum=112, pixel_size=None if name == "cropped" else 4)
            caption = QLabel("")
            caption.setWordWrap(True)
            caption.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
            set_look(caption, pt=9)
            caption.setMinimumHeight(44)
            stages.addWidget(title, 0, col)
            stages.addWidget(view, 1, col)
            stages.addWidget(caption, 2, col)
            stages.setColumnStretch(col, 1)
            self.stage_views[name], self.stage_captions[name] = view, caption

        self.input_view = GreyImage(minimum=196, grid=True)
        self.input_view.setToolTip("The 28×28 array the network's first layer gets, values 0 (black) to 1 (white)")
        self.bars = ProbabilityBars(self.classes)
        self.bars.sigClassClicked.connect(self._choose_label)
        self.answer = QLabel(NOTHING_DRAWN)
        set_look(self.answer, pt=12)
        self.label = QComboBox()
        self.label.addItems(self.classes)
        self.label.setToolTip("The label y the backward pass will compare ŷ with")
        self.label.activated.connect(lambda _i: setattr(self, "_label_chosen", True))
        self.label.currentIndexChanged.connect(self._mark_label)
        self.step_button = QPushButton("Step backpropagation on it")
        self.step_button.setToolTip("Take this digit, with the label chosen, through a training step phase by phase")
        self.step_button.clicked.connect(self.request_step)

        self._build_layout(stages)
        self.refresh()

    def _build_layout(self, stages: QGridLayout) -> None:
        tools = QHBoxLayout()
        tools.addWidget(QLabel("Brush"))
        tools.addWidget(self.brush)
        tools.addWidget(self.clear_button)
        tools.addWidget(self.open_button)
        tools.addStretch(1)
        left = QVBoxLayout()
        left.addWidget(self._heading("Your drawing (280×280)"))
        left.addWidget(self.canvas, 0, Qt.AlignmentFlag.AlignLeft)
        left.addLayout(tools)
        left.addStretch(1)

        middle = QVBoxLayout()
        middle.addWidget(self._heading("MNIST's preprocessing"))
        middle.addLayout(stages)
        middle.addWidget(self._heading("What the network receives (28×28)"))
        middle.addWidget(self.input_view, 1)

        right = QVBoxLayout()
        right.addWidget(self._heading("The network's probabilities ŷ"))
        right.addWidget(self.bars, 1)
        right.addWidget(self.answer)
        step = QHBoxLayout()
        step.addWidget(QLabel("Label y:"))
        step.addWidget(self.label)
        step.addWidget(self.step_button, 1)
        right.addLayout(step)

        lay = QHBoxLayout(self)
        lay.addLayout(left, 0)
        lay.addLayout(middle, 3)
        lay.addLayout(right, 2)

    @staticmethod
    def _heading(text: str) -> QLabel:
        label = QLabel(f"<b>{text}</b>")
        set_look(label, pt=11)
        return label

    # --- input --------------------------------------------------------------------------------

    def _on_drawn(self) -> None:
        if not self._loading:
            self._source = None
        if not self._timer.isActive():
            self._timer.start()

    def clear(self) -> None:
        self._source = None
        self._label_chosen = False
        self.canvas.clear()
        self.refresh()

    def load_file(self, path) -> bool:
        """Open an image file; False (and the reason shown) if it cannot be read."""
        try:
            ink = load_image(path)
        except BackstepError as exc:
            self.answer.setText(str(exc))
            return False
        self._loading = True
        try:
            self.canvas.set_ink(ink)
        finally:
            self._loading = False
        self._source = ink
        self._label_chosen = False
        self.refresh()
        return True

    def _ask_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open an image of a digit", "", IMAGE_FILTER)
        if path:
            self.load_file(path)

    def _mark_label(self, k: int) -> None:
        self.bars.marked = k
        self.bars.update()

    def _choose_label(self, k: int) -> None:
        self.label.setCurrentIndex(k)
        self._label_chosen = True

    # --- output -------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Preprocess what is drawn now and show every stage (and, with ``predict``, ŷ)."""
        self._timer.stop()
        ink = self._source if self._source is not None else self.canvas.ink()
        self.result = r = preprocess(ink)
        for name in STAGES:
            stage = None if r.empty else r.stage(name)
            self.stage_views[name].set_image(None if stage is None else stage.image)
            self.stage_captions[name].setText("" if stage is None else f"{stage.title}: {stage.detail}")
        self.input_view.set_image(r.image)
        self.step_button.setEnabled(not r.empty)
        image = None if r.empty else r.image
        if self.predict is not None:
            try:
                self.set_probabilities(None if image is None else self.predict(image))
            except BackstepError as exc:  # e.g. a network whose input is not 28×28: say so, on the panel
                self.bars.set_probabilities(None)
                self.answer.setText(str(exc))
        elif r.empty:
            self.set_probabilities(None)
        self.sigInputChanged.emit(None if image is None else image.copy())

    def set_probabilities(self, probs) -> None:
        """Show ŷ for the current input (None: nothing drawn)."""
        if probs is None or self.result.empty:
            self.bars.set_probabilities(None)
            self.answer.setText(NOTHING_DRAWN + ": draw a digit on the black square")
            return
        probs = np.asarray(probs, dtype=np.float64)
        k = int(np.argmax(probs))
        if not self._label_chosen:
            self.label.setCurrentIndex(k)
        self.bars.set_probabilities(probs, marked=self.label.currentIndex())
        self.answer.setText(f"The network says <b>{self.classes[k]}</b> ({100 * probs[k]:.1f}%)")

    def request_step(self) -> None:
        """Emit sigStepRequested with the network's input and the chosen label (not when empty)."""
        if self._timer.isActive():
            self.refresh()
        if self.result.empty:
            return
        self.sigStepRequested.emit(self.result.image.copy(), int(self.label.currentIndex()))
