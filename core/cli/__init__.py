"""The headless command line: ``python main.py <command> ...`` (contract: ARCHITECTURE.md, CLI).

Exit codes: 0 done, 1 a check failed or training diverged, 2 bad input (one line on stderr that
names the file, field or layer; never a traceback).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import warnings

from core.errors import BackstepError
from core.runtime import tune_allocator

from . import bench, commands, evaluate, export, train
from .guard import one_line, plugin_failure

COMMANDS = {
    "train": train,
    "trace": commands.Trace,
    "gradcheck": commands.Gradcheck,
    "bench": bench,
    "plugins": commands.Plugins,
    "datasets": commands.Datasets,
    "download": commands.Download,
    "evaluate": evaluate,
    "export": export,
}


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line and exit 2, like every other bad input
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python main.py", description=(
        "Backstep: step through how a CNN learns. Without a command, opens the app."))
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name, module in COMMANDS.items():
        p = sub.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(p)
        p.set_defaults(run=module.run)
    return parser


def main(argv: list[str]) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    tune_allocator()
    with _sigterm_as_exit(), warnings.catch_warnings(record=True) as caught:  # (the filters stay as they are)
        try:
            code = int(args.run(args) or 0)
        except BackstepError as exc:
            return _fail(one_line(exc), exc.exit_code)
        except KeyboardInterrupt:
            print("interrupted", file=sys.stderr)
            return 130
        except BrokenPipeError:  # the reader went away (`backstep plugins | head`): stop quietly, as
            _drop_stdout()  # Unix tools do, and let nothing flush into the closed pipe at exit
            return 1
        except MemoryError:
            return _fail(f"{args.command}: not enough memory (a batch, a dataset or a network too large for this "
                         "machine); use a smaller one", 2)
        except (Exception, SystemExit) as exc:
            failure = None if isinstance(exc, _Terminated) else plugin_failure(exc, args.command)
            if failure is None:
                raise
            return _fail(one_line(failure), failure.exit_code)
    # a command that succeeded may have warned (numpy, Pillow): one line each, after its own output
    for text in dict.fromkeys(one_line(f"{w.category.__name__}: {w.message}") for w in caught):
        print(f"warning: {text}", file=sys.stderr)
    return code


def _drop_stdout() -> None:
    """Point stdout at the null device (the Python documentation's recipe for SIGPIPE)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # (no file descriptor behind sys.stdout: nothing to flush)
        pass


def _fail(message: str, code: int) -> int:
    print(f"error: {message}", file=sys.stderr)
    return code


class _sigterm_as_exit:  # noqa: N801 - a context manager used like a function
    """While a command runs, SIGTERM raises SystemExit, so atomic writes remove their temporary files."""

    def __enter__(self):
        self.previous = None
        if threading.current_thread() is threading.main_thread() and hasattr(signal, "SIGTERM"):
            self.previous = signal.signal(signal.SIGTERM, _exit_143)
        return self

    def __exit__(self, *exc):
        if self.previous is not None:
            signal.signal(signal.SIGTERM, self.previous)
        return False


class _Terminated(SystemExit):
    """SystemExit for SIGTERM: the exit code 128 + 15, never mistaken for a plugin's sys.exit()."""


def _exit_143(signum, frame):
    raise _Terminated(128 + signum)
