"""(f) Impossible shapes give a ShapeError saying why; bad hyperparameters a HyperParamError."""

import pytest

from core.errors import BackstepError, HyperParamError, ShapeError
from plugins.avgpool2d import AvgPool2D
from plugins.conv2d import Conv2D
from plugins.dense import Dense
from plugins.flatten import Flatten
from plugins.maxpool2d import MaxPool2D
from plugins.sigmoid import Sigmoid


def test_kernel_larger_than_input():
    with pytest.raises(ShapeError, match="kernel 5×5 does not fit a 4×4 input with padding 0"):
        Conv2D(kernel_size=5).output_shape((1, 4, 4))


def test_kernel_fits_once_padded():
    assert Conv2D(out_channels=2, kernel_size=5, padding=1).output_shape((1, 4, 4)) == (2, 2, 2)


def test_conv_after_flatten():
    with pytest.raises(ShapeError, match=r"conv2d needs feature maps \(C, H, W\)"):
        Conv2D().output_shape((256,))


def test_dense_on_feature_maps_asks_for_a_flatten_layer():
    with pytest.raises(ShapeError, match="add a flatten layer before it") as info:
        Dense(out_features=10).output_shape((16, 4, 4))
    assert "(16, 4, 4)" in str(info.value)
    assert info.value.exit_code == 2


@pytest.mark.parametrize("layer", [MaxPool2D(kernel_size=3), AvgPool2D(kernel_size=3)])
def test_pooling_window_larger_than_input(layer):
    with pytest.raises(ShapeError, match="pooling window 3×3 does not fit a 2×5 input"):
        layer.output_shape((4, 2, 5))


@pytest.mark.parametrize("layer", [MaxPool2D(), AvgPool2D()])
def test_pooling_a_vector(layer):
    with pytest.raises(ShapeError, match="needs feature maps"):
        layer.output_shape((10,))


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: Conv2D(kernel_size=0), "kernel_size: 0 is below the minimum 1"),
        (lambda: Conv2D(out_channels=-1), "out_channels: -1 is below the minimum 1"),
        (lambda: Conv2D(stride=0), "stride: 0 is below the minimum 1"),
        (lambda: Conv2D(padding=-1), "padding: -1 is below the minimum 0"),
        (lambda: Conv2D(kernel_size=2.5), "kernel_size: expected an integer"),
        (lambda: Conv2D(kernel_size="3"), "kernel_size: expected an integer"),
        (lambda: Conv2D(kernel="3"), "conv2d: unknown hyperparameter 'kernel'"),
        (lambda: Dense(out_features=0), "out_features: 0 is below the minimum 1"),
        (lambda: MaxPool2D(kernel_size=0), "kernel_size: 0 is below the minimum 1"),
        (lambda: AvgPool2D(stride=0), "stride: 0 is below the minimum 1"),
        (lambda: Sigmoid(alpha=1), "sigmoid: unknown hyperparameter 'alpha' \\(it takes: none\\)"),
    ],
)
def test_bad_hyperparameters(make, message):
    with pytest.raises(HyperParamError, match=message):
        make()


def test_errors_are_user_errors():
    assert issubclass(ShapeError, BackstepError) and issubclass(HyperParamError, BackstepError)


def test_flatten_and_activations_take_any_shape():
    assert Flatten().output_shape((16, 4, 4)) == (256,)
    assert Flatten().output_shape((7,)) == (7,)
    assert Sigmoid().output_shape((3, 5, 5)) == (3, 5, 5)
