"""The command line: subcommands over the services, readable tables or ``--json``.

Each command module has ``register(subparsers)``, adding its subcommands with ``set_defaults(
func=...)``; a command function takes ``(args, services)`` and returns an exit status. Errors
from the services are printed as one line and exit with status 2.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from models.db import StoreError
from services.errors import DomainError
from ui.cli.common import EXIT_USAGE, CliError, fail, open_services

# Modules that add subcommands, in the order they appear in --help.
COMMAND_MODULES = [
    "ui.cli.core",
    "ui.cli.edit",
    "ui.cli.reliability",
    "ui.cli.export",
    "ui.cli.importing",
    "ui.cli.extract",
    "ui.cli.search",
]


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors as one line with exit status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        fail(f"{self.prog}: {message}", EXIT_USAGE)


def build_parser() -> argparse.ArgumentParser:
    """The full parser with every registered subcommand."""
    parser = _Parser(
        prog="sourcebook",
        description="Sourcebook: an offline case file for journalists. "
        "With no command, opens the window.",
    )
    parser.add_argument(
        "--db",
        metavar="URL",
        help="store to use: a SQLAlchemy URL or a SQLite file path "
        "(default: $SOURCEBOOK_DB, else the SQLite file in your user data folder)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def run(argv: Sequence[str]) -> int:
    """Parse ``argv`` and run the subcommand; returns the exit status."""
    parser = build_parser()
    try:
        args = parser.parse_args(list(argv))
    except CliError as exc:
        print(exc.message, file=sys.stderr)
        return exc.status
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return EXIT_USAGE
    try:
        if getattr(args, "no_store", False):
            return int(func(args, None) or 0)
        services = open_services(args.db)
        try:
            return int(func(args, services) or 0)
        finally:
            services.close()
    except CliError as exc:
        print(exc.message, file=sys.stderr)
        return exc.status
    except (DomainError, StoreError) as exc:  # a command without @guard: same one line
        try:
            fail(str(exc))
        except CliError as one_line:
            print(one_line.message, file=sys.stderr)
            return one_line.status
