"""Sourcebook: the composition root.

``python main.py`` opens the window; ``python main.py COMMAND ...`` runs a command-line
subcommand (``python main.py --help`` lists them).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    """Run the window (no arguments) or a subcommand; returns the exit status."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or (args[0] == "--db" and len(args) == 2):
        return run_window(args[1] if args else None)
    from ui.cli import run

    try:
        return run(args)
    except BrokenPipeError:
        # Output piped into `head` and the like: stop quietly, as other command-line tools do.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        print("sourcebook: interrupted", file=sys.stderr)
        return 130


def run_window(db: str | None) -> int:
    """Open the main window on the store."""
    from services.container import hold_gc, import_startup_modules

    hold_gc()  # until the window has painted (ui.app.open_window releases it)
    import_startup_modules()  # before Qt: see its docstring
    from ui.app import run_app

    return int(run_app(db))


if __name__ == "__main__":
    sys.exit(main())
