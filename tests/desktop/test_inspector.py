"""The inspector (issue #10, item 2) as a user works it, with the lecture network's real arrays:
numbers equal to the array's, hover text with lecture names and 1-based indices, clicks that
report 0-based indices, slices of a 16×6×5×5 array, zoom on big maps, and the update's old, step,
new and new − old, in the dock's 520×640 and maximised 900×640."""

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPainter

from core.demo import make_stepper, run_phases, view_of
from desktop.inspector import InspectItem, InspectorPanel, item_for, update_for
from desktop.inspector.numbers import NumberFormat, value_text
from desktop.panels import configure_pyqtgraph

DOCK, WIDE = (520, 640), (900, 640)


@pytest.fixture(scope="module", autouse=True)
def _pyqtgraph():
    configure_pyqtgraph()


@pytest.fixture(scope="module")
def view():
    """The lecture network after one whole iteration (batch 8, to its update), sample 4 in focus."""
    st = make_stepper(batch_size=8)
    return view_of(st, run_phases(st, 22), focus=3)


def panel_at(qtbot, size=DOCK) -> InspectorPanel:
    p = InspectorPanel()
    qtbot.addWidget(p)
    p.resize(*size)
    p.show()
    qtbot.waitExposed(p)
    return p


def settle(qtbot, p, ms=150):
    """Let the layout settle (fits are made after a resize), then check it painted."""
    qtbot.wait(ms)


def expected(array2d: np.ndarray, fmt: NumberFormat) -> dict:
    return {(r, c): fmt.text(v) for (r, c), v in np.ndenumerate(array2d)}


# --- the array view -------------------------------------------------------------------------------

def test_a_5x5_filter_shows_its_25_numbers(qtbot, view):
    p = panel_at(qtbot)
    p.show_array(item_for(view, "conv1.weight"))
    p.set_slice((2, 0))
    settle(qtbot, p)
    g = view.params["conv1"]["weight"][2, 0]
    shown = p.view.shown_numbers()
    assert p.view.shown_format() == p.view.fmt  # every digit fits in the dock
    assert shown == expected(g, p.view.fmt)
    for (r, c), text in shown.items():  # and they are the array's values
        assert abs(p.view.fmt.value(text) - g[r, c]) <= 0.5 * 10.0 ** -p.view.fmt.decimals + 1e-9
    assert p.view.cell_pixel_size() >= 40
    print(p.view.fmt, sorted(shown.items())[:5])


def test_hover_names_the_element_with_its_lecture_name_and_1_based_indices(qtbot, view):
    p = panel_at(qtbot)
    p.show_array(item_for(view, "conv1.weight"))
    p.set_slice((2, 0))
    settle(qtbot, p)
    texts = []
    p.sigHover.connect(texts.append)
    qtbot.mouseMove(p.view.viewport(), p.view.cell_pos((2, 0, 1, 4)))
    qtbot.waitUntil(lambda: bool(texts), timeout=2000)
    v = view.params["conv1"]["weight"][2, 0, 1, 4]
    assert p.hover_text == f"g⁽¹⁾[filter 3, channel 1, row 2, col 5] = {value_text(v)}"
    assert p.readout.text() == p.hover_text and texts[-1] == p.hover_text
    print(p.hover_text)


def test_a_click_selects_the_element_and_emits_its_0_based_index(qtbot, view):
    p = panel_at(qtbot)
    p.show_array(item_for(view, "conv1.weight"))
    p.set_slice((2, 0))
    settle(qtbot, p)
    with qtbot.waitSignal(p.sigElementSelected, timeout=2000) as sig:
        qtbot.mouseClick(p.view.viewport(), Qt.MouseButton.LeftButton, pos=p.view.cell_pos((2, 0, 1, 4)))
    assert sig.args == ["conv1.weight", (2, 0, 1, 4)]
    assert p.selected == (2, 0, 1, 4) and p.view.frame.isVisible()
    assert p.selected_text.startswith("Selected: g⁽¹⁾[filter 3, channel 1, row 2, col 5] = ")


def test_a_per_sample_map_reports_the_sample_first(qtbot, view):
    p = panel_at(qtbot)
    item = item_for(view, "sig1.grad_in")
    assert item.name == "∂L⁽ˢ⁾/∂z⁽¹⁾" and item.prefix == (("sample", 3),)
    assert np.array_equal(item.array, view.sample_value("sig1.grad_in"))  # N·∂L/∂z[s]: the sample's own
    p.show_array(item)
    p.set_slice((1,))
    settle(qtbot, p)
    with qtbot.waitSignal(p.sigElementSelected, timeout=2000) as sig:
        qtbot.mouseClick(p.view.viewport(), Qt.MouseButton.LeftButton, pos=p.view.cell_pos((1, 5, 7)))
    assert sig.args == ["sig1.grad_in", (3, 1, 5, 7)]
    assert p.selected_text.startswith("Selected: ∂L⁽ˢ⁾/∂z⁽¹⁾[sample 4, channel 2, row 6, col 8] = ")


def test_slicing_a_16x6x5x5_array_shows_the_chosen_filter_and_channel(qtbot, view):
    p = panel_at(qtbot)
    grad = view.arrays["conv2.weight.grad"]
    p.show_array(item_for(view, "conv2.weight.grad"))
    settle(qtbot, p)
    assert p.slices.spin("filter").maximum() == 16 and p.slices.spin("channel").maximum() == 6
    p.slices.spin("filter").setValue(5)  # as a user types into the spin boxes: 1-based
    p.slices.spin("channel").setValue(2)
    settle(qtbot, p)
    assert p.view.plane.title == "filter 5, channel 2"
    assert p.view.shown_numbers() == expected(grad[4, 1], p.view.shown_format())
    qtbot.mouseMove(p.view.viewport(), p.view.cell_pos((4, 1, 0, 0)))
    qtbot.waitUntil(lambda: bool(p.hover_text), timeout=2000)
    assert p.hover_text.startswith("∂L/∂g⁽²⁾[filter 5, channel 2, row 1, col 1] = ")
    # all tiles: the tiled image as the panels draw it, and a click there turns to its slice
    p.slices.all_tiles.setChecked(True)
    settle(qtbot, p)
    assert p.view.plane.shape == (35, 95) and not p.slices.spin("filter").isEnabled()
    with qtbot.waitSignal(p.sigElementSelected, timeout=2000) as sig:
        qtbot.mouseClick(p.view.viewport(), Qt.MouseButton.LeftButton, pos=p.view.cell_pos((9, 3, 2, 2)))
    assert sig.args == ["conv2.weight.grad", (9, 3, 2, 2)]
    p.slices.all_tiles.setChecked(False)
    settle(qtbot, p)
    assert p.view.plane.title == "filter 10, channel 4" and p.view.frame.isVisible()


def test_a_selected_element_opens_at_its_slice_and_the_next_step_keeps_it(qtbot, view):
    p = panel_at(qtbot)
    p.show_array(item_for(view, "conv2.weight", selected=(5, 2, 3, 4)))
    settle(qtbot, p)
    assert p.slices.fixed() == (5, 2) and p.view.frame.isVisible()
    assert p.selected_text.startswith("Selected: g⁽²⁾[filter 6, channel 3, row 4, col 5] = ")
    p.zoom(2.0)
    zoomed = p.view.vb.viewRect()
    p.show_array(item_for(view, "conv2.weight"))  # the same key again, as after the next step
    settle(qtbot, p)
    assert p.slices.fixed() == (5, 2) and p.selected == (5, 2, 3, 4)
    assert p.view.vb.viewRect() == zoomed


@pytest.mark.parametrize("key,size,zoom", [("fc1.weight", WIDE, 12.0), ("sig1.grad_in", DOCK, 2.5)])
def test_a_big_map_is_an_image_that_zooms_to_its_numbers(qtbot, view, key, size, zoom):
    p = panel_at(qtbot, size)
    item = item_for(view, key)
    p.show_array(item)
    settle(qtbot, p)
    plane = item.array if item.array.ndim == 2 else item.array[0]
    assert p.view.image.image.shape == plane.shape
    assert p.view.shown_numbers() == {}  # too small to read at fit: colours and the hover readout
    fitted = p.view.cell_pixel_size()
    p.zoom(zoom)
    settle(qtbot, p)
    assert p.view.cell_pixel_size() == pytest.approx(fitted * zoom, rel=0.05)
    shown = p.view.shown_numbers()
    fmt = p.view.shown_format()
    assert 10 < len(shown) < plane.size
    assert all(text == fmt.text(plane[r, c]) for (r, c), text in shown.items())
    p.zoom(0)  # Fit
    settle(qtbot, p)
    assert p.view.cell_pixel_size() == pytest.approx(fitted, rel=0.05)
    print(key, plane.shape, f"fit {fitted:.1f} px/cell, zoomed {len(shown)} numbers as {fmt}")


def test_a_vector_shows_every_number_and_the_output_names_classes(qtbot, view):
    p = panel_at(qtbot)
    item = item_for(view, "fc2.grad_out")
    y = int(view.y[view.focus])
    assert np.allclose(item.array, view.arrays["probs"][view.focus] - np.eye(10)[y], atol=1e-6)  # ŷ − y
    p.show_array(item)
    settle(qtbot, p)
    assert p.view.shown_numbers() == {(0, c): p.view.fmt.text(v) for c, v in enumerate(item.array)}
    assert item.element_text((y,)).startswith(f"∂L⁽ˢ⁾/∂z⁽⁴⁾[sample 4, unit {y + 1} (class {view.classes[y]})] = ")
    p.show_array(item_for(view, "sig3.out"))  # 120 units in rows of ten, each cell numbered
    settle(qtbot, p)
    assert len(p.view.shown_numbers()) == 120


def test_the_inspectors_colour_bar_draws_every_label_of_a_tiny_range(qtbot):
    p = panel_at(qtbot)
    a = np.linspace(-0.0011, 0.0012, 25).reshape(5, 5)
    p.show_array(InspectItem("k.grad", "∂L/∂g", a, ("row", "col")))
    settle(qtbot, p)
    axis = p.view.bar.axis
    image = QImage(16, 16, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    try:
        drawn = [t for _, _, t in axis.generateDrawSpecs(painter)[2]]
    finally:
        painter.end()
    assert drawn == ["−2", "−1", "0", "1", "2"] and p.view.factor.text == "×10⁻³"


# --- the update ----------------------------------------------------------------------------------

@pytest.mark.parametrize("size", [DOCK, WIDE])
def test_the_update_shows_old_step_new_and_their_difference(qtbot, view, size):
    p = panel_at(qtbot, size)
    item = update_for(view, "conv1")
    assert item.applied and item.symbol == "g⁽¹⁾" and item.lr == view.lr
    p.show_update(item)
    p.set_slice((2, 0))
    settle(qtbot, p)
    arrays = {"old": item.old, "step": item.step, "new": item.new, "diff": item.diff}
    for part, a in arrays.items():
        v = p.update_view.views[part]
        fmt = v.shown_format()
        assert fmt is not None, f"{part}: no numbers at {size}"
        assert v.shown_numbers() == expected(a[2, 0], fmt), part
    # old and new: one scale; the step and new − old: the step's
    views = p.update_view.views
    assert views["old"].levels == views["new"].levels and views["step"].levels == views["diff"].levels
    assert views["step"].levels[1] < views["old"].levels[1]
    assert np.allclose(item.old + item.step, item.new, atol=1e-6)
    assert item.mismatch < 1e-6 and item.consistent
    assert "new − old − step" in p.update_view.check.text()
    if size == WIDE:  # maximised: old and new with every decimal the step needs
        assert views["old"].shown_format().decimals == 4
    qtbot.mouseMove(views["step"].viewport(), views["step"].cell_pos((2, 0, 1, 4)))
    qtbot.waitUntil(lambda: bool(p.hover_text), timeout=2000)
    ix = (2, 0, 1, 4)
    assert p.hover_text == (f"g⁽¹⁾[filter 3, channel 1, row 2, col 5]: old {value_text(item.old[ix])} + "
                            f"step ({value_text(item.step[ix])}) = new {value_text(item.new[ix])}")
    with qtbot.waitSignal(p.sigElementSelected, timeout=2000) as sig:
        qtbot.mouseClick(views["new"].viewport(), Qt.MouseButton.LeftButton, pos=views["new"].cell_pos(ix))
    assert sig.args == ["conv1.weight.new", ix]
    print(size, {k: v.shown_format() for k, v in views.items()}, p.update_view.check.text())


def test_a_pending_update_is_minus_alpha_times_the_gradient(qtbot):
    st = make_stepper(batch_size=8)
    v = view_of(st, run_phases(st, 21))  # backward done, update not yet run
    item = update_for(v, "fc2", "bias")
    assert not item.applied
    assert np.allclose(item.step, -v.lr * v.arrays["fc2.bias.grad"]) and np.allclose(item.new, item.old + item.step)
    p = panel_at(qtbot)
    p.show_update(item)
    settle(qtbot, p)
    assert p.update_view.columns == 1  # a vector: the four one under another
    assert len(p.update_view.views["step"].shown_numbers()) == 10


def test_the_demo_renders_its_scenes(tmp_path):
    from desktop.inspector.demo import main

    assert main(["--png", str(tmp_path), "filter", "update", "--render"]) == 0
    assert {f.name for f in tmp_path.iterdir()} == {"inspector_filter.png", "inspector_update.png"}
    assert QImage(str(tmp_path / "inspector_update.png")).size().toTuple() == DOCK
