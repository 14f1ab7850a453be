"""Session files (``.bstep``): a whole training session in ONE atomic .npz, Qt-free.

Layout of the archive (read with ``allow_pickle=False``, so nothing in it can run code)::

    meta.json              uint8 array: UTF-8 JSON (format, spec, dataset, counters, optimiser
                           name and lr, curves, settings the app passes as ``extra``)
    param.<layer>.<name>   the network's parameters (weights-file keys, prefixed)
    opt.<key>              the optimiser's state (counter, velocities, moments)

The state saved is the one at the last iteration boundary (Stepper.state()); a half-done
iteration is not saved, as nothing was updated in it yet.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from core.errors import BackstepError, SpecError
from core.io import load_npz, save_npz
from core.spec import NetworkSpec, parse_spec

FORMAT = "backstep.session/1"
META_KEY = "meta.json"
SUFFIX = ".bstep"


class SessionError(BackstepError):
    """A session file is missing, corrupt, or was written by something else."""


@dataclass
class Session:
    """What a session file holds: enough to rebuild the Stepper exactly where it was."""

    path: Path
    spec: NetworkSpec
    dataset: str
    state: dict  # for Stepper.load_state()
    dtype: str = "float32"
    extra: dict = field(default_factory=dict)
    saved_at: float = 0.0

    @property
    def iteration(self) -> int:
        return int(self.state["iteration"])


def _json_safe(obj):
    """NaN/Inf become None (strict JSON), numpy scalars become Python numbers."""
    if isinstance(obj, dict):
        return {str(k): _json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_json_safe(v) for v in obj]
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def _nan(v):
    return float("nan") if v is None else v


def save_session(path: str | Path, stepper, spec: NetworkSpec, dataset_name: str, extra: dict | None = None) -> None:
    """Write the session atomically. ``stepper`` is a Stepper or a dict from ``Stepper.state()``."""
    state = stepper if isinstance(stepper, dict) else stepper.state()
    dtype = "float32"
    for ps in state["params"].values():
        for a in ps.values():
            dtype = str(np.asarray(a).dtype)
            break
        break
    meta = {"format": FORMAT, "saved_at": time.time(), "spec": spec.to_dict(), "dataset": str(dataset_name),
            "dtype": dtype,
            "counters": {k: int(state[k]) for k in ("epoch", "offset", "iteration", "seed", "batch_size")},
            "optimizer": {"name": state["optimizer"]["name"], "lr": float(state["optimizer"]["lr"])},
            "history": state["history"], "epoch_acc": state.get("epoch_acc", [[], 0, 0]),
            "extra": extra or {}}
    text = json.dumps(_json_safe(meta), allow_nan=False)
    arrays = {META_KEY: np.frombuffer(text.encode("utf-8"), dtype=np.uint8)}
    for layer, ps in state["params"].items():
        for k, v in ps.items():
            arrays[f"param.{layer}.{k}"] = np.asarray(v)
    for k, v in state["optimizer"]["state"].items():
        arrays[f"opt.{k}"] = np.asarray(v)
    save_npz(path, arrays)


def load_session(path: str | Path) -> Session:  # noqa: C901 - one check per field, read top to bottom
    """Read a session file; SessionError naming the file if it is not a valid session."""
    path = Path(path)
    arrays = load_npz(path, SessionError)
    raw = arrays.get(META_KEY)
    if raw is None or raw.dtype != np.uint8 or raw.ndim != 1:
        raise SessionError(f"{path}: not a Backstep session (no {META_KEY} inside)")
    try:
        meta = json.loads(raw.tobytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SessionError(f"{path}: {META_KEY} is not valid JSON: {exc}") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        got = meta.get("format") if isinstance(meta, dict) else None
        raise SessionError(f"{path}: format: expected {FORMAT!r}, got {got!r}")
    try:
        spec = parse_spec(meta["spec"], f"{path} (network)")
    except SpecError as exc:
        raise SessionError(str(exc)) from None
    except KeyError:
        raise SessionError(f"{path}: no network spec inside") from None
    try:
        counters = {k: int(meta["counters"][k]) for k in ("epoch", "offset", "iteration", "seed", "batch_size")}
        opt = meta["optimizer"]
        history = meta.get("history", {})
        history = {"batch_loss": [_nan(v) for v in history.get("batch_loss", [])],
                   "batch_acc": [_nan(v) for v in history.get("batch_acc", [])],
                   "epochs": [{k: _nan(v) for k, v in e.items()} for e in history.get("epochs", [])]}
        dataset = str(meta["dataset"])
        opt_name, opt_lr = str(opt["name"]), float(opt["lr"])
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise SessionError(f"{path}: meta.json lacks or garbles {exc}") from None
    params: dict[str, dict[str, np.ndarray]] = {e.name: {} for e in spec.layers}
    opt_state: dict[str, np.ndarray] = {}
    for key, a in arrays.items():
        if key.startswith("param."):
            layer, _, name = key[len("param."):].rpartition(".")
            if not layer or not np.issubdtype(a.dtype, np.number):
                raise SessionError(f"{path}: {key} is not a numeric parameter array")
            if not np.isfinite(a).all():
                raise SessionError(f"{path}: {key} holds NaN or Inf")
            params.setdefault(layer, {})[name] = a
        elif key.startswith("opt."):
            opt_state[key[len("opt."):]] = a
    known = {e.name for e in spec.layers}
    stray = sorted(set(params) - known)  # (a param key for a layer the spec lacks)
    if stray:
        raise SessionError(f"{path}: parameters for {stray[0]}, which is not a layer of the network")
    state = {"params": params, "optimizer": {"name": opt_name, "lr": opt_lr, "state": opt_state},
             **counters, "history": history, "epoch_acc": meta.get("epoch_acc", [[], 0, 0])}
    return Session(path, spec, dataset, state, str(meta.get("dtype", "float32")), dict(meta.get("extra", {})),
                   float(meta.get("saved_at", 0.0)))


def restore(session: Session, stepper) -> None:
    """Put a session's state into a Stepper built for its spec; SessionError if the weights do not fit."""
    want = {n: {k: v.shape for k, v in ps.items()} for n, ps in stepper.net.params.items()}
    got = {n: {k: v.shape for k, v in ps.items()} for n, ps in session.state["params"].items()}
    for layer, shapes in want.items():
        for k, shape in shapes.items():
            have = got.get(layer, {}).get(k)
            if have != shape:
                what = "no array" if have is None else f"shape {have}"
                raise SessionError(f"{session.path}: {layer}.{k}: {what}, the network needs {shape}")
    try:
        stepper.load_state(session.state)
    except BackstepError as exc:
        raise SessionError(f"{session.path}: {exc}") from None
