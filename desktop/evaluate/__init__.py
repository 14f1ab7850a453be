"""The Evaluate and Debug views of issue #12, each a standalone widget fed with plain data.

    draw           DrawDigitPanel         draw or open a digit, MNIST's preprocessing, live ŷ
    confusion      ConfusionMatrixView    click a cell -> its test indices
    gallery        ExampleGallery         thumbnails with true/pred/confidence/top 3 -> an index
    summary        EvaluationSummary      accuracy, per-class precision/recall/support
    distributions  HistogramOverTimeView  a tensor's histogram at every recorded iteration
    flow           GradientFlowChart      mean |∂L/∂z| and |∂L/∂θ| per layer, log scale
    alerts         AlertsList             NaN/Inf/subnormal/saturated tensors -> (iteration, phase, key)

The numbers come from core.digit_input, core.evaluation, core.debugger.distributions and
core.debugger.anomalies. Preview one with ``python -m desktop.evaluate.demo NAME``.
"""

from __future__ import annotations

from desktop.evaluate.alerts_list import AlertsList
from desktop.evaluate.confusion_matrix_view import ConfusionMatrixView
from desktop.evaluate.draw_digit_panel import DrawDigitPanel
from desktop.evaluate.evaluation_summary import EvaluationSummary
from desktop.evaluate.example_gallery import ExampleGallery
from desktop.evaluate.gradient_flow_chart import GradientFlowChart
from desktop.evaluate.histogram_over_time_view import HistogramOverTimeView

WIDGETS = {
    "draw": DrawDigitPanel,
    "confusion": ConfusionMatrixView,
    "gallery": ExampleGallery,
    "summary": EvaluationSummary,
    "distributions": HistogramOverTimeView,
    "flow": GradientFlowChart,
    "alerts": AlertsList,
}

__all__ = ["WIDGETS", "AlertsList", "ConfusionMatrixView", "DrawDigitPanel", "EvaluationSummary", "ExampleGallery",
           "GradientFlowChart", "HistogramOverTimeView"]
