"""The headless command line: ``python main.py <command> ...`` (contract: ARCHITECTURE.md, CLI).

Exit codes: 0 done, 1 a check failed or training diverged, 2 bad input (one line on stderr that
names the file, field or layer; never a traceback).
"""

from __future__ import annotations

import argparse
import sys

from core.errors import BackstepError
from core.runtime import tune_allocator

from . import bench, commands, export, train

COMMANDS = {
    "train": train,
    "trace": commands.Trace,
    "gradcheck": commands.Gradcheck,
    "bench": bench,
    "plugins": commands.Plugins,
    "datasets": commands.Datasets,
    "download": commands.Download,
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
    try:
        return int(args.run(args) or 0)
    except BackstepError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
