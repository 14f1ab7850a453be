"""Weights, trace and array files (.npz / .npy): atomic writes, safe reads.

Weights (.npz or .safetensors): one array per parameter, key ``<layer>.<param>`` (``conv1.weight``),
shapes as in the architecture's Semantics. Trace (.npz): for one batch, ``<layer>.out``, ``<layer>.grad_out``,
``<layer>.grad_in``, ``<layer>.<param>.grad`` (batch-averaged), ``loss`` and ``probs``.

Nothing read here can run code: ``allow_pickle=False`` always, and object arrays are refused.
"""

from __future__ import annotations

import os
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from core.errors import DataError, WeightsError
from core.losses import cross_entropy, grad_logits, grad_probs
from core.network import Network


def atomic_write(path: str | Path, write) -> None:
    """Call ``write(file_object)`` on a temporary file beside ``path``, then rename it into place.

    A crash half-way leaves the old file intact; the rename is atomic on POSIX and Windows.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save_npz(path: str | Path, arrays: dict[str, np.ndarray], compress: bool = False) -> None:
    save = np.savez_compressed if compress else np.savez
    atomic_write(path, lambda f: save(f, **arrays))


def atomic_write_text(path: str | Path, text: str) -> None:
    atomic_write(path, lambda f: f.write(text.encode("utf-8")))


def load_npz(path: str | Path, error=DataError) -> dict[str, np.ndarray]:
    """All arrays of an .npz file; ``error`` (a BackstepError class) names the file if it is bad."""
    path = Path(path)
    if not path.is_file():
        raise error(f"{path}: no such file")
    try:
        with np.load(path, allow_pickle=False) as z:
            return {k: z[k] for k in z.files}
    except ValueError as exc:
        if "pickle" in str(exc).lower() or "object" in str(exc).lower():
            raise error(f"{path}: holds Python objects, which Backstep never loads (only plain arrays)") from None
        raise error(f"{path}: not a valid .npz file: {exc}") from None
    except (OSError, zipfile.BadZipFile, EOFError) as exc:
        raise error(f"{path}: not a valid .npz file: {exc}") from None


def load_npy(path: str | Path, what: str) -> np.ndarray:
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: no such file ({what})")
    try:
        a = np.load(path, allow_pickle=False)
    except ValueError as exc:
        raise DataError(f"{path}: not a plain .npy array ({what}): {exc}") from None
    except OSError as exc:
        raise DataError(f"{path}: cannot read ({what}): {exc}") from None
    if not isinstance(a, np.ndarray):
        raise DataError(f"{path}: expected one .npy array ({what}), found an archive")
    return a


# --- weights ------------------------------------------------------------------------------------

def save_weights(net: Network, path: str | Path) -> None:
    save_npz(path, net.flat_params())


def apply_weights(net: Network, arrays: dict[str, np.ndarray], source: str) -> None:
    """Put ``arrays`` (weights-file keys) into ``net``; WeightsError names the key that does not fit."""
    expected = net.flat_params()
    missing = sorted(set(expected) - set(arrays))
    extra = sorted(set(arrays) - set(expected))
    if missing:
        raise WeightsError(f"{source}: no array for {missing[0]} (the network {net.spec.name!r} needs "
                           f"{len(expected)} arrays{', and has no layer for ' + extra[0] if extra else ''})")
    if extra:
        raise WeightsError(f"{source}: {extra[0]} does not belong to the network {net.spec.name!r}")
    for key, want in expected.items():
        got = arrays[key]
        if got.shape != want.shape:
            raise WeightsError(f"{source}: {key} has shape {got.shape}, the network needs {want.shape}")
        if not np.issubdtype(got.dtype, np.number) or np.issubdtype(got.dtype, np.complexfloating):
            raise WeightsError(f"{source}: {key} has dtype {got.dtype}, expected real numbers")
        if not np.isfinite(got).all():
            raise WeightsError(f"{source}: {key} holds NaN or Inf")
    for key, a in arrays.items():
        layer, param = key.rsplit(".", 1)
        net.params[layer][param] = np.ascontiguousarray(a, dtype=net.dtype)


def read_weights(path: str | Path) -> dict[str, np.ndarray]:
    """The arrays of a weights file, .safetensors (by its suffix) or .npz, as stored."""
    from core.safetensors_io import SUFFIX, read_safetensors

    return read_safetensors(path) if str(path).endswith(SUFFIX) else load_npz(path, WeightsError)


def load_weights(net: Network, path: str | Path) -> None:
    apply_weights(net, read_weights(path), str(path))


# --- trace --------------------------------------------------------------------------------------

def full_pass(net: Network, x: np.ndarray, labels: np.ndarray, params: dict | None = None,
              intermediates: bool = False) -> tuple[dict[str, np.ndarray], dict]:
    """One batch forward and backward, every array kept: (arrays by trace key, grads by layer).

    ``params`` (layer -> name -> array) replace the network's own; ``intermediates`` adds what
    the stepper's snapshots also hold: each layer's inspect() arrays and ``probs.grad`` (∂L/∂ŷ).
    """
    params = net.params if params is None else params
    out: dict[str, np.ndarray] = {}
    acts, caches = x, []
    for node in net.nodes:
        acts, cache = node.layer.forward(acts, params[node.name], True)
        caches.append(cache)
        out[f"{node.name}.out"] = acts
        if intermediates:
            for k, v in node.layer.inspect(cache).items():
                out[f"{node.name}.{k}"] = v
    loss, probs = cross_entropy(acts, labels)
    out["loss"], out["probs"] = np.array(loss), probs
    if intermediates:
        out["probs.grad"] = grad_probs(probs, labels)
    d, all_grads = grad_logits(probs, labels), {}
    for i in range(len(net.nodes) - 1, -1, -1):
        name = net.nodes[i].name
        out[f"{name}.grad_out"] = d
        d, all_grads[name] = net.nodes[i].layer.backward(d, caches[i])
        out[f"{name}.grad_in"] = d
        for k, g in all_grads[name].items():
            out[f"{name}.{k}.grad"] = g
    return out, all_grads


def trace(net: Network, x: np.ndarray, labels: np.ndarray) -> dict[str, np.ndarray]:
    """Every layer's output and gradients for one batch (the trace file's arrays)."""
    return full_pass(net, x, labels)[0]

