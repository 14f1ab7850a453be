"""Draw your own digit: MNIST's preprocessing against hand-computed cases, image files of any
mode, and the network's probabilities through the engine's own forward."""

import numpy as np
import pytest
from PIL import Image

from core.datasets import load_dataset
from core.digit_input import (
    NOTHING_DRAWN,
    centre_of_mass,
    ink_bbox,
    load_image,
    network_input,
    preprocess,
    probabilities,
)
from core.errors import DataError
from core.losses import softmax
from core.network import Network
from core.spec import load_spec
from tests.conftest import LECTURE


def canvas(h=280, w=280):
    return np.zeros((h, w), np.float32)


def test_a_symmetric_block_in_a_corner_is_scaled_padded_and_centred_exactly():
    ink = canvas()
    ink[10:110, 200:250] = 1  # 100×50 in the top-right corner
    r = preprocess(ink)
    assert not r.empty
    assert r.bbox == (10, 200, 110, 250)
    assert r.stage("cropped").image.shape == (100, 50)
    scaled = r.stage("scaled").image
    assert scaled.shape == (20, 10)  # ×0.2: the longer side 20, the aspect 2:1 kept
    np.testing.assert_allclose(scaled, 1, atol=1e-6)  # a factor of 5 exactly: whole pixels of ink
    padded = r.stage("padded").image
    assert ink_bbox(padded) == (4, 9, 24, 19)  # (28 − 20) // 2, (28 − 10) // 2
    assert r.centre_of_mass == pytest.approx((13.5, 13.5))
    assert r.shift == (1, 1)  # to (14, 14), MNIST's centre, by whole pixels
    expected = np.zeros((28, 28), np.float32)
    expected[5:25, 10:20] = 1
    np.testing.assert_allclose(r.image, expected, atol=1e-6)
    assert r.image.dtype == np.float32 and r.image.shape == (28, 28)


def test_an_off_centre_stroke_is_centred_by_its_mass_not_its_box():
    # an "L": a bar down the left and one along the bottom of a 100×100 box, off in a corner
    ink = canvas()
    ink[150:250, 20:40] = 1
    ink[230:250, 20:120] = 1
    r = preprocess(ink)
    scaled = r.stage("scaled").image  # ×0.2: left bar cols 0–3, bottom bar rows 16–19
    assert scaled.shape == (20, 20)
    # by hand: 80 px of the bar at (9.5, 1.5) and 64 px of the foot at (17.5, 11.5), + 4 px padding
    cy = (80 * 9.5 + 64 * 17.5) / 144 + 4
    cx = (80 * 1.5 + 64 * 11.5) / 144 + 4
    assert r.centre_of_mass == pytest.approx((cy, cx), abs=1e-4)  # (17.06, 9.94): not the box's 13.5
    assert r.shift == (-3, 4)
    assert centre_of_mass(r.image) == pytest.approx((cy - 3, cx + 4), abs=1e-4)
    assert all(abs(c - 14) <= 0.5 for c in centre_of_mass(r.image))
    assert ink_bbox(r.image) == (1, 8, 21, 28)


@pytest.mark.parametrize("h,w,scaled", [(200, 40, (20, 4)), (150, 70, (20, 9)), (30, 180, (3, 20)), (5, 2, (20, 8))])
def test_a_tall_or_wide_stroke_is_scaled_to_20_px_on_its_longer_side_keeping_its_aspect(h, w, scaled):
    ink = canvas()
    ink[30:30 + h, 60:60 + w] = 1
    r = preprocess(ink)
    assert r.stage("scaled").image.shape == scaled
    top, left, bottom, right = ink_bbox(r.image)
    assert (bottom - top, right - left) == scaled
    assert r.scale == pytest.approx(20 / max(h, w))


def test_grey_levels_are_the_share_of_each_pixel_the_ink_covers():
    ink = canvas(100, 100)
    ink[:, 0:2] = 1  # a 2 px line on the left
    ink[:, 99] = 1  # a 1 px line on the right
    scaled = preprocess(ink).stage("scaled").image  # ×0.2: each pixel averages 5×5
    np.testing.assert_allclose(scaled[:, 0], 0.4, atol=1e-6)
    np.testing.assert_allclose(scaled[:, 19], 0.2, atol=1e-6)
    np.testing.assert_allclose(scaled[:, 1:19], 0, atol=1e-6)


@pytest.mark.parametrize("ink", [np.zeros((280, 280)), np.zeros((280, 280), np.uint8),
                                 np.full((50, 50), 0.01), np.zeros((1, 1))])
def test_an_empty_drawing_says_nothing_drawn(ink):
    r = preprocess(ink)
    assert r.empty and r.message == NOTHING_DRAWN
    assert r.image.shape == (28, 28) and not r.image.any()
    assert [s.name for s in r.stages] == ["drawn"]


def test_uint8_drawings_are_read_as_0_to_255():
    ink = np.zeros((56, 56), np.uint8)
    ink[8:48, 20:30] = 255
    a = preprocess(ink)
    b = preprocess(ink.astype(np.float32) / 255)
    np.testing.assert_array_equal(a.image, b.image)


def test_mnist_digits_are_already_preprocessed_and_come_out_almost_unchanged():
    x = load_dataset("mnist-5k").x_test[:200, 0]
    diffs = np.array([np.abs(preprocess(a).image - a).mean() for a in x])
    assert np.median(diffs) == 0  # most are exactly the same
    assert diffs.mean() < 1e-3


# --- image files ----------------------------------------------------------------------------------

def digit_ink():
    ink = canvas(84, 84)
    ink[10:70, 30:40] = 1
    ink[10:20, 20:40] = 1
    return ink


@pytest.mark.parametrize("mode", ["L", "RGB", "RGBA", "P", "1", "I;16", "I", "F", "CMYK", "LA"])
def test_dark_ink_on_light_paper_in_any_mode_becomes_bright_ink(tmp_path, mode):
    ink = digit_ink()
    paper = Image.fromarray(((1 - ink) * 255).astype(np.uint8), "L")
    if mode == "I;16":
        img = Image.fromarray(((1 - ink) * 65535).astype(np.uint16))
    else:
        img = paper.convert(mode)
    path = tmp_path / f"digit.{'tiff' if mode in ('I;16', 'I', 'F', 'CMYK') else 'png'}"
    img.save(path)
    got = load_image(path)
    assert got.shape == ink.shape
    np.testing.assert_allclose(got, ink, atol=1 / 255 + 1e-6)
    np.testing.assert_allclose(preprocess(got).image, preprocess(ink).image, atol=0.01)


def test_light_ink_on_dark_is_kept_and_any_size_is_fine(tmp_path):
    ink = np.kron(digit_ink(), np.ones((7, 5)))  # 588×420, not square
    path = tmp_path / "big.jpg"
    Image.fromarray((ink * 255).astype(np.uint8)).convert("RGB").save(path, quality=95)
    got = preprocess(load_image(path))
    ref = preprocess(ink)
    assert ink_bbox(got.image) == ink_bbox(ref.image)
    assert np.abs(got.image - ref.image).max() < 0.1  # JPEG's noise


def test_a_transparent_png_counts_as_white_paper(tmp_path):
    ink = digit_ink()
    rgba = np.zeros(ink.shape + (4,), np.uint8)
    rgba[..., 3] = (ink * 255).astype(np.uint8)  # black strokes, transparent elsewhere
    path = tmp_path / "t.png"
    Image.fromarray(rgba, "RGBA").save(path)
    np.testing.assert_allclose(load_image(path), ink, atol=1 / 255 + 1e-6)


def test_a_blank_page_is_nothing_drawn_and_a_bad_file_names_itself(tmp_path):
    path = tmp_path / "blank.png"
    Image.new("L", (100, 60), 250).save(path)
    assert preprocess(load_image(path)).empty
    bad = tmp_path / "notes.png"
    bad.write_text("not an image")
    with pytest.raises(DataError, match="notes.png"):
        load_image(bad)
    with pytest.raises(DataError, match="no such file"):
        load_image(tmp_path / "missing.png")


# --- the network's answer -------------------------------------------------------------------------

def test_the_probabilities_are_the_engines_forward_on_the_preprocessed_array():
    net = Network(load_spec(LECTURE), seed=3)
    ink = canvas()
    ink[40:240, 120:150] = 1
    ink[40:70, 90:150] = 1
    r = preprocess(ink)
    p = probabilities(net, r.image)
    x = r.image.reshape(1, 1, 28, 28)
    logits, _ = net.forward(x, train=False)
    np.testing.assert_array_equal(p, softmax(logits.astype(np.float64))[0])
    assert p.shape == (10,) and p.sum() == pytest.approx(1)


def test_network_input_fits_the_networks_shape():
    img = np.random.default_rng(0).random((28, 28), dtype=np.float32)
    np.testing.assert_array_equal(network_input(img, (1, 28, 28))[0, 0], img)
    assert network_input(img, (3, 28, 28)).shape == (1, 3, 28, 28)
    with pytest.raises(Exception, match="28×28"):
        network_input(img, (1, 32, 32))
