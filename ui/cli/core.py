"""Core subcommands: cases, sources, quotes, people, events, demo."""

from __future__ import annotations

import argparse
from typing import Any

from services.container import Services
from services.demo import build_demo
from ui.cli.common import guard, print_json, print_table


def register(sub: Any) -> None:
    """Add the core subcommands."""
    p = sub.add_parser("cases", help="list cases")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_cases)

    p = sub.add_parser("new-case", help="create a case")
    p.add_argument("title")
    p.add_argument("--summary", default="")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_new_case)

    p = sub.add_parser("demo", help="build the sample case from resources/samples/")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_demo)


@guard
def cmd_cases(args: argparse.Namespace, svc: Services) -> int:
    """List cases."""
    cases = svc.cases.list()
    if args.json:
        print_json(cases)
    else:
        print_table(
            ["ID", "TITLE", "UPDATED"], [(c.id, c.title, c.updated_at.date()) for c in cases]
        )
    return 0


@guard
def cmd_new_case(args: argparse.Namespace, svc: Services) -> int:
    """Create a case."""
    case = svc.cases.create(args.title, summary=args.summary)
    if args.json:
        print_json(case)
    else:
        print(f"created case {case.id}: {case.title}")
    return 0


@guard
def cmd_demo(args: argparse.Namespace, svc: Services) -> int:
    """Build the sample case."""
    case = build_demo(svc)
    if args.json:
        print_json({"case": case, "counts": svc.cases.counts(case.id)})
    else:
        counts = svc.cases.counts(case.id)
        print(f"created sample case {case.id}: {case.title}")
        print(", ".join(f"{n} {k}" for k, n in counts.items()))
    return 0
