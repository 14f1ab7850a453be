"""The inspector's Qt-free models: items, number formats and planes (desktop.inspector.item,
.numbers, .plane), and that they import no Qt."""

import ast
from pathlib import Path

import numpy as np
import pytest

from desktop.inspector.item import InspectItem, UpdateItem
from desktop.inspector.numbers import NumberFormat, coarser, number_format, value_text
from desktop.inspector.plane import plane_of, tiles_plane

ROOT = Path(__file__).resolve().parents[2]

QT_FREE = ("item", "numbers", "plane", "from_view")
ALLOWED_DESKTOP = {"desktop.panels.levels", "desktop.panels.tiling"} | {f"desktop.inspector.{m}" for m in QT_FREE}


@pytest.mark.parametrize("module", QT_FREE)
def test_the_models_of_the_inspector_import_no_qt(module):
    tree = ast.parse((ROOT / "desktop" / "inspector" / f"{module}.py").read_text())
    names = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    names += [n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module]
    for name in names:
        assert not name.startswith(("PySide6", "shiboken6", "pyqtgraph")), name
        if name.startswith("desktop"):
            assert name in ALLOWED_DESKTOP, name


def test_an_item_names_its_element_with_1_based_indices():
    a = np.arange(16 * 6 * 5 * 5, dtype=np.float32).reshape(16, 6, 5, 5) / 1000 - 1
    item = InspectItem("conv2.weight", "g⁽²⁾", a, ("filter", "channel", "row", "col"))
    assert item.element_text((2, 0, 1, 4)) == f"g⁽²⁾[filter 3, channel 1, row 2, col 5] = {value_text(a[2, 0, 1, 4])}"
    per_sample = InspectItem("sig1.grad_in", "∂L⁽ˢ⁾/∂z⁽¹⁾", a[0], ("channel", "row", "col"), prefix=(("sample", 3),))
    assert per_sample.where((1, 2, 3)) == "[sample 4, channel 2, row 3, col 4]"
    assert per_sample.full_index((1, 2, 3)) == (3, 1, 2, 3)
    assert value_text(-0.12344) == "−0.1234" and value_text(-0.0) == "0" and value_text(3.21e-5) == "3.210e−05"
    with pytest.raises(ValueError):
        InspectItem("k", "k", a, ("filter", "channel"))  # an axis name per axis


def test_number_formats_share_decimals_and_scale_tiny_values():
    fmt = number_format(0.6843)
    assert fmt == NumberFormat(0, 3) and fmt.text(-0.6843) == "−0.684" and fmt.text(0.0087) == "0.009"
    assert fmt.text(0.0) == "0"
    tiny = number_format(0.0046)
    assert tiny.exponent == -3 and tiny.factor == "×10⁻³" and tiny.text(-0.000858) == "−0.86"
    assert abs(tiny.value(tiny.text(0.0012345)) - 0.0012345) < 0.5e-5
    # old and new of an update: decimals enough to show a step of 0.0046
    assert number_format(0.6843, resolution=0.0046).decimals == 4


def test_planes_map_every_pixel_back_to_its_element():
    a = np.random.default_rng(0).normal(size=(16, 6, 5, 5))
    p = tiles_plane(a, ("filter", "channel", "row", "col"))
    assert p.shape == (6 * 6 - 1, 16 * 6 - 1)  # one column per filter, one row per channel, 1 px gaps
    assert p.index(1 * 6 + 2, 4 * 6 + 3) == (4, 1, 2, 3) and p.index(5, 0) is None
    assert p.image[1 * 6 + 2, 4 * 6 + 3] == a[4, 1, 2, 3]
    assert p.cols.name == "filter" and [n for _, n in p.cols.ticks] == list(range(1, 17))
    v = plane_of(np.arange(120.0), ("unit",))
    assert v.shape == (12, 10) and v.index(3, 4) == (34,) and v.cell_numbers
    s = plane_of(a, ("filter", "channel", "row", "col"), (4, 1))
    assert np.array_equal(s.image, a[4, 1]) and s.pixel((4, 1, 2, 3)) == (2, 3) and s.title == "filter 5, channel 2"


def test_an_update_item_checks_its_shapes_and_its_sum():
    with pytest.raises(ValueError):
        UpdateItem("k", "g", 0.1, np.zeros(3), np.zeros(3), np.zeros(4), ("unit",))
    old = np.array([0.25, -0.5, 1.0], np.float32)
    step = np.array([1e-3, -2e-3, 3e-3], np.float32)
    good = UpdateItem("k", "g", 0.1, old, step, old + step, ("unit",))
    assert good.consistent and good.mismatch < 1e-7 and np.allclose(good.diff, step)
    bad = UpdateItem("k", "g", 0.1, old, step, old + 2 * step, ("unit",))
    assert not bad.consistent and bad.mismatch == pytest.approx(3e-3, rel=1e-3)
    assert good.part("diff").key == "k.new" and good.part("step").name == "−α·∂L/∂g"


def test_coarser_formats_stop_at_two_significant_digits():
    assert coarser(NumberFormat(0, 4), 0.68) == [NumberFormat(0, 4), NumberFormat(0, 3), NumberFormat(0, 2)]
    assert coarser(NumberFormat(-3, 2), 0.0046) == [NumberFormat(-3, 2), NumberFormat(-3, 1)]
