"""Weights, trace and array files (.npz / .npy): atomic writes, safe reads.

Weights (.npz or .safetensors): one array per parameter, key ``<layer>.<param>`` (``conv1.weight``),
shapes as in the architecture's Semantics. Trace (.npz): for one batch, ``<layer>.out``, ``<layer>.grad_out``,
``<layer>.grad_in``, ``<layer>.<param>.grad`` (batch-averaged), ``loss`` and ``probs``.

Nothing read here can run code: ``allow_pickle=False`` always, and object arrays are refused.
"""

from __future__ import annotations

import glob
import os
import tempfile
from pathlib import Path

import numpy as np

from core.array_files import inspect_npz, read_npy, read_npz
from core.errors import DataError, OutputError, WeightsError
from core.files import TEMP_SUFFIX, is_stale_temp, temp_prefix
from core.losses import cross_entropy, grad_logits, grad_probs
from core.network import Network


def atomic_write(path: str | Path, write) -> None:
    """Call ``write(file_object)`` on a temporary file beside ``path``, then rename it into place.

    A crash half-way leaves the old file intact; the rename is atomic on POSIX and Windows, and
    the folder is fsynced after it so the new name survives a power cut. The temporary file is
    ``.<name>.<pid>.<random>.bstmp`` (core.files): removed if the write fails or is interrupted,
    and a leftover of a writer that no longer runs (a crash, a kill -9) is removed by the next
    save to the same path. OSError becomes OutputError naming the path.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_temps(path)
        fd, tmp = tempfile.mkstemp(prefix=temp_prefix(path), suffix=TEMP_SUFFIX, dir=path.parent)
    except OSError as exc:
        raise OutputError(f"{path}: cannot write: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise OutputError(f"{path}: cannot write: {exc.strerror or exc}") from None
        raise
    _fsync_folder(path.parent)


def remove_stale_temps(path: Path) -> list[Path]:
    """Remove the temporary files an interrupted atomic_write to ``path`` left behind; return them."""
    removed = []
    try:
        candidates = list(path.parent.glob(f".{glob.escape(path.name)}.*{TEMP_SUFFIX}"))
    except OSError:
        return removed
    for p in candidates:
        if is_stale_temp(p, path):
            try:
                p.unlink()
                removed.append(p)
            except OSError:
                pass
    return removed


def _fsync_folder(folder: Path) -> None:
    if os.name != "posix":
        return  # (Windows cannot open a folder for fsync; NTFS journals the rename)
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems cannot fsync a folder; the file itself is on disk
    finally:
        os.close(fd)


def save_npz(path: str | Path, arrays: dict[str, np.ndarray], compress: bool = False) -> None:
    save = np.savez_compressed if compress else np.savez
    atomic_write(path, lambda f: save(f, **arrays))


def atomic_write_text(path: str | Path, text: str) -> None:
    atomic_write(path, lambda f: f.write(text.encode("utf-8")))


def load_npz(path: str | Path, error=DataError) -> dict[str, np.ndarray]:
    """All arrays of an .npz file; ``error`` (a BackstepError class) names the file if it is bad.

    Headers are checked before anything is allocated (core.array_files): a text or random file,
    an object array, a header declaring more data than the file holds, a zip bomb, or arrays
    that do not fit in memory are refused with one line.
    """
    return read_npz(path, error)


def load_npy(path: str | Path, what: str) -> np.ndarray:
    """One .npy array (inputs, labels), checked like load_npz."""
    return read_npy(path, DataError, what)


# --- weights ------------------------------------------------------------------------------------

def save_weights(net: Network, path: str | Path) -> None:
    save_npz(path, net.flat_params())


def check_weight_shapes(net: Network, shapes: dict[str, tuple], source: str) -> None:
    """WeightsError naming the first key of ``shapes`` (weights-file keys) that does not fit ``net``."""
    expected = net.flat_params()
    missing = sorted(set(expected) - set(shapes))
    extra = sorted(set(shapes) - set(expected))
    if missing:
        raise WeightsError(f"{source}: no array for {missing[0]} (the network {net.spec.name!r} needs "
                           f"{len(expected)} arrays{', and has no layer for ' + extra[0] if extra else ''})")
    if extra:
        raise WeightsError(f"{source}: {extra[0]} does not belong to the network {net.spec.name!r}")
    for key, want in expected.items():
        if tuple(shapes[key]) != want.shape:
            raise WeightsError(f"{source}: {key} has shape {tuple(shapes[key])}, the network needs {want.shape}")


def apply_weights(net: Network, arrays: dict[str, np.ndarray], source: str) -> None:
    """Put ``arrays`` (weights-file keys) into ``net``; WeightsError names the key that does not fit."""
    check_weight_shapes(net, {k: np.shape(a) for k, a in arrays.items()}, source)
    for key, got in arrays.items():
        if not np.issubdtype(got.dtype, np.number) or np.issubdtype(got.dtype, np.complexfloating):
            raise WeightsError(f"{source}: {key} has dtype {got.dtype}, expected real numbers")
        if not np.isfinite(got).all():
            raise WeightsError(f"{source}: {key} holds NaN or Inf")
    cast = {key: cast_finite(a, net.dtype, f"{source}: {key}", WeightsError) for key, a in arrays.items()}
    for key, a in cast.items():
        layer, param = key.rsplit(".", 1)
        net.params[layer][param] = a


def cast_finite(a: np.ndarray, dtype, where: str, error=WeightsError) -> np.ndarray:
    """``a`` as a contiguous ``dtype`` array; ``error`` if a finite value overflows in it (1e300 in float32)."""
    with np.errstate(over="ignore", invalid="ignore"):
        out = np.ascontiguousarray(a, dtype=dtype)
    if not np.isfinite(out).all():
        big = float(np.max(np.abs(a[np.isfinite(a)]))) if np.isfinite(a).any() else float("nan")
        raise error(f"{where}: values up to {big:.3g} overflow {np.dtype(dtype).name} (largest "
                    f"{float(np.finfo(dtype).max):.3g}); use --dtype float64 or smaller values")
    return out


def read_weights(path: str | Path) -> dict[str, np.ndarray]:
    """The arrays of a weights file, .safetensors (by its suffix) or .npz, as stored."""
    from core.safetensors_io import SUFFIX, read_safetensors

    return read_safetensors(path) if str(path).endswith(SUFFIX) else load_npz(path, WeightsError)


def weight_shapes(path: str | Path) -> dict[str, tuple]:
    """key -> shape of every array of a weights file, from its header alone."""
    from core.safetensors_io import SUFFIX, safetensors_shapes

    if str(path).endswith(SUFFIX):
        return safetensors_shapes(path)
    return {k: i.shape for k, i in inspect_npz(path, WeightsError).items()}


def load_weights(net: Network, path: str | Path) -> None:
    """Read a weights file (.npz or .safetensors) into ``net``: the shapes are checked from the
    file's header before any array is read."""
    check_weight_shapes(net, weight_shapes(path), str(path))
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

