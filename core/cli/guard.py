"""What keeps the command line's contract whatever goes wrong: one line on stderr and exit 2.

* :func:`output_file` / :func:`nonnegative_int` / :func:`positive_int` are argparse types, so an
  output path that cannot be written, ``--seed -1`` or ``--batch 0`` fail while the arguments
  are parsed — before any work starts — with argparse's one line and exit 2.
* :func:`one_line` makes any message one line of bounded length.
* :func:`plugin_failure` turns an exception raised inside a layer plugin (its forward, backward,
  output_shape... at any point of a command) into a PluginError naming the command, the layer,
  the plugin's file and the phase, found from the traceback's frames.
"""

from __future__ import annotations

import argparse
import math
import traceback

from core.errors import BackstepError, PluginError
from core.files import check_output

MAX_MESSAGE = 1000
_PHASE_OF = {"forward": "forward", "backward": "backward", "param_grads": "backward",
             "output_shape": "shape inference", "init_params": "initialisation", "inspect": "inspect"}


def one_line(message: str) -> str:
    """``message`` on one line (newlines and runs of spaces become one space), at most MAX_MESSAGE long."""
    text = " ".join(str(message).split())
    return text if len(text) <= MAX_MESSAGE else text[:MAX_MESSAGE - 1] + "…"


def output_file(text: str):
    """argparse type for a file the command writes: checked now (core.files.check_output)."""
    try:
        check_output(text, what="output file")
    except BackstepError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def nonnegative_int(text: str) -> int:
    """argparse type: 0, 1, 2, ... (a seed)."""
    value = _int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be a whole number ≥ 0, got {text}")
    return value


def positive_int(text: str) -> int:
    """argparse type: 1, 2, 3, ... (a batch size, a count)."""
    value = _int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number ≥ 1, got {text}")
    return value


def positive_float(text: str) -> float:
    """argparse type: a finite number > 0 (a tolerance)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a finite number > 0, got {text}")
    return value


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None


def plugin_failure(exc: BaseException, command: str) -> PluginError | None:
    """A PluginError naming the layer, plugin file and phase if ``exc`` was raised inside a layer's
    method (the innermost such frame of its traceback); None if no layer was involved."""
    from core.api import Layer
    from core.network import LAYER_NAMES

    found = None
    for frame, _ in traceback.walk_tb(exc.__traceback__):
        obj = frame.f_locals.get("self")
        if isinstance(obj, Layer):
            found = (obj, frame.f_code.co_name, frame.f_code.co_filename)
    if found is None:
        return None
    layer, method, filename = found
    try:
        name = LAYER_NAMES.get(layer)
    except TypeError:
        name = None
    lid = getattr(getattr(type(layer), "spec", None), "id", type(layer).__name__)
    phase = _PHASE_OF.get(method, method)
    where = f"{phase}:{name}" if name and phase in ("forward", "backward") else (
        f"layer {name}, {phase}" if name else phase)
    return PluginError(f"{command}: {where}: plugin {lid!r} ({filename}) raised {type(exc).__name__} in "
                       f"{method}: {exc}")
