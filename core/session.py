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

from core.array_files import inspect_npz, read_npz
from core.errors import BackstepError, short_repr
from core.io import save_npz
from core.spec import NetworkSpec, loads_checked

FORMAT = "backstep.session/1"
META_KEY = "meta.json"
SUFFIX = ".bstep"
MAX_META_BYTES = 64 * 2**20


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
    n_outputs: int | None = None  # scores the network outputs (set by load_session)

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


def load_session(path: str | Path, registry=None) -> Session:
    """Read a session file and validate ALL of it; SessionError naming the file and the field.

    Checked before anything is returned (so a caller replaces nothing for a bad file): the
    archive's headers (core.array_files: a regular file, no objects, no bombs, fits in memory);
    meta.json as JSON within the parser's limits; the spec, built as a Network with
    ``registry`` (default: the process's) so its types, hyperparameters, shapes and memory are
    known; every counter's type and range; the dtype; parameters (shape, finite, finite in the
    dtype); the optimiser's name, rate and state (keys and shapes of its buffers, finite); the
    curves; breakpoints and watches (core.debugger from_list/check_list); the focus. What needs
    the dataset (the offset, the input shape) is :func:`validate_against`, which restore() calls.
    """
    from core.session_checks import check_session

    path = Path(path)
    infos = inspect_npz(path, SessionError)
    meta_info = infos.get(META_KEY)
    if meta_info is None or meta_info.dtype != np.uint8 or len(meta_info.shape) != 1:
        raise SessionError(f"{path}: not a Backstep session (no {META_KEY} inside)")
    if meta_info.nbytes > MAX_META_BYTES:
        raise SessionError(f"{path}: {META_KEY} is {meta_info.nbytes} bytes, more than a session's "
                           f"{MAX_META_BYTES // 2**20} MB")
    arrays = read_npz(path, SessionError, what="session")
    try:
        text = arrays[META_KEY].tobytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SessionError(f"{path}: {META_KEY} is not UTF-8 text (byte {exc.start})") from None
    meta = loads_checked(text, f"{path}: {META_KEY}", SessionError)
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        got = meta.get("format") if isinstance(meta, dict) else None
        raise SessionError(f"{path}: format: expected {FORMAT!r}, got {short_repr(got)}")
    return check_session(path, meta, arrays, registry)


def validate_against(session: Session, dataset) -> None:
    """SessionError naming the field if the session cannot continue on ``dataset``: its input
    shape and classes, the offset within the epoch, the epoch's accumulated counts."""
    from core.session_checks import check_against

    check_against(session, dataset)


def restore(session: Session, stepper) -> None:
    """Put a session's state into a Stepper built for its spec; SessionError if it does not fit.

    Everything is checked (validate_against, the parameter shapes) before the stepper is touched.
    """
    validate_against(session, stepper.data)
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
