"""(a) Every built-in layer's backward pass agrees with finite differences, element by element."""

import pytest

from core.gradcheck import check_layer
from plugins.avgpool2d import AvgPool2D
from plugins.conv2d import Conv2D
from plugins.dense import Dense
from plugins.flatten import Flatten
from plugins.maxpool2d import MaxPool2D
from plugins.relu import ReLU
from plugins.sigmoid import Sigmoid
from plugins.tanh import Tanh

CASES = [
    pytest.param(Conv2D(out_channels=4, kernel_size=3), (3, 7, 7), id="conv-k3"),
    pytest.param(Conv2D(out_channels=4, kernel_size=3, stride=2, padding=1), (3, 7, 7), id="conv-k3-s2-p1"),
    pytest.param(Conv2D(out_channels=3, kernel_size=2, padding=2), (2, 5, 6), id="conv-k2-p2-nonsquare"),
    pytest.param(Conv2D(out_channels=2, kernel_size=3, stride=3, padding=1), (2, 8, 7), id="conv-k3-s3-p1"),
    pytest.param(Conv2D(out_channels=6, kernel_size=5), (1, 12, 12), id="conv-lecture-k5"),
    pytest.param(MaxPool2D(), (3, 6, 6), id="maxpool-2"),
    pytest.param(MaxPool2D(kernel_size=3, stride=2), (2, 7, 7), id="maxpool-3-s2"),
    pytest.param(MaxPool2D(kernel_size=2, stride=2), (2, 5, 7), id="maxpool-2-remainder"),
    pytest.param(MaxPool2D(kernel_size=2, stride=3), (2, 8, 8), id="maxpool-2-s3-gaps"),
    pytest.param(AvgPool2D(), (3, 6, 6), id="avgpool-2"),
    pytest.param(AvgPool2D(kernel_size=3, stride=2), (2, 7, 7), id="avgpool-3-s2"),
    pytest.param(AvgPool2D(kernel_size=2, stride=1), (2, 5, 4), id="avgpool-2-s1"),
    pytest.param(Sigmoid(), (3, 5, 5), id="sigmoid-maps"),
    pytest.param(Sigmoid(), (7,), id="sigmoid-vector"),
    pytest.param(ReLU(), (3, 5, 5), id="relu-maps"),
    pytest.param(Tanh(), (3, 5, 5), id="tanh-maps"),
    pytest.param(Tanh(), (7,), id="tanh-vector"),
    pytest.param(Flatten(), (3, 4, 5), id="flatten"),
    pytest.param(Dense(out_features=7), (6,), id="dense-6-7"),
    pytest.param(Dense(out_features=120), (256,), id="dense-lecture-256-120"),
]


@pytest.mark.parametrize("layer, in_shape", CASES)
def test_backward_matches_finite_differences(layer, in_shape):
    result = check_layer(layer, in_shape, batch=2, seed=0)
    expected = {"input"} | set(layer.init_params(in_shape, __import__("numpy").random.default_rng(0)))
    assert set(result.targets) == expected
    assert result.passed(1e-6), result.summary()
