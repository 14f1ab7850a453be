"""The Evaluate and Debug widgets of issue #12, each on its own with real data: they show the
core's numbers, and a click emits the right signal."""

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

from core.debugger.anomalies import alerts, first_anomaly
from core.debugger.distributions import Distributions, gradient_flow_series
from core.digit_input import load_image, preprocess, probabilities
from desktop.evaluate import (
    WIDGETS,
    AlertsList,
    ConfusionMatrixView,
    DrawDigitPanel,
    EvaluationSummary,
    ExampleGallery,
    GradientFlowChart,
    HistogramOverTimeView,
)
from desktop.evaluate.demo import build, sample_digit, sample_evaluation, sample_records, trained
from desktop.panels import configure_pyqtgraph


@pytest.fixture(scope="module", autouse=True)
def _pyqtgraph():
    configure_pyqtgraph()


def shown(qtbot, w, size=(1280, 800)):
    qtbot.addWidget(w)
    w.resize(*size)
    w.show()
    qtbot.waitExposed(w)
    return w


def mouse(widget, kind, x, y, button=Qt.MouseButton.LeftButton):
    """A real mouse event (QTest's mouseMove carries no pressed button)."""
    types = {"press": QMouseEvent.Type.MouseButtonPress, "move": QMouseEvent.Type.MouseMove,
             "release": QMouseEvent.Type.MouseButtonRelease}
    pos = QPointF(x, y)
    buttons = Qt.MouseButton.NoButton if kind == "release" else button
    event = QMouseEvent(types[kind], pos, widget.mapToGlobal(pos), Qt.MouseButton.NoButton if kind == "move"
                        else button, buttons, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, event)


def draw_with_mouse(canvas, points):
    mouse(canvas, "press", *points[0])
    for p in points[1:]:
        mouse(canvas, "move", *p)
    mouse(canvas, "release", *points[-1])


# --- draw your own digit ----------------------------------------------------------------------------

@pytest.fixture
def panel(qtbot):
    net, _ = trained()
    calls = []

    def predict(img):
        calls.append(img)
        return probabilities(net, img)

    w = shown(qtbot, DrawDigitPanel(net.classes, predict=predict))
    w.calls = calls
    return w


def test_drawing_with_the_mouse_shows_each_stage_and_the_engines_probabilities(qtbot, panel):
    net, _ = trained()
    assert panel.result.empty and not panel.step_button.isEnabled()
    assert "nothing drawn" in panel.answer.text()
    for stroke in sample_digit():
        draw_with_mouse(panel.canvas, stroke)
    qtbot.waitUntil(lambda: not panel.result.empty, timeout=2000)
    r = preprocess(panel.canvas.ink())
    np.testing.assert_array_equal(panel.result.image, r.image)
    np.testing.assert_array_equal(panel.input_view.image(), r.image)
    for name in ("cropped", "scaled", "padded", "centred"):
        np.testing.assert_array_equal(panel.stage_views[name].image(), r.stage(name).image)
        assert r.stage(name).detail in panel.stage_captions[name].text()
    np.testing.assert_array_equal(panel.bars.probabilities(), probabilities(net, r.image))
    assert panel.classes[int(np.argmax(panel.bars.probabilities()))] == "7"
    assert "The network says <b>7</b>" in panel.answer.text()


def test_live_probabilities_are_throttled_while_drawing(qtbot, panel):
    panel.calls.clear()
    points = [(60 + 4 * i, 60 + 3 * i) for i in range(40)]
    draw_with_mouse(panel.canvas, points)  # 41 changes in a few milliseconds
    assert len(panel.calls) <= 1
    qtbot.waitUntil(lambda: len(panel.calls) >= 1, timeout=2000)
    np.testing.assert_array_equal(panel.calls[-1], preprocess(panel.canvas.ink()).image)


def test_step_backpropagation_emits_the_image_and_the_chosen_label(qtbot, panel):
    for stroke in sample_digit():
        panel.canvas.stroke(stroke)
    panel.refresh()
    rows = panel.bars.height() / 10
    qtbot.mouseClick(panel.bars, Qt.MouseButton.LeftButton, pos=QPoint(20, int(rows * 1.5)))  # the row of "1"
    assert panel.label.currentIndex() == 1 and panel.bars.marked == 1
    with qtbot.waitSignal(panel.sigStepRequested) as blocker:
        qtbot.mouseClick(panel.step_button, Qt.MouseButton.LeftButton)
    image, label = blocker.args
    assert label == 1
    assert image.shape == (28, 28) and image.dtype == np.float32
    np.testing.assert_array_equal(image, preprocess(panel.canvas.ink()).image)


def test_clear_and_brush_size(qtbot, panel):
    panel.brush.setValue(40)
    panel.canvas.stroke([(140, 140)])
    panel.refresh()
    top, left, bottom, right = panel.result.bbox
    assert bottom - top >= 38  # one dab of a 40 px brush
    with qtbot.assertNotEmitted(panel.sigStepRequested):
        qtbot.mouseClick(panel.clear_button, Qt.MouseButton.LeftButton)
        panel.request_step()
    assert panel.result.empty and panel.bars.probabilities() is None and not panel.step_button.isEnabled()


def test_right_button_erases(qtbot, panel):
    draw_with_mouse(panel.canvas, [(100, 140), (180, 140)])
    mouse(panel.canvas, "press", 90, 140, Qt.MouseButton.RightButton)
    mouse(panel.canvas, "move", 190, 140, Qt.MouseButton.RightButton)
    mouse(panel.canvas, "release", 190, 140, Qt.MouseButton.RightButton)
    assert panel.canvas.is_empty()


def test_an_opened_image_file_goes_through_the_same_path(qtbot, panel, tmp_path):
    page = np.full((300, 200), 240, np.uint8)  # dark ink on light paper, not square
    page[40:260, 90:110] = 20
    path = tmp_path / "digit.jpg"
    Image.fromarray(page).convert("RGB").save(path)
    assert panel.load_file(path)
    np.testing.assert_array_equal(panel.result.image, preprocess(load_image(path)).image)
    assert not panel.canvas.is_empty()  # shown on the canvas too
    bad = tmp_path / "bad.png"
    bad.write_text("no")
    assert not panel.load_file(bad) and "bad.png" in panel.answer.text()


def test_without_predict_the_panel_asks_and_shows_what_it_is_given(qtbot):
    w = shown(qtbot, DrawDigitPanel(tuple("0123456789")))
    w.canvas.stroke([(100, 50), (100, 230)])
    with qtbot.waitSignal(w.sigInputChanged) as blocker:
        w.refresh()
    np.testing.assert_array_equal(blocker.args[0], w.result.image)
    p = np.full(10, 0.05)
    p[1] = 0.55
    w.set_probabilities(p)
    np.testing.assert_array_equal(w.bars.probabilities(), p)
    assert "<b>1</b> (55.0%)" in w.answer.text()


def test_a_network_that_cannot_take_the_digit_says_why_on_the_panel(qtbot):
    from core.errors import ShapeError

    def predict(img):
        raise ShapeError("a drawn digit is 28×28, the network takes 3×32×32 inputs")

    w = shown(qtbot, DrawDigitPanel(tuple("0123456789"), predict=predict))
    w.canvas.stroke([(100, 50), (100, 230)])
    w.refresh()
    assert "3×32×32" in w.answer.text() and w.bars.probabilities() is None


# --- evaluation -----------------------------------------------------------------------------------

def test_a_clicked_confusion_cell_emits_its_test_indices(qtbot):
    ev = sample_evaluation()
    w = shown(qtbot, ConfusionMatrixView())
    w.set_evaluation(ev)
    for i in range(10):
        for j in range(10):
            assert w.table.item(i, j).text() == str(ev.confusion[i, j])
    item = w.table.item(4, 9)
    with qtbot.waitSignal(w.sigCellClicked) as blocker:
        qtbot.mouseClick(w.table.viewport(), Qt.MouseButton.LeftButton, pos=w.table.visualItemRect(item).center())
    true, pred, indices = blocker.args
    assert (true, pred) == (4, 9) and indices == ev.cell(4, 9)
    assert len(indices) == ev.confusion[4, 9] > 0
    assert all(ev.labels[i] == 4 and ev.predicted[i] == 9 for i in indices)
    assert "1000 test samples" in w.caption.text()


def test_the_gallery_sorts_by_confidence_and_a_click_emits_the_dataset_index(qtbot):
    ev = sample_evaluation()
    _, data = trained()
    w = shown(qtbot, ExampleGallery())
    w.set_examples(data.x_test, ev.mistakes(), ev.classes, "mistakes")
    shown_ = w.examples()
    assert w.list.count() == len(ev.mistakes())
    assert [e.confidence for e in shown_] == sorted((e.confidence for e in shown_), reverse=True)
    first = shown_[0]
    text = w.list.item(0).text()
    assert f"#{first.index}: true {ev.classes[first.true]} → {ev.classes[first.pred]}" in text
    assert all(f"{ev.classes[c]} {100 * p:.0f}%" in text for c, p in first.top)
    w.order.setCurrentText("least confident first")
    assert w.examples()[0].confidence == min(e.confidence for e in shown_)
    assert int(w.list.item(0).data(Qt.ItemDataRole.UserRole)) == w.examples()[0].index
    row = 2
    with qtbot.waitSignal(w.sigExampleClicked) as blocker:
        qtbot.mouseClick(w.list.viewport(), Qt.MouseButton.LeftButton,
                         pos=w.list.visualItemRect(w.list.item(row)).center())
    assert blocker.args == [w.examples()[row].index]


def test_the_summary_shows_accuracy_and_per_class_figures(qtbot):
    ev = sample_evaluation()
    w = shown(qtbot, EvaluationSummary())
    w.set_evaluation(ev)
    assert f"{100 * ev.accuracy:.1f}%" in w.accuracy.text()
    for k in range(10):
        assert w.table.item(k, 0).text() == ev.classes[k]
        assert w.table.item(k, 1).text() == f"{100 * ev.precision[k]:.1f}%"
        assert w.table.item(k, 2).text() == f"{100 * ev.recall[k]:.1f}%"
        assert w.table.item(k, 3).text() == str(int(ev.support[k]))
    with qtbot.waitSignal(w.sigShowMistakes):
        qtbot.mouseClick(w.mistakes_button, Qt.MouseButton.LeftButton)
    w.set_summary(0.5, 1.0, 4, ("a", "b"), [1.0, np.nan], [0.5, 0.0], [2, 2])
    assert w.table.item(1, 1).text() == "—"  # never predicted: undefined
    with qtbot.waitSignal(w.sigClassClicked) as blocker:
        qtbot.mouseClick(w.table.viewport(), Qt.MouseButton.LeftButton,
                         pos=w.table.visualItemRect(w.table.item(1, 2)).center())
    assert blocker.args == [1]


# --- distributions --------------------------------------------------------------------------------

def click_plot(qtbot, plots, plot, x, y):
    """Click the view coordinates (x, y) of a pyqtgraph PlotItem inside a GraphicsLayoutWidget."""
    scene = plot.vb.mapViewToScene(QPointF(x, y))
    pos = plots.mapFromScene(scene)
    qtbot.mouseClick(plots.viewport(), Qt.MouseButton.LeftButton, pos=pos)


def test_the_histogram_view_shows_the_shares_of_the_core_histograms_and_a_click_gives_the_iteration(qtbot):
    nodes, records = sample_records(6)
    dist = Distributions(nodes, records)
    w = shown(qtbot, HistogramOverTimeView())
    w.set_distributions(dist, "fc1.weight.grad")
    s = dist["fc1.weight.grad"]
    assert w.current is s and w.chooser.count() == len(dist)
    shown_image = w.image.image
    np.testing.assert_allclose(shown_image, (s.counts / s.counts.sum(axis=1, keepdims=True)).T)
    x, y = w.lines[2].getData()
    np.testing.assert_array_equal(y, s.percentiles[:, 4])  # the median
    np.testing.assert_array_equal(x, np.arange(1, 7))
    with qtbot.waitSignal(w.sigKeyChanged) as blocker:
        w.chooser.setCurrentIndex(w.chooser.findData("sig3.out"))
    assert blocker.args == ["sig3.out"] and w.current is dist["sig3.out"]
    QApplication.processEvents()
    with qtbot.waitSignal(w.sigIterationClicked) as blocker:
        click_plot(qtbot, w.plots, w.plot, 4.0, float(np.median(w.current.edges)))
    assert blocker.args == [3]  # shown as iteration 4, the stepper's 3


def test_the_gradient_flow_chart_plots_the_core_figures_with_layer_names(qtbot):
    nodes, records = sample_records(6)
    series = gradient_flow_series(nodes, records)
    w = shown(qtbot, GradientFlowChart())
    w.set_flow(series)
    assert w.t == 5
    np.testing.assert_allclose(w.out_line.yData, series.grad_out[5])  # (the raw values; the axis is log)
    ticks = [name for _, name in w.plot.getAxis("bottom")._tickLevels[0]]
    assert ticks == list(series.layers)
    w.slider.setValue(1)
    assert w.t == 1
    np.testing.assert_allclose(w.out_line.yData, series.grad_out[1])
    assert "2 (2 of 6 recorded)" in w.where.text()
    labels = [t.toPlainText() for t in w._labels]
    assert len(labels) >= len(series.layers)  # every value printed
    QApplication.processEvents()
    j = series.layers.index("conv2")
    with qtbot.waitSignal(w.sigLayerClicked) as blocker:
        click_plot(qtbot, w.plots, w.plot, j, float(np.log10(series.grad_out[1, j])))
    assert blocker.args == ["conv2"]


# --- the first anomaly ----------------------------------------------------------------------------

def test_the_alerts_list_marks_the_first_bad_tensor_and_a_click_emits_where_it_is(qtbot):
    nodes, records = sample_records(8, 30.0)
    found = alerts(records, nodes)
    first = first_anomaly(records, nodes)
    assert first is not None and first.what in ("NaN", "+Inf", "−Inf")
    w = shown(qtbot, AlertsList())
    w.set_alerts(found, [i for i, _ in records])
    assert w.table.rowCount() == len(found)
    row = w.shown().index(first)
    assert w.table.item(row, 0).text() == "first" and w.table.item(row, 3).text() == first.key
    assert w.table.item(row, 1).text() == str(first.iteration + 1)
    assert first.key in w.summary.text()
    with qtbot.waitSignal(w.sigAlertClicked) as blocker:
        qtbot.mouseClick(w.first_button, Qt.MouseButton.LeftButton)
    assert blocker.args == [first.iteration, first.phase, first.key]
    other = len(found) - 1
    with qtbot.waitSignal(w.sigAlertClicked) as blocker:
        qtbot.mouseClick(w.table.viewport(), Qt.MouseButton.LeftButton,
                         pos=w.table.visualItemRect(w.table.item(other, 2)).center())
    a = w.shown()[other]
    assert blocker.args == [a.iteration, a.phase, a.key]
    w.filter.setCurrentText("NaN and ±Inf")
    assert all(a.what in ("NaN", "+Inf", "−Inf") for a in w.shown()) and w.shown()[0] == first


def test_every_widget_builds_with_sample_data_and_has_a_title(qtbot):
    for name, cls in WIDGETS.items():
        if name in ("distributions", "flow", "alerts"):
            continue  # (their sample runs are long; tested above with shorter ones)
        w = shown(qtbot, build(name))
        assert isinstance(w, cls) and w.title
        w.close()


def test_the_evaluation_page_shows_every_row_of_the_matrix_and_every_count_whole(qtbot):
    """At the Evaluate page's size on a 1280×800 screen (about 700×640 for the left column): all ten
    rows of the confusion matrix in view, no count elided ("1…" for 100), the summary scrolls."""
    from core.workspace import Workspace
    from desktop.evaluate.page import EvaluationPanel

    page = EvaluationPanel(Workspace())
    qtbot.addWidget(page)
    page.resize(700, 640)
    page.show()
    page.run()
    qtbot.waitUntil(lambda: page.job is None, timeout=60000)
    qtbot.wait(50)
    table = page.matrix.table
    assert table.rowCount() == 10
    assert table.viewport().height() >= table.verticalHeader().length()
    metrics = table.fontMetrics()
    for i in range(10):
        for j in range(10):
            assert metrics.horizontalAdvance(table.item(i, j).text()) <= table.columnWidth(j) - 4
    assert metrics.horizontalAdvance("100") <= table.columnWidth(0) - 4  # (a class all right: 100 of 100)
