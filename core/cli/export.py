"""``export``: the network and its weights as ONNX, a PyTorch file or safetensors, checked after writing."""

from __future__ import annotations

import numpy as np

from core.spec import load_spec

HELP = "write the network with its weights as ONNX, a PyTorch .py or safetensors, then check it"


def add_arguments(p):
    from core.export import TARGETS

    p.add_argument("network", help="network spec file (.json)")
    p.add_argument("--weights", required=True, metavar="W", help="weights file, .npz or .safetensors")
    p.add_argument("--to", required=True, choices=TARGETS, help="onnx, pytorch (a .py beside its .safetensors) "
                   "or safetensors")
    p.add_argument("--out", required=True, metavar="PATH", help="file to write (.onnx, .py or .safetensors)")
    p.add_argument("--no-check", action="store_true", help="do not run the exported model afterwards")


def run(args) -> int:
    from core.export import export_network
    from core.io import read_weights
    from core.network import Network

    net = Network(load_spec(args.network), dtype=np.float32)
    weights = read_weights(args.weights)
    report = export_network(net, weights, args.to, args.out, check=not args.no_check, source=args.weights)
    for line in report.lines():
        print(line)
    return 0
