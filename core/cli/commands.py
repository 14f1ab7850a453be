"""The small commands: trace, gradcheck, plugins, datasets, download."""

from __future__ import annotations

import json
import sys

import numpy as np

from core.errors import DataError
from core.spec import load_spec

from .guard import nonnegative_int, output_file, positive_float, positive_int
from .progress import ProgressBar


class Trace:
    HELP = "write every layer's output and gradients for one batch to a .npz trace"

    @staticmethod
    def add_arguments(p):
        p.add_argument("network", help="network spec file (.json)")
        p.add_argument("--weights", required=True, metavar="W",
                       help="weights file, .npz or .safetensors (keys <layer>.<param>)")
        p.add_argument("--input", required=True, metavar="X.npy", help="batch of inputs, shape (N, C, H, W)")
        p.add_argument("--labels", required=True, metavar="Y.npy", help="labels, shape (N,), integers")
        p.add_argument("--out", required=True, metavar="T.npz", type=output_file,
                       help="trace file to write (the path is checked first)")
        p.add_argument("--dtype", choices=["float32", "float64"], default="float64", help="default float64")

    @staticmethod
    def run(args):
        from core.io import load_npy, load_weights, save_npz, trace
        from core.network import Network, check_passes

        net = Network(load_spec(args.network), dtype=np.dtype(args.dtype))
        load_weights(net, args.weights)
        x = load_npy(args.input, "inputs")
        y = load_npy(args.labels, "labels")
        x = _checked_inputs(net, x, args.input)
        if y.ndim != 1 or len(y) != len(x) or not np.issubdtype(y.dtype, np.integer):
            raise DataError(f"{args.labels}: expected {len(x)} integer labels (shape ({len(x)},)), "
                            f"got dtype {y.dtype} shape {y.shape}")
        if y.min(initial=0) < 0 or y.max(initial=0) >= net.n_classes:
            raise DataError(f"{args.labels}: labels must lie in 0..{net.n_classes - 1}, found "
                            f"{int(y.min())}..{int(y.max())}")
        check_passes(net, "trace")
        arrays = trace(net, x, y.astype(np.int64))
        bad = next((k for k, a in arrays.items() if not np.isfinite(a).all()), None)
        if bad is not None:  # finite weights and inputs, yet an overflow: the trace would be useless
            raise DataError(f"{args.weights}: with these weights and inputs {bad} overflows to NaN or Inf "
                            f"in {args.dtype}; nothing written (try --dtype float64)")
        save_npz(args.out, arrays)
        print(f"trace of {len(arrays)} arrays written to {args.out} (loss {float(arrays['loss']):.6f})",
              file=sys.stderr)
        return 0


def _checked_inputs(net, x: np.ndarray, path) -> np.ndarray:
    """The input batch in the network's dtype: numbers, at least one sample, the right shape,
    finite before and after the cast; DataError naming the file otherwise."""
    from core.io import cast_finite

    if not np.issubdtype(x.dtype, np.number) or np.issubdtype(x.dtype, np.complexfloating):
        raise DataError(f"{path}: inputs must be real numbers, got dtype {x.dtype}")
    if x.ndim == 0 or len(x) == 0:
        raise DataError(f"{path}: the input batch is empty (shape {x.shape}); give at least one sample "
                        f"of shape {net.input_shape}")
    if tuple(x.shape[1:]) == net.input_shape:
        net.check_batch(len(x), f"{path}: a batch of {len(x)}")
    if not np.isfinite(x).all():
        raise DataError(f"{path}: the inputs hold NaN or Inf; give finite numbers")
    x = net.check_input(x, str(path))
    return cast_finite(x, net.dtype, f"{path}: inputs", DataError)


class Gradcheck:
    HELP = "finite-difference check of every layer (float64); exit 1 if any is over the tolerance"

    @staticmethod
    def add_arguments(p):
        p.add_argument("network", help="network spec file (.json)")
        p.add_argument("--tol", type=positive_float, default=1e-6, help="max relative error allowed (default 1e-6)")
        p.add_argument("--batch", type=positive_int, default=2, help="samples per check (default 2)")
        p.add_argument("--seed", type=nonnegative_int, default=0)
        p.add_argument("--json", action="store_true", help="print the results as one JSON object")

    @staticmethod
    def run(args):
        from core.gradcheck_network import check_chain, check_layers
        from core.network import Network, check_passes

        net = Network(load_spec(args.network), dtype=np.float64, seed=args.seed)
        net.check_batch(args.batch, f"--batch {args.batch}")
        check_passes(net, "gradcheck")
        rows, failed = [], False
        for node, res in check_layers(net, batch=args.batch, seed=args.seed):
            ok = res.passed(args.tol)
            failed |= not ok
            rows.append({"layer": node.name, "type": node.type, "max_rel_error": res.max_error,
                         "targets": {k: float(v) for k, v in res.max_rel_error.items()}, "ok": ok})
        chain = check_chain(net, seed=args.seed)
        chain_ok = all(c.max_rel_error < args.tol for c in chain)
        if args.json:
            print(json.dumps({"layers": rows, "chain": [{"param": c.key, "max_rel_error": c.max_rel_error}
                                                        for c in chain], "tol": args.tol,
                              "passed": not failed and chain_ok}))
        else:
            print(f"gradient check of {net.spec.name} in float64 (per element, central differences, tol {args.tol:g})")
            print(f"{'layer':<12} {'type':<10} {'max rel error':>14}  targets")
            for r in rows:
                targets = "  ".join(f"{k} {v:.1e}" for k, v in r["targets"].items())
                print(f"{r['layer']:<12} {r['type']:<10} {r['max_rel_error']:>14.2e}  {targets}  "
                      f"{'ok' if r['ok'] else 'FAILED'}")
            worst = max(chain, key=lambda c: c.max_rel_error)
            print(f"end to end: {sum(c.checked for c in chain)} random directions through the loss, "
                  f"max rel error {worst.max_rel_error:.2e} ({worst.key}) {'ok' if chain_ok else 'FAILED'}")
        return 1 if failed or not chain_ok else 0


class Plugins:
    HELP = "list the loaded layer plugins and the ones that failed, with their errors"

    @staticmethod
    def add_arguments(p):
        p.add_argument("--traceback", action="store_true", help="print each failure's traceback too")

    @staticmethod
    def run(args):
        from core.registry import discover

        reg = discover()
        print(f"{len(reg.report.loaded)} layer plugins loaded:")
        for cat, plugins in reg.by_category().items():
            for p in plugins:
                where = f"  {p.path}" if p.source != "builtin" else ""
                print(f"  {p.id:<12} {p.cls.spec.name:<22} {cat:<16} {p.source}{where}")
        if reg.report.failures:
            print(f"{len(reg.report.failures)} failed:")
            for f in reg.report.failures:
                print(f"  {f.path or f.module} [{f.source}] failed at {f.stage}: {f.message}")
                if args.traceback and f.traceback:
                    print("    " + f.traceback.rstrip().replace("\n", "\n    "))
        return 0


class Datasets:
    HELP = "list the datasets: built-in, synthetic, downloaded and downloadable"

    @staticmethod
    def add_arguments(p):
        pass

    @staticmethod
    def run(args):
        from core.datasets import available_datasets

        for info in available_datasets():
            sizes = f"{info.n_train} train / {info.n_test} test" if info.n_train else ""
            print(f"  {info.name:<14} {info.kind:<15} {sizes:<24} {info.path or ''}")
        return 0


class Download:
    HELP = "download MNIST or Fashion-MNIST into the user's cache (md5-verified, resumable)"

    @staticmethod
    def add_arguments(p):
        p.add_argument("name", choices=["mnist", "fashion-mnist"])

    @staticmethod
    def run(args):
        from core.datasets import download

        bars: dict[str, ProgressBar] = {}

        def progress(file_name, done, total):
            bar = bars.get(file_name)
            if bar is None:
                for other in bars.values():
                    other.close()
                bar = bars[file_name] = ProgressBar(file_name, total or 1)
            bar.update(done, f"{done / 1e6:.1f}/{(total or 0) / 1e6:.1f} MB")

        folder = download(args.name, progress=progress)
        for bar in bars.values():
            bar.close()
        print(f"{args.name}: verified files in {folder}", file=sys.stderr)
        return 0
