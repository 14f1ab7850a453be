"""bench --compare-torch builds torch from each layer's own to_torch; a layer without one is named."""

import numpy as np
import pytest

from core.bench import torch_modules
from core.errors import BackstepError
from core.network import Network
from core.registry import discover
from core.spec import load_spec, parse_spec


def test_every_builtin_layer_of_the_lecture_maps_to_torch(lecture_path):
    mods = torch_modules(Network(load_spec(lecture_path)))
    assert [m.cls for m in mods] == ["Conv2d", "Sigmoid", "MaxPool2d", "Conv2d", "Sigmoid", "MaxPool2d", "Flatten",
                                     "Linear", "Sigmoid", "Linear"]
    assert mods[0].source() == "nn.Conv2d(1, 6, 5, stride=1, padding=0)"
    assert mods[7].source() == "nn.Linear(256, 120)"


def test_a_layer_without_to_torch_is_reported_by_name(tmp_path, monkeypatch):
    from tests.fixtures.plugins import GOOD

    (tmp_path / "softsign.py").write_text(GOOD)
    monkeypatch.setenv("BACKSTEP_PLUGIN_PATH", str(tmp_path))
    spec = parse_spec({"format": "backstep.network/1", "name": "p", "input": {"shape": [1, 28, 28]},
                       "layers": [{"name": "f", "type": "flatten"}, {"name": "soft", "type": "softsign"},
                                  {"name": "d", "type": "dense", "out_features": 10}]})
    with pytest.raises(BackstepError, match=r"layer soft \(softsign\)"):
        torch_modules(Network(spec, discover(), dtype=np.float64))
