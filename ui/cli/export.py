"""The ``export`` subcommand: briefs as PDF/Word and data as CSV/JSON, with source protection."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from typing import Any

from services.brief.model import BriefOptions, GroupBy, Selection, Template
from services.brief.service import FORMATS
from services.container import Services
from ui.cli.common import fail, guard, print_json


class _Progress:
    """Progress on stderr (one line per stage)."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.last = ""

    def report(self, fraction: float, text: str) -> None:
        if not self.quiet and text != self.last:
            print(f"{int(fraction * 100):3d}% {text}", file=sys.stderr)
            self.last = text

    def cancelled(self) -> bool:
        return False


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from exc


def _ids(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(x) for x in text.replace(" ", "").split(",") if x)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a list of quote ids: {text!r}") from exc


def register(sub: Any) -> None:
    """Add the export subcommand."""
    p = sub.add_parser(
        "export",
        help="write a brief (PDF, Word) or the case's data (CSV, JSON)",
        description="Export a case. Confidential people and sources appear only under their "
        "descriptor. --check lists what the files will reveal and writes nothing.",
    )
    p.add_argument("--case", required=True, help="case id or title")
    p.add_argument("--template", choices=[t.value for t in Template], default=Template.BRIEF.value)
    p.add_argument(
        "--format",
        default="pdf,docx",
        help=f"comma-separated formats: {', '.join(FORMATS)} (default pdf,docx)",
    )
    p.add_argument("--out", default=".", help="folder to write into (default: here)")
    p.add_argument("--only-verified", action="store_true", help="verified quotes only")
    p.add_argument("--group-by", choices=[g.value for g in GroupBy], default=GroupBy.SPEAKER.value)
    p.add_argument("--notes", action="store_true", help="include the journalist's notes")
    p.add_argument("--person", type=int, help="only this person's quotes and events")
    p.add_argument("--tag", help="only quotes and events with this tag")
    p.add_argument("--from", dest="date_from", type=_date, help="from this day (YYYY-MM-DD)")
    p.add_argument("--to", dest="date_to", type=_date, help="to this day (YYYY-MM-DD)")
    p.add_argument("--quotes", type=_ids, help="only these quote ids (comma-separated)")
    p.add_argument("--search", metavar="QUERY", help="only the quotes this search finds")
    p.add_argument(
        "--saved-search", type=int, metavar="ID", help="only the quotes this saved search finds"
    )
    p.add_argument("--author", help="author or desk on the cover (default: the case's)")
    p.add_argument(
        "--author-in-properties",
        action="store_true",
        help="also put the author into the files' document properties",
    )
    p.add_argument("--check", action="store_true", help="list what will leave the machine")
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_export)


@guard
def cmd_export(args: argparse.Namespace, svc: Services) -> int:
    """Export a case."""
    case = svc.cases.find(str(args.case))
    formats = [f.strip().lower() for f in args.format.split(",") if f.strip()]
    bad = [f for f in formats if f not in FORMATS]
    if bad or not formats:
        fail(
            f"unknown format {bad[0]!r}; choose from {', '.join(FORMATS)}"
            if bad
            else "choose at least one format"
        )
    options = BriefOptions(
        template=Template(args.template),
        group_by=GroupBy(args.group_by),
        only_verified=args.only_verified,
        include_notes=args.notes,
        selection=Selection(
            person_id=args.person,
            tag=args.tag,
            date_from=args.date_from,
            date_to=args.date_to,
            quote_ids=args.quotes,
            search=args.search,
            saved_search_id=args.saved_search,
        ),
        author=args.author,
        author_in_properties=args.author_in_properties,
    )
    ex = svc.exports
    if args.check:
        items = ex.precheck(case.id, options, formats=formats)
        if args.json:
            print_json(items)
        else:
            print(f"The export of “{case.title}” will show:")
            for item in items:
                print(f"  {item.line()}")
            protected = sum(1 for i in items if i.confidential)
            print(f"{protected} confidential {'entry' if protected == 1 else 'entries'} redacted.")
        return 0
    if not (args.quiet or args.json):
        # What the files will reveal, before anything is written (stderr: stdout lists files).
        items = ex.precheck(case.id, options, formats=formats)
        print("The files will show:", file=sys.stderr)
        for item in items:
            print(f"  {item.line()}", file=sys.stderr)
    result = ex.export(case.id, options, args.out, formats, _Progress(args.quiet or args.json))
    if args.json:
        print_json({"files": [str(f) for f in result.files], "quotes": result.quotes})
    else:
        for f in result.files:
            print(f)
    return 0
