"""``train``: fit a network on a dataset headless; progress on stderr, a JSON summary with --json."""

from __future__ import annotations

import json
import math
import resource
import sys
import time

import numpy as np

from core.datasets import load_dataset
from core.errors import HyperParamError
from core.io import save_weights
from core.network import Network, check_passes
from core.optim import DEFAULT_LR, OPTIMIZERS
from core.spec import load_spec
from core.stepper import Stepper

from .guard import nonnegative_int, output_file, positive_int
from .progress import ProgressBar

HELP = "train a network on a dataset (progress on stderr; --json prints a summary as the last line)"
DEFAULT_BATCH_SIZE = 16
DEFAULT_EPOCHS = 5


def add_arguments(p):
    p.add_argument("network", help="network spec file (.json), e.g. resources/networks/lecture.json")
    p.add_argument("--dataset", default="mnist-5k",
                   help="mnist-5k (built-in), mnist, fashion-mnist, shapes, an IDX folder, a Keras .npz "
                        "or a folder of class sub-folders of images (default: mnist-5k)")
    p.add_argument("--epochs", type=positive_int, default=DEFAULT_EPOCHS,
                   help=f"epochs to train (default {DEFAULT_EPOCHS})")
    p.add_argument("--batch-size", type=positive_int, default=DEFAULT_BATCH_SIZE,
                   help=f"samples per batch (default {DEFAULT_BATCH_SIZE})")
    p.add_argument("--lr", type=float, default=None,
                   help="learning rate α (default: " + ", ".join(f"{k} {v}" for k, v in DEFAULT_LR.items()) + ")")
    p.add_argument("--optimizer", choices=list(OPTIMIZERS), default="sgd", help="update rule (default sgd)")
    p.add_argument("--seed", type=nonnegative_int, default=0, help="seed for weights and batch order (default 0)")
    p.add_argument("--dtype", choices=["float32", "float64"], default="float32", help="default float32")
    p.add_argument("--save", metavar="WEIGHTS.npz", type=output_file,
                   help="write the trained weights here (atomically; the path is checked before training)")
    p.add_argument("--json", action="store_true", help="print a JSON summary as the last line of stdout")


def check_positive(name: str, value, kind=int):
    if value is not None and not (value > 0 and math.isfinite(value)):
        raise HyperParamError(f"--{name}: must be a positive {'integer' if kind is int else 'number'}, got {value}")


def run(args) -> int:
    check_positive("epochs", args.epochs)
    check_positive("batch-size", args.batch_size)
    check_positive("lr", args.lr, float)
    spec = load_spec(args.network)
    net = Network(spec, dtype=np.dtype(args.dtype), seed=args.seed)
    net.check_batch(args.batch_size, f"--batch-size {args.batch_size}")
    data = load_dataset(args.dataset)
    net.check_input(data.x_train[:1], f"dataset {args.dataset}")
    check_passes(net, "train")
    if int(data.y_train.max(initial=0)) >= net.n_classes or int(data.y_test.max(initial=0)) >= net.n_classes:
        raise HyperParamError(f"dataset {args.dataset}: has {len(data.classes)} classes, the network "
                              f"{spec.name!r} outputs {net.n_classes} scores")
    stepper = Stepper(net, data, batch_size=args.batch_size, optimizer=args.optimizer, lr=args.lr, seed=args.seed)
    print(f"training {spec.name} ({net.param_count():,} parameters) on {data.name}: {len(data.x_train)} train / "
          f"{len(data.x_test)} test, {args.optimizer} lr={stepper.lr}, batch {args.batch_size}, {args.dtype}",
          file=sys.stderr)
    start = time.perf_counter()
    for epoch in range(args.epochs):
        bar = ProgressBar(f"epoch {epoch + 1}/{args.epochs}", stepper.batches_per_epoch)
        first = stepper.iteration
        stepper.step_epoch(on_iteration=lambda s, bar=bar, first=first: bar.update(
            s.iteration - first, f"loss {np.mean(s.history.batch_loss[-20:]):.4f}"))
        rec = stepper.history.epochs[-1]
        bar.close(f"epoch {rec['epoch']}/{args.epochs}: train loss {rec['train_loss']:.4f} acc "
                  f"{rec['train_acc']:.4f} | test loss {rec['test_loss']:.4f} acc {rec['test_acc']:.4f} "
                  f"| {rec['seconds']:.1f} s")
    seconds = time.perf_counter() - start
    if args.save:
        save_weights(net, args.save)
        print(f"weights written to {args.save}", file=sys.stderr)
    last = stepper.history.epochs[-1]
    if args.json:
        print(json.dumps({
            "network": spec.name, "dataset": data.name, "epochs": args.epochs, "batch_size": args.batch_size,
            "optimizer": args.optimizer, "lr": stepper.lr, "seed": args.seed, "dtype": args.dtype,
            "train_loss": last["train_loss"], "train_accuracy": last["train_acc"],
            "test_loss": last["test_loss"], "test_accuracy": last["test_acc"], "seconds": round(seconds, 3),
            "seconds_per_epoch": [round(e["seconds"], 3) for e in stepper.history.epochs],
            "peak_memory_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}))
    return 0
