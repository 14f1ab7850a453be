"""Colour-bar ticks (desktop.panels.levels): readable, distinct labels for any range, and every
label drawn by a panel's colour bar (a label wider than the bar's axis used to vanish: issue #10,
"colour bars lose their tick labels when the range is small")."""

import numpy as np
import pytest
from PySide6.QtGui import QImage, QPainter

from desktop.panels.levels import bar_scale, bar_ticks, power_text, scale_exponent, symmetric_levels, tick_labels


def read(label: str) -> float:
    return float(label.replace("−", "-"))


@pytest.mark.parametrize("levels", [(-0.0012, 0.0012), (0, 1), (-5e-7, 5e-7), (-0.002, 0.002), (-0.05, 0.05),
                                    (0.998, 1.002), (-5000, 5000), (0, 2e-3), (-3e5, 3e5), (-1e-12, 1e-12)])
def test_bar_ticks_are_distinct_and_read_back_as_their_values(levels):
    ticks = bar_ticks(levels)
    labels = [t for _, t in ticks]
    assert len(set(labels)) == len(labels), labels
    span = levels[1] - levels[0]
    for value, label in ticks:
        assert abs(read(label) - value) <= 0.005 * span, (value, label)
    print(levels, labels)


def test_bar_ticks_of_small_ranges_are_short():
    assert [t for _, t in bar_ticks((-0.0012, 0.0012))] == ["-1.2e-3", "0", "1.2e-3"]
    assert [t for _, t in bar_ticks((-5e-7, 5e-7))] == ["-5e-7", "0", "5e-7"]
    assert [t for _, t in bar_ticks((-0.002, 0.002))] == ["-2e-3", "0", "2e-3"]
    assert [t for _, t in bar_ticks((0, 1))] == ["0", "1"]
    assert [t for _, t in bar_ticks((-0.05, 0.05))] == ["-0.05", "0", "0.05"]
    assert [t for _, t in bar_ticks((0, 1), count=5)] == ["0", "0.25", "0.5", "0.75", "1"]


def test_bar_scale_puts_the_power_of_ten_beside_the_bar():
    ticks, e = bar_scale((-0.0012, 0.0012))
    assert e == -3 and power_text(e) == "×10⁻³"
    assert [t for _, t in ticks] == ["−1.2", "−0.6", "0", "0.6", "1.2"]
    ticks, e = bar_scale((-5e-7, 5e-7), count=3)
    assert e == -7 and [t for _, t in ticks] == ["−5", "0", "5"]
    ticks, e = bar_scale((0, 1), count=3)
    assert e == 0 and power_text(e) == "" and [t for _, t in ticks] == ["0", "1"]
    assert scale_exponent(0.0046) == -3 and scale_exponent(0.5) == 0 and scale_exponent(2.5e4) == 4


def test_tick_labels_of_close_values_still_differ():
    labels = tick_labels([1.0, 1.0 + 1e-9, 1.0 + 2e-9])
    assert len(set(labels)) == 3, labels


@pytest.mark.parametrize("magnitude", [3e-9, 4e-7, 1.5e-5, 1.2e-3, 0.02, 0.3, 1.7, 40.0, 900.0, 3e4])
def test_a_panels_colour_bar_draws_every_label(qtbot, magnitude):
    """The Update panel's bars (fixed 40 px axes) with the levels panels use: all labels drawn."""
    from desktop.panels import configure_pyqtgraph
    from desktop.panels.image_grid import DIVERGING, ImageGrid

    configure_pyqtgraph()
    grid = ImageGrid()
    qtbot.addWidget(grid)
    grid.resize(420, 260)
    grid.set_cells([["a"]], colorbars=True)
    grid.show()
    qtbot.waitExposed(grid)
    a = np.linspace(-magnitude, magnitude, 25, dtype=np.float32).reshape(5, 5)
    levels = symmetric_levels(a)
    grid.set_map("a", a, "a", levels, DIVERGING)
    axis = grid.cells["a"].colorbar.axis
    image = QImage(16, 16, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    try:
        drawn = [text for _, _, text in axis.generateDrawSpecs(painter)[2]]
    finally:
        painter.end()
    assert drawn == [t for _, t in bar_ticks(levels)], (levels, drawn)
