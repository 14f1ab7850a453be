"""Errors a user can cause, each carrying a message that names the file, field or layer.

The CLI turns a ``BackstepError`` into one line on stderr and its ``exit_code`` (2 for bad input,
1 for a failed check or a diverged run); the GUI shows the same message in a dialog. Anything
else that escapes is a bug in Backstep, not a user's mistake.
"""


import reprlib

_repr = reprlib.Repr()
_repr.maxstring, _repr.maxother, _repr.maxlong, _repr.maxlist, _repr.maxdict, _repr.maxlevel = 60, 60, 40, 6, 6, 3


def short_repr(value) -> str:
    """repr() cut to a readable length, for messages about values a file holds (a 4000-digit number)."""
    return _repr.repr(value)


class BackstepError(Exception):
    """Base of every error caused by what a user gave us (file, option, plugin)."""

    exit_code = 2


class SpecError(BackstepError):
    """A network spec file is missing, malformed or names something impossible."""


class ShapeError(BackstepError):
    """A layer cannot take the shape it is given; the message says why."""


class HyperParamError(BackstepError):
    """A hyperparameter has the wrong type or is out of its range."""


class DataError(BackstepError):
    """A dataset is missing, corrupt or mislabelled."""


class WeightsError(BackstepError):
    """A weights file is unreadable or does not fit the network."""


class PluginError(BackstepError):
    """A layer plugin failed to import, validate or smoke-run."""


class OutputError(BackstepError, OSError):
    """A file cannot be written where the user asked (a folder, a missing or read-only place, a full
    disk). Also an OSError, as the failed write it stands for, for callers that catch those."""


class ResourceError(BackstepError):
    """A file, network or option would need more memory than the machine has; refused before allocating."""


class DivergedError(BackstepError):
    """Training produced NaN or Inf; the message names the phase and layer."""

    exit_code = 1

    def __init__(self, message, phase=None, layer=None):
        super().__init__(message)
        self.phase = phase
        self.layer = layer
