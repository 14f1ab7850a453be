"""``bench``: milliseconds per training iteration, where they go, and PyTorch's figure beside it."""

from __future__ import annotations

import json

import numpy as np

from core.bench import run_bench
from core.network import Network, check_passes
from core.spec import load_spec

from .guard import positive_int

HELP = "time one training iteration (median ms, phases' share); --compare-torch times PyTorch alternately"


def add_arguments(p):
    p.add_argument("network", help="network spec file (.json)")
    p.add_argument("--batch-size", type=positive_int, default=64, help="default 64")
    p.add_argument("--iterations", type=positive_int, default=50, help="timed iterations (default 50)")
    p.add_argument("--dtype", choices=["float32", "float64"], default="float32", help="default float32")
    p.add_argument("--compare-torch", action="store_true", help="also time the same network in PyTorch")
    p.add_argument("--threads", type=positive_int, default=None, help="PyTorch threads (default: its own)")
    p.add_argument("--json", action="store_true", help="print one JSON object")


def run(args) -> int:
    net = Network(load_spec(args.network), dtype=np.dtype(args.dtype))
    net.check_batch(args.batch_size, f"--batch-size {args.batch_size}")
    check_passes(net, "bench")
    r = run_bench(net, args.batch_size, args.iterations, compare_torch=args.compare_torch, threads=args.threads)
    r["network"] = net.spec.name
    if args.json:
        print(json.dumps(r))
        return 0
    share = ", ".join(f"{k} {v:.0%}" for k, v in r["share"].items())
    print(f"{net.spec.name}, batch {r['batch_size']}, {r['dtype']}, {r['iterations']} iterations")
    print(f"  Backstep: {r['ms_per_iteration']:.3f} ms/iteration "
          f"(p10 {r['ms_p10']:.3f}, p90 {r['ms_p90']:.3f}); {share}")
    if "torch" in r:
        t = r["torch"]
        print(f"  PyTorch {r['torch_version']} ({r['torch_threads']} threads): "
              f"{t['ms_per_iteration']:.3f} ms/iteration "
              f"(p10 {t['ms_p10']:.3f}, p90 {t['ms_p90']:.3f})")
        print(f"  ratio Backstep / PyTorch: {r['ratio']:.2f}")
    return 0
