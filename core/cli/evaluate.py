"""``evaluate``: a network with its weights on the test split that ``train`` reports; progress on
stderr, a summary on stdout (with --json, one JSON object as the last line)."""

from __future__ import annotations

import json
import sys

import numpy as np

from core.datasets import load_dataset
from core.evaluation import evaluate
from core.io import load_weights
from core.network import Network
from core.spec import load_spec

from .progress import ProgressBar

HELP = ("accuracy, per-class precision/recall and the confusion matrix on the test split "
        "(--json prints them as the last line)")
SHOWN_MISTAKES = 10


def add_arguments(p):
    p.add_argument("network", help="network spec file (.json), e.g. resources/networks/lecture.json")
    p.add_argument("--weights", required=True, metavar="W.npz", help="weights file (keys <layer>.<param>)")
    p.add_argument("--dataset", default="mnist-5k",
                   help="mnist-5k (built-in), mnist, fashion-mnist, shapes, an IDX folder, a Keras .npz "
                        "or a folder of class sub-folders of images (default: mnist-5k)")
    p.add_argument("--dtype", choices=["float32", "float64"], default="float32",
                   help="default float32, as train's")
    p.add_argument("--json", action="store_true", help="print the results as one JSON object, the last line")


def run(args) -> int:
    net = Network(load_spec(args.network), dtype=np.dtype(args.dtype))
    load_weights(net, args.weights)
    data = load_dataset(args.dataset)
    bar = ProgressBar(f"evaluating on {data.name} test", len(data.y_test))
    result = evaluate(net, data, progress=lambda done, total: bar.update(done, f"{done}/{total}"))
    bar.close()
    if args.json:
        summary = {"network": net.spec.name, "weights": str(args.weights), "dataset": data.name,
                   **result.to_dict()}
        print(json.dumps(summary))
        return 0
    _print_text(result, net.spec.name, data.name)
    return 0


def _pct(v) -> str:
    return "   —  " if not np.isfinite(v) else f"{100 * v:5.1f}%"


def _print_text(result, network: str, dataset: str) -> None:
    classes = result.classes
    print(f"{network} on {dataset}, {result.n} test samples: accuracy {result.accuracy:.4f}, "
          f"loss {result.loss:.4f}")
    width = max(5, *(len(c) for c in classes))
    print(f"\n{'class':<{width}}  precision  recall  support")
    for k, name in enumerate(classes):
        print(f"{name:<{width}}  {_pct(result.precision[k]):>9}  {_pct(result.recall[k]):>6}  "
              f"{int(result.support[k]):>7}")
    cell = max(4, len(str(int(result.confusion.max(initial=0)))) + 1)
    print(f"\nconfusion matrix (rows: true class, columns: predicted)\n{'':<{width}}"
          + "".join(f"{c[:cell - 1]:>{cell}}" for c in classes))
    for k, name in enumerate(classes):
        print(f"{name:<{width}}" + "".join(f"{int(v):>{cell}}" for v in result.confusion[k]))
    wrong = result.mistakes()
    print(f"\n{len(wrong)} mistakes; the {min(SHOWN_MISTAKES, len(wrong))} most confident:")
    for e in wrong[:SHOWN_MISTAKES]:
        top = ", ".join(f"{classes[c]} {p:.3f}" for c, p in e.top)
        print(f"  test[{e.index}]: true {classes[e.true]}, predicted {classes[e.pred]} ({top})")
    sys.stdout.flush()
