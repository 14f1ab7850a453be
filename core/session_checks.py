"""Every field of a session file checked, each error naming the file and the field (core.session).

A session is validated whole before anything uses it: a window that opens (or recovers) one
calls core.session.load_session, which ends here, and replaces its running session only with
what passed every check. One function per part of the file, read top to bottom.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from core.errors import BackstepError, short_repr
from core.io import cast_finite
from core.optim import OPTIMIZERS
from core.session import FORMAT, Session, SessionError
from core.spec import parse_spec

DTYPES = ("float32", "float64")
COUNTERS = ("epoch", "offset", "iteration", "seed", "batch_size")
MAX_COUNTER = 2**63 - 1
OPT_BUFFERS = {"sgd": (), "momentum": ("",), "adam": (".m", ".s")}  # state.<param key><suffix>


class _Fields:
    """Raises SessionError("<file>: <field>: <why>")."""

    def __init__(self, path: Path):
        self.path = path

    def fail(self, field: str, why: str):
        raise SessionError(f"{self.path}: {field}: {why}")

    def get(self, d: dict, key: str, field: str):
        if not isinstance(d, dict) or key not in d:
            self.fail(field, "missing")
        return d[key]

    def integer(self, value, field: str, lo: int = 0, hi: int = MAX_COUNTER) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(field, f"expected a whole number, got {short_repr(value)}")
        if not lo <= value <= hi:
            self.fail(field, f"{short_repr(value)} is out of range ({lo} to {hi})")
        return value

    def number(self, value, field: str, allow_none: bool = True):
        """A float (an int stays an int, as the curves keep epoch numbers); None is NaN."""
        if value is None and allow_none:
            return float("nan")  # (NaN and Inf are saved as null: strict JSON)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.fail(field, f"expected a number, got {short_repr(value)}")
        try:
            as_float = float(value)
        except OverflowError:
            self.fail(field, f"{short_repr(value)} is too large")
        return value if isinstance(value, int) else as_float

    def text(self, value, field: str) -> str:
        if not isinstance(value, str):
            self.fail(field, f"expected text, got {short_repr(value)}")
        return value

    def numbers(self, value, field: str) -> list[float]:
        if not isinstance(value, list):
            self.fail(field, f"expected a list of numbers, got {short_repr(value)}")
        return [self.number(v, f"{field}[{i}]") for i, v in enumerate(value)]


def check_session(path: Path, meta: dict, arrays: dict, registry=None) -> Session:
    """The Session a decoded meta.json and the archive's arrays describe; SessionError if any field is bad."""
    from core.network import Network

    f = _Fields(path)
    if meta.get("format") != FORMAT:
        f.fail("format", f"expected {FORMAT!r}")
    if "spec" not in meta:
        raise SessionError(f"{path}: no network spec inside")
    try:
        spec = parse_spec(meta["spec"], f"{path} (network)")
    except BackstepError as exc:
        raise SessionError(str(exc)) from None
    dtype = f.text(meta.get("dtype", "float32"), "dtype")
    if dtype not in DTYPES:
        f.fail("dtype", f"{short_repr(dtype)} is not one of {', '.join(DTYPES)}")
    try:
        net = Network(spec, registry, dtype=np.dtype(dtype))
    except BackstepError as exc:
        raise SessionError(f"{path}: network: {exc}") from None
    counters = _counters(f, meta)
    try:
        net.check_batch(counters["batch_size"], f"{path}: counters.batch_size {counters['batch_size']}")
    except BackstepError as exc:
        raise SessionError(str(exc)) from None
    params = _params(f, arrays, net, dtype)
    optimizer = _optimizer(f, meta, arrays, params, dtype)
    history = _history(f, meta.get("history", {}), counters)
    epoch_acc = _epoch_acc(f, meta.get("epoch_acc", [[], 0, 0]))
    dataset = f.text(f.get(meta, "dataset", "dataset"), "dataset")
    if not dataset.strip():
        f.fail("dataset", "empty")
    extra = _extra(f, meta.get("extra", {}))
    saved_at = f.number(meta.get("saved_at", 0.0), "saved_at")
    state = {"params": params, "optimizer": optimizer, **counters, "history": history, "epoch_acc": epoch_acc}
    return Session(path, spec, dataset, state, dtype, extra, 0.0 if math.isnan(saved_at) else float(saved_at),
                   n_outputs=net.n_classes)


def _counters(f: _Fields, meta: dict) -> dict[str, int]:
    raw = f.get(meta, "counters", "counters")
    c = {k: f.integer(f.get(raw, k, f"counters.{k}"), f"counters.{k}") for k in COUNTERS}
    if c["batch_size"] < 1:
        f.fail("counters.batch_size", f"{c['batch_size']} is not a positive batch size")
    if c["seed"] >= 2**63:
        f.fail("counters.seed", "too large")
    # every completed epoch took at least one iteration, and a half-done one at least one more
    least = c["epoch"] + (1 if c["offset"] > 0 else 0)
    if c["iteration"] < least:
        f.fail("counters.iteration", f"{c['iteration']} iterations cannot have completed {c['epoch']} epochs"
               f"{' and part of another' if c['offset'] else ''}")
    return c


def _params(f: _Fields, arrays: dict, net, dtype: str) -> dict[str, dict[str, np.ndarray]]:
    want = {n: {k: v.shape for k, v in ps.items()} for n, ps in net.params.items()}
    params: dict[str, dict[str, np.ndarray]] = {n: {} for n in want}
    for key, a in arrays.items():
        if not key.startswith("param."):
            continue
        layer, _, name = key[len("param."):].rpartition(".")
        if layer not in want:
            f.fail(key, f"parameters for {short_repr(layer)}, which is not a layer of the network")
        if name not in want[layer]:
            has = ", ".join(want[layer]) or "none"
            f.fail(key, f"layer {layer} has no parameter {short_repr(name)} (it has: {has})")
        if not np.issubdtype(a.dtype, np.number) or np.issubdtype(a.dtype, np.complexfloating):
            f.fail(key, f"dtype {a.dtype}, expected real numbers")
        if a.shape != want[layer][name]:
            f.fail(key, f"shape {a.shape}, the network needs {want[layer][name]}")
        if not np.isfinite(a).all():
            f.fail(key, "holds NaN or Inf")
        params[layer][name] = _cast(f, a, dtype, key)
    for layer, shapes in want.items():
        for name in shapes:
            if name not in params[layer]:
                f.fail(f"param.{layer}.{name}", "missing")
    return params


def _cast(f: _Fields, a: np.ndarray, dtype: str, field: str) -> np.ndarray:
    try:
        return cast_finite(a, dtype, f"{f.path}: {field}", SessionError)
    except SessionError:
        raise
    except BackstepError as exc:
        raise SessionError(str(exc)) from None


def _optimizer(f: _Fields, meta: dict, arrays: dict, params: dict, dtype: str) -> dict:
    opt = f.get(meta, "optimizer", "optimizer")
    name = f.text(f.get(opt, "name", "optimizer.name"), "optimizer.name")
    if name not in OPTIMIZERS:
        f.fail("optimizer.name", f"{short_repr(name)} is not one of {', '.join(OPTIMIZERS)}")
    lr = float(f.number(f.get(opt, "lr", "optimizer.lr"), "optimizer.lr", allow_none=False))
    if not (math.isfinite(lr) and lr > 0):
        f.fail("optimizer.lr", f"{lr!r} is not a positive learning rate")
    shapes = {f"{layer}.{k}": v.shape for layer, ps in params.items() for k, v in ps.items()}
    allowed = {f"state.{key}{suffix}": shape for key, shape in shapes.items() for suffix in OPT_BUFFERS[name]}
    state: dict[str, np.ndarray] = {}
    for key, a in arrays.items():
        if not key.startswith("opt."):
            continue
        k = key[len("opt."):]
        if k == "t":
            if a.shape != () or not np.issubdtype(a.dtype, np.integer) or int(a) < 0:
                f.fail(key, f"the step counter must be a whole number ≥ 0, got {a.dtype} {a.shape}")
            state[k] = a
            continue
        if k not in allowed:
            f.fail(key, f"not a buffer of the {name} optimiser for this network")
        if not np.issubdtype(a.dtype, np.floating) or a.shape != allowed[k]:
            f.fail(key, f"{a.dtype} {a.shape}, expected a {allowed[k]} array of numbers")
        if not np.isfinite(a).all():
            f.fail(key, "holds NaN or Inf")
        state[k] = _cast(f, a, dtype, key)
    return {"name": name, "lr": lr, "state": state}


def _history(f: _Fields, raw, counters: dict) -> dict:
    if not isinstance(raw, dict):
        f.fail("history", f"expected an object of curves, got {short_repr(raw)}")
    loss = f.numbers(raw.get("batch_loss", []), "history.batch_loss")
    acc = f.numbers(raw.get("batch_acc", []), "history.batch_acc")
    if len(loss) > counters["iteration"] or len(acc) > counters["iteration"]:
        f.fail("history.batch_loss", f"{max(len(loss), len(acc))} values for {counters['iteration']} iterations")
    epochs_raw = raw.get("epochs", [])
    if not isinstance(epochs_raw, list):
        f.fail("history.epochs", f"expected a list, got {short_repr(epochs_raw)}")
    if len(epochs_raw) > counters["epoch"]:
        f.fail("history.epochs", f"{len(epochs_raw)} records for {counters['epoch']} completed epochs")
    epochs = []
    for i, e in enumerate(epochs_raw):
        if not isinstance(e, dict):
            f.fail(f"history.epochs[{i}]", f"expected an object, got {short_repr(e)}")
        epochs.append({str(k): f.number(v, f"history.epochs[{i}].{k}") for k, v in e.items()})
    return {"batch_loss": loss, "batch_acc": acc, "epochs": epochs}


def _epoch_acc(f: _Fields, raw) -> list:
    if not (isinstance(raw, list) and len(raw) == 3):
        f.fail("epoch_acc", f"expected [losses, correct, seen], got {short_repr(raw)}")
    losses = f.numbers(raw[0], "epoch_acc[0]")
    correct = f.integer(raw[1], "epoch_acc[1]")
    seen = f.integer(raw[2], "epoch_acc[2]")
    if correct > seen:
        f.fail("epoch_acc", f"{correct} correct of {seen} seen")
    return [losses, correct, seen]


def _extra(f: _Fields, raw) -> dict:
    from core.debugger.breakpoints import BreakpointSet
    from core.debugger.watch import WatchList

    if not isinstance(raw, dict):
        f.fail("extra", f"expected an object, got {short_repr(raw)}")
    if "focus" in raw:
        f.integer(raw["focus"], "extra.focus", 0, 2**31)
    if raw.get("breakpoints") is not None:
        try:
            BreakpointSet.from_list(raw["breakpoints"])
        except (ValueError, TypeError) as exc:
            f.fail("extra.breakpoints", str(exc))
    if raw.get("watches") is not None:
        try:
            WatchList.check_list(raw["watches"])
        except BackstepError as exc:
            f.fail("extra.watches", str(exc))
    return dict(raw)


def check_against(session: Session, dataset) -> None:
    """SessionError naming the field if the session cannot continue training on ``dataset``."""
    f = _Fields(session.path)
    shape = tuple(session.spec.input_shape)
    if tuple(dataset.input_shape) != shape:
        f.fail("dataset", f"{session.dataset} has samples of shape {tuple(dataset.input_shape)}, the network "
               f"takes {shape}")
    st = session.state
    n = int(dataset.n_train)
    if st["offset"] >= n:
        f.fail("counters.offset", f"{st['offset']} is past the {n} training samples of {session.dataset}")
    if st["epoch_acc"][2] > n:
        f.fail("epoch_acc[2]", f"{st['epoch_acc'][2]} samples seen in an epoch of {n}")
    outputs = session.n_outputs
    if outputs and int(dataset.y_train.max(initial=0)) >= outputs:
        f.fail("dataset", f"{session.dataset} has {dataset.n_classes} classes, the network outputs {outputs} scores")
