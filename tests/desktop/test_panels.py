"""The panels draw exactly the engine's numbers, hover names the element, and nothing is left empty."""

from dataclasses import replace

import numpy as np
import pytest

from core.demo import make_stepper, run_phases, view_of
from core.losses import one_hot
from core.view import empty_view
from desktop.panels import PANELS, configure_pyqtgraph
from desktop.panels.curves import CurvesPanel, downsample
from desktop.panels.equation import EquationPanel
from desktop.panels.error_maps import ErrorMapsPanel
from desktop.panels.feature_maps import FeatureMapsPanel
from desktop.panels.filters import FiltersPanel
from desktop.panels.gradients import GradientsPanel
from desktop.panels.image_grid import Tiling
from desktop.panels.input_panel import InputPanel
from desktop.panels.output_panel import OutputPanel
from desktop.panels.update_panel import UpdatePanel

FOCUS = 3


@pytest.fixture(scope="module", autouse=True)
def _pyqtgraph():
    configure_pyqtgraph()


@pytest.fixture(scope="module")
def stepped():
    """One iteration of the lecture network stepped to just before the update: (stepper, phase -> view)."""
    st = make_stepper(batch_size=8)
    views, rec = {}, None
    for _ in range(len(st.phases) - 1):
        rec = run_phases(st, 1, rec)
        views[rec.last.phase] = view_of(st, rec, focus=FOCUS)
    return st, views


@pytest.fixture(scope="module")
def updated():
    st = make_stepper(batch_size=8)
    return view_of(st, run_phases(st, len(st.phases)), focus=FOCUS)


def shown(qtbot, cls, view):
    w = cls()
    qtbot.addWidget(w)
    w.resize(900, 600)
    w.show()
    w.update_view(view)
    return w


def test_every_panel_has_title_and_hint_before_any_step(qtbot, stepped):
    st, _ = stepped
    view = empty_view(st.net.nodes, st.net.classes, st.net.params)
    for _name, cls in PANELS:
        w = shown(qtbot, cls, view)
        assert cls.title
        if cls in (FiltersPanel, UpdatePanel):  # the initial weights exist before any step
            assert "conv1.weight" in w.displayed()
        else:
            assert w.displayed() == {}
            assert w._stack.currentWidget() is w._hint and "Step (F11)" in w._hint.text()


def test_input_shows_the_focused_sample(qtbot, stepped):
    view = stepped[1]["loss"]
    w = shown(qtbot, InputPanel, view)
    np.testing.assert_array_equal(w.displayed()["x"], view.x[FOCUS])
    assert view.classes[int(view.y[FOCUS])] in w.header.text() and "ŷ = " in w.header.text()
    assert "prediction" in w.header.toolTip()


def test_feature_maps_show_the_focused_outputs_and_highlight_the_layer(qtbot, stepped):
    view = stepped[1]["forward:conv1"]
    w = shown(qtbot, FeatureMapsPanel, view)
    d = w.displayed()
    assert set(d) == {"conv1.out"}
    np.testing.assert_array_equal(d["conv1.out"], view.arrays["conv1.out"][FOCUS])
    assert w.grid.cells["conv1.out"].highlight and not w.grid.cells["sig1.out"].highlight
    w.update_view(stepped[1]["forward:fc2"])
    d = w.displayed()
    for key in ("sig1.out", "pool2.out", "fc1.out", "fc2.out"):
        np.testing.assert_array_equal(d[key], stepped[1]["forward:fc2"].arrays[key][FOCUS])
    assert "flat.out" not in d  # the pool's numbers, reshaped
    assert "z⁽¹⁾" in w.grid.cells["conv1.out"].title and "6×24×24" in w.grid.cells["conv1.out"].title


def test_error_maps_show_the_backpropagated_errors(qtbot, stepped):
    view = stepped[1]["backward:sig1"]
    w = shown(qtbot, ErrorMapsPanel, view)
    d = w.displayed()
    # the focused sample's own errors (of its loss L⁽ˢ⁾), as the lecture writes them: N times its row
    n = len(view.y)
    np.testing.assert_allclose(d["sig1.grad_in"], n * view.arrays["sig1.grad_in"][FOCUS], rtol=1e-6)
    np.testing.assert_allclose(d["fc2.grad_out"], n * view.arrays["fc2.grad_out"][FOCUS], rtol=1e-6)
    y_hat, label = view.arrays["probs"][FOCUS], int(view.y[FOCUS])
    np.testing.assert_allclose(d["fc2.grad_out"], y_hat - np.eye(10)[label], atol=1e-6)  # ∂L/∂z⁽⁴⁾ = ŷ − y
    assert "conv1.grad_in" not in d  # not computed yet
    assert "∂L/∂z⁽¹⁾" in w.grid.cells["sig1.grad_in"].title and w.grid.cells["sig1.grad_in"].highlight
    bar = w.grid.cells["sig1.grad_in"].colorbar
    lo, hi = bar.levels()
    assert lo == -hi and hi >= np.abs(d["sig1.grad_in"]).max()


def test_an_error_not_computed_yet_keeps_its_title_greyed(qtbot, stepped):
    w = shown(qtbot, ErrorMapsPanel, stepped[1]["backward:fc2"])
    cell = w.grid.cells["sig1.grad_in"]
    before = cell.title
    assert cell.dim and "sig1.grad_in" not in w.displayed() and "(6×24×24)" in before
    w.update_view(stepped[1]["backward:sig1"])
    assert cell.title == before and not cell.dim  # the same words, now in full colour
    assert w.displayed()["sig1.grad_in"].shape == (6, 24, 24)


def test_filters_show_the_parameters(qtbot, stepped):
    view = stepped[1]["forward:conv1"]
    w = shown(qtbot, FiltersPanel, view)
    d = w.displayed()
    for layer in ("conv1", "conv2", "fc1", "fc2"):
        np.testing.assert_array_equal(d[f"{layer}.weight"], view.params[layer]["weight"])


def test_each_samples_own_gradient_averages_to_the_batch_gradient(qtbot, stepped):
    """The lecture's Training Batch: every sample's own ∂L⁽ˢ⁾/∂g, averaged, is the update's gradient;
    each one is the engine's own per-sample gradient (a batch of one of that sample)."""
    st, views = stepped
    view = views["backward:conv1"]
    w = shown(qtbot, GradientsPanel, view)
    n = len(view.y)
    for layer in ("conv1", "fc2"):
        w.layer.choose(layer)
        d = w.displayed()
        grad = view.arrays[f"{layer}.weight.grad"]
        np.testing.assert_array_equal(d[f"{layer}.weight.grad"], grad)
        owns = [d[f"{layer}.weight.grad/sample {s}"] for s in range(n)]
        np.testing.assert_allclose(np.mean(owns, axis=0), grad, rtol=1e-4, atol=1e-7)
        for s, own in enumerate(owns):  # against the engine: N times the sample's share of the batch
            share = st.per_sample_grads(layer, s)["weight"]
            np.testing.assert_allclose(own, n * share, rtol=1e-4, atol=1e-7)
        assert f"mean over all {n}" in w.caption.text()
    assert "(1/N) Σₛ ∂L⁽ˢ⁾/∂" in w.grid.cells["average"].title


def test_gradients_follow_the_step_and_hint_before_the_backward_pass(qtbot, stepped):
    w = shown(qtbot, GradientsPanel, stepped[1]["loss"])
    assert w.displayed() == {} and "backward" in w._hint.text()
    w.update_view(stepped[1]["backward:fc1"])
    assert w.layer.currentData() == "fc1" and "fc1.weight.grad" in w.displayed()


def test_update_new_is_old_plus_step(qtbot, stepped, updated):
    w = shown(qtbot, UpdatePanel, updated)
    w.layer.choose("conv2")
    d = w.displayed()
    for part in ("old", "step", "new"):
        np.testing.assert_array_equal(d[f"conv2.weight.{part}"], updated.arrays[f"conv2.weight.{part}"])
    np.testing.assert_allclose(d["conv2.weight.new"], d["conv2.weight.old"] + d["conv2.weight.step"], atol=1e-6)
    assert "new g⁽²⁾ = old g⁽²⁾ − α ∂L/∂g⁽²⁾" in w.caption.text()
    pending = stepped[1]["backward:conv1"]  # before the update: current weights and −α·gradient
    w.update_view(pending)
    d = w.displayed()
    np.testing.assert_array_equal(d["conv2.weight"], pending.params["conv2"]["weight"])
    np.testing.assert_allclose(d["conv2.weight.step"], -pending.lr * pending.arrays["conv2.weight.grad"])
    np.testing.assert_allclose(d["conv2.weight.new"], d["conv2.weight"] + d["conv2.weight.step"])


def test_output_shows_probs_label_and_their_difference(qtbot, stepped):
    view = stepped[1]["loss"]
    w = shown(qtbot, OutputPanel, view)
    d = w.displayed()
    probs = view.arrays["probs"][FOCUS]
    y = one_hot(view.y, len(view.classes))[FOCUS]
    np.testing.assert_array_equal(d["probs"], probs)
    np.testing.assert_array_equal(d["y"], y)
    np.testing.assert_array_equal(d["probs-y"], probs - y)
    assert [t[1] for t in w.top.getAxis("bottom")._tickLevels[0]] == list(view.classes)


def test_curves_show_the_history_and_downsample_long_series(qtbot, stepped):
    rng = np.random.default_rng(0)
    history = {"batch_loss": list(2.3 - np.linspace(0, 2, 5000) + rng.normal(0, 0.1, 5000)),
               "batch_acc": list(np.linspace(0.1, 0.9, 5000)),
               "epochs": [{"epoch": 1, "train_loss": 1.0, "train_acc": 0.7, "test_loss": 1.1, "test_acc": 0.65},
                          {"epoch": 2, "train_loss": 0.5, "train_acc": 0.85, "test_loss": 0.6, "test_acc": 0.8}]}
    w = shown(qtbot, CurvesPanel, replace(stepped[1]["loss"], history=history))
    d = w.displayed()
    assert len(d["batch_loss"]) == 2000
    np.testing.assert_allclose(d["batch_loss"].mean(), np.mean(history["batch_loss"]), rtol=1e-3)
    np.testing.assert_array_equal(d["test_acc"], [0.65, 0.8])
    x, y = downsample(np.arange(10.0))
    np.testing.assert_array_equal(y, np.arange(10.0))


def test_equation_shows_the_phase_and_ticks_the_lecture_steps(qtbot, stepped):
    w = shown(qtbot, EquationPanel, stepped[1]["loss"])
    text = w.text.toPlainText()
    assert "L = −Σᵢ yᵢ log ŷᵢ" in text and "ŷᵢ − yᵢ" in text
    np.testing.assert_array_equal(w.displayed()["loss"], stepped[1]["loss"].arrays["loss"])
    assert f"L = {float(stepped[1]['loss'].arrays['loss']):.4f}" in w.header.text()
    w.update_view(stepped[1]["backward:conv2"])
    text = w.text.toPlainText()  # table cells come out one per line: mark, step, label, key
    assert "▶\n7\n∂L/∂g⁽²⁾" in text and "✓\n5\n∂L/∂W⁽¹⁾" in text and "○\n9\n∂L/∂g⁽¹⁾" in text
    text = w.text.toPlainText()  # the conv layer's formula, in this network's names (conv2 reads a⁽¹⁾)
    assert "∂L/∂g⁽²⁾ₘₙ = Σᵢ Σⱼ ∂L/∂z⁽²⁾ᵢⱼ a⁽¹⁾" in text and "⁽ˡ⁾" not in text
    assert "b: the bias, one number per filter" in text
    assert "backward:conv2" in w.header.text() and "iteration 1, epoch 1" in w.header.text()
    w.update_view(stepped[1]["loss"])  # a page seen before comes back as it was
    assert "L = −Σᵢ yᵢ log ŷᵢ" in w.text.toPlainText() and "▶" not in w.text.toPlainText()


def test_hover_names_the_element_and_its_value(qtbot, stepped):
    view = stepped[1]["forward:conv1"]
    w = shown(qtbot, FeatureMapsPanel, view)
    with qtbot.waitSignal(w.sigHover) as blocker:
        w.hover_at("conv1.out", (2, 5, 7))
    value = view.arrays["conv1.out"][FOCUS, 2, 5, 7]
    # every index counted from 1, as the panels and the lecture count
    assert blocker.args[0] == f"conv1.out[sample {FOCUS + 1}, channel 3, row 6, col 8] = {value:.4f}"
    assert w.hover_text == blocker.args[0]
    # the mouse path: the scene position of pixel (row 5, col 7) of the tile of channel 4
    qtbot.wait(50)  # let the layout place the cells
    cell = w.grid.cells["conv1.out"]
    t = cell.tiling
    row, col = (4 // t.cols) * (t.th + 1) + 5, (4 % t.cols) * (t.tw + 1) + 7
    from PySide6.QtCore import QPointF
    with qtbot.waitSignal(w.sigHover) as blocker:
        w.grid._on_mouse_moved(cell.image.mapToScene(QPointF(col + 0.5, row + 0.5)))
    assert blocker.args[0].startswith(f"conv1.out[sample {FOCUS + 1}, channel 5, row 6, col 8] = ")


def test_hidden_panel_draws_on_show(qtbot, stepped):
    w = FeatureMapsPanel()
    qtbot.addWidget(w)
    w.update_view(stepped[1]["forward:conv1"])
    assert w._pending
    w.show()
    assert not w._pending and "conv1.out" in w._shown


@pytest.mark.parametrize("shape", [(10,), (120,), (10, 120), (6, 24, 24), (16, 4, 4), (6, 1, 5, 5), (16, 6, 5, 5)])
def test_tiling_maps_every_pixel_back_to_its_element(shape):
    a = np.arange(np.prod(shape), dtype=np.float32).reshape(shape)
    t = Tiling.of(shape)
    img = t.tile(a)
    assert img.shape == t.image_shape
    seen = 0
    for r in range(img.shape[0]):
        for c in range(img.shape[1]):
            idx = t.index(r, c)
            if idx is None:
                assert np.isnan(img[r, c])
            else:
                assert img[r, c] == a[idx]
                seen += 1
    assert seen == a.size


def test_every_panel_renders_something(qtbot, stepped, tmp_path):
    view = stepped[1]["backward:conv1"]
    for name, cls in PANELS:
        w = shown(qtbot, cls, view)
        qtbot.wait(10)
        img = w.grab().toImage()
        path = tmp_path / f"{name}.png"
        assert img.save(str(path))
        colours = {img.pixel(x, y) for x in range(0, img.width(), 7) for y in range(0, img.height(), 7)}
        assert len(colours) > 20, f"{name} looks empty"


@pytest.mark.parametrize("name", [n for n, _ in PANELS])
def test_every_panel_fits_a_narrow_dock(qtbot, stepped, name):
    """Nothing cut off at 350 px wide: the plots' scene layout never asks for more than the widget."""
    from PySide6.QtCore import Qt

    w = dict(PANELS)[name]()
    qtbot.addWidget(w)
    w.resize(350, 450)
    w.show()
    w.update_view(stepped[1]["backward:conv1"])
    w.displayed()
    qtbot.wait(20)
    assert w.minimumSizeHint().width() <= 350
    for view in (getattr(w, "grid", None), getattr(w, "plots", None)):
        if view is not None:
            assert view.ci.effectiveSizeHint(Qt.SizeHint.MinimumSize).width() <= view.width(), name


def test_image_grid_wraps_columns_to_the_width(qtbot, stepped):
    w = shown(qtbot, ErrorMapsPanel, stepped[1]["backward:conv1"])
    w.resize(1200, 500)
    qtbot.wait(20)
    wide = w.grid.columns
    w.resize(300, 700)
    qtbot.wait(20)
    assert w.grid.columns < wide
    assert set(w.grid.cells) >= {"sig1.grad_in"}  # the same cells, re-placed, not rebuilt


def test_plots_follow_the_palette(qtbot, stepped):
    from PySide6.QtGui import QColor, QPalette

    w = shown(qtbot, FeatureMapsPanel, stepped[1]["forward:conv1"])
    pal = QPalette(w.palette())
    pal.setColor(QPalette.ColorRole.Base, QColor("#fafafa"))
    pal.setColor(QPalette.ColorRole.Text, QColor("#101010"))
    w.setPalette(pal)  # a palette change, as a theme switch sends
    assert w.grid.backgroundBrush().color().lightness() > 200
    pal.setColor(QPalette.ColorRole.Base, QColor("#1e1f22"))
    w.setPalette(pal)
    assert w.grid.backgroundBrush().color().lightness() < 60
