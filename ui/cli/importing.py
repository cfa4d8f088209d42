"""The ``import`` subcommand: files and folders into a case, a progress bar and a summary."""

from __future__ import annotations

import os
import signal
import sys
import threading
from typing import Any

from services.container import Services
from services.errors import NotFoundError
from services.imports import ImportSummary
from ui.cli.common import EXIT_FAIL, fail, guard, print_json

BAR_WIDTH = 30  # characters


class BarProgress:
    """A progress bar on stderr (redrawn in place on a terminal, one line per file otherwise)."""

    def __init__(self, quiet: bool = False) -> None:
        self.quiet = quiet
        self.tty = sys.stderr.isatty()
        self.stop = False

    def report(self, fraction: float, text: str) -> None:
        """Draw the bar at ``fraction`` with the current file name."""
        if self.quiet:
            return
        filled = int(fraction * BAR_WIDTH)
        line = f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {int(fraction * 100):3d}% {text}"
        if self.tty:
            sys.stderr.write("\r\x1b[K" + line[:120])
            if fraction >= 1.0:
                sys.stderr.write("\n")
        else:
            sys.stderr.write(line + "\n")
        sys.stderr.flush()

    def cancelled(self) -> bool:
        """Whether Ctrl+C was pressed: the import stops after the current file."""
        return self.stop

    def interrupt(self, _signum: int, _frame: Any) -> None:
        """First Ctrl+C: stop after the current file; a second one stops at once."""
        if self.stop:
            raise KeyboardInterrupt
        self.stop = True
        sys.stderr.write("\nStopping after this file (Ctrl+C again to stop now)...\n")


def register(sub: Any) -> None:
    """Add the import subcommand."""
    p = sub.add_parser(
        "import",
        help="import files (web pages, PDF, Word, email, text) into a case",
        description="Import files or folders as sources of a case. Original bytes are kept "
        "with their SHA-256; the same bytes twice in a case are reported, not stored again.",
    )
    p.add_argument("files", nargs="+", metavar="FILE", help="files or folders to import")
    p.add_argument("--case", required=True, metavar="CASE", help="case id or exact title")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_import)


def _summary_json(summary: ImportSummary) -> dict[str, Any]:
    return {
        "imported": summary.imported,
        "attachments": summary.attachments,
        "duplicates": [{"file": f, "message": m} for f, m in summary.duplicates],
        "failed": [{"file": f, "reason": r} for f, r in summary.failed],
        "notices": [{"file": f, "message": m} for f, m in summary.notices],
        "cancelled": summary.cancelled,
    }


def _print_summary(summary: ImportSummary) -> None:
    n = len(summary.imported)
    print(f"Imported: {n} file{'s' if n != 1 else ''}", end="")
    if summary.attachments:
        print(f" (+{len(summary.attachments)} attachments)", end="")
    print()
    for src in summary.imported:
        lang = f" [{src.language}]" if src.language else ""
        print(f"  {src.id}\t{src.kind.value}\t{src.title}{lang}")
    for src in summary.attachments:
        print(f"  {src.id}\tattachment of {src.parent_id}\t{src.title}")
    print(f"Duplicates: {len(summary.duplicates)}")
    for _path, message in summary.duplicates:
        print(f"  {message}")
    print(f"Failed: {len(summary.failed)}")
    for _path, reason in summary.failed:
        print(f"  {reason}")
    for _path, message in summary.notices:
        print(f"Note: {message}")
    if summary.cancelled:
        print("Stopped before the end.")


@guard
def cmd_import(args: Any, svc: Services) -> int:
    """Import the files and print the summary; exit status 1 when any failed or Ctrl+C."""
    try:
        case = svc.cases.find(args.case)
    except NotFoundError:
        fail(f"no case {args.case!r} (see `cases`)")
    missing = [f for f in args.files if not os.path.exists(f)]
    if missing:  # a mistyped name: say so in one line and import nothing (issue 2)
        more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
        fail(f"no such file or folder: {missing[0]}{more}")
    bar = BarProgress(args.quiet)
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGINT, bar.interrupt)
    try:
        summary = svc.imports.import_paths(case.id, args.files, bar)
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
    if args.json:
        print_json(_summary_json(summary))
    else:
        _print_summary(summary)
    return EXIT_FAIL if summary.failed or summary.cancelled else 0
