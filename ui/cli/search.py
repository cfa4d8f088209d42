"""Search subcommands: ``search QUERY``, ``search --batch FILE`` and saved searches.

Examples::

    python main.py search 'speaker:"Mazloum Kobani" border' --case 1
    python main.py search --batch names.txt --case 1 --json
    python main.py search 'tag:water said:2021' --case 1 --save "Water in 2021"
    python main.py searches --case 1
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from services.container import Services
from services.errors import NotFoundError
from services.search import BatchLine, SearchHit, SearchResults
from ui.cli.common import fail, guard, print_json, print_table, to_jsonable


def register(sub: Any) -> None:
    """Add the search subcommands."""
    p = sub.add_parser(
        "search",
        help="search quotes and sources",
        description=(
            'Search quotes and sources. Words, "exact phrases", OR, -word / NOT, prefix*, '
            "and filters speaker: tag: source: status: case: said:2021-01..2021-02 kind:pdf "
            "place:. Case, accents and Arabic letter forms do not matter."
        ),
    )
    p.add_argument("query", nargs="?", help="what to look for (quote it in the shell)")
    p.add_argument("--case", metavar="CASE", help="case id or exact title (default: every case)")
    p.add_argument("--limit", type=int, default=20, metavar="N", help="hits to show (20)")
    p.add_argument("--offset", type=int, default=0, metavar="N", help="hits to skip")
    p.add_argument(
        "--kind", choices=["quotes", "sources", "both"], default="both", help="what to search"
    )
    p.add_argument("--group-by", choices=["speaker", "source"], help="group the quote hits")
    p.add_argument(
        "--batch",
        metavar="FILE",
        help="search each line of FILE (- for standard input): names or terms, one a line",
    )
    p.add_argument("--save", metavar="NAME", help="also keep the query as a saved search")
    p.add_argument("--saved", type=int, metavar="ID", help="run saved search ID")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(func=cmd_search)

    p = sub.add_parser(
        "searches",
        help="list saved searches",
        description="List saved searches (of a case and those for every case).",
    )
    p.add_argument("--case", metavar="CASE", help="case id or exact title")
    p.add_argument("--delete", type=int, metavar="ID", help="forget saved search ID")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(func=cmd_searches)


def _case_id(svc: Services, ref: str | None) -> int | None:
    if ref is None:
        return None
    try:
        return svc.cases.find(ref).id
    except NotFoundError:
        fail(f"no case {ref!r} (see `cases`)")


@guard
def cmd_search(args: argparse.Namespace, svc: Services) -> int:
    """Run a search, a batch or a saved search and print the hits."""
    case_id = _case_id(svc, args.case)
    if args.batch:
        return _batch(args, svc, case_id)
    if args.saved is not None:
        res = svc.search.run_saved(
            args.saved,
            case_id=case_id,
            limit=args.limit,
            offset=args.offset,
            kind=args.kind,
            group_by=args.group_by,
        )
    else:
        if not args.query:
            fail("give a query, --batch FILE or --saved ID")
        res = svc.search.search(
            case_id,
            args.query,
            limit=args.limit,
            offset=args.offset,
            kind=args.kind,
            group_by=args.group_by,
        )
        if args.save:
            saved = svc.search.save(case_id, args.save, args.query)
            if not args.json:
                print(f"saved as search {saved.id}: {saved.name}", file=sys.stderr)
    if args.json:
        print_json(_results_json(res))
        return 0
    _print_results(res)
    return 0


def _batch(args: argparse.Namespace, svc: Services, case_id: int | None) -> int:
    if args.batch == "-":
        text = sys.stdin.read()
    else:
        try:
            text = Path(args.batch).read_text(encoding="utf-8-sig")
        except OSError as exc:
            fail(f"cannot read {args.batch}: {exc.strerror}")
        except UnicodeDecodeError:
            fail(f"{args.batch} is not UTF-8 text")
    lines = svc.search.batch(case_id, text.splitlines())
    if args.json:
        print_json([_batch_json(b) for b in lines])
        return 0
    rows = [
        (
            b.line,
            b.quote_count,
            b.source_count,
            " ".join(str(i) for i in b.quote_ids[:10]) + (" …" if b.quote_count > 10 else ""),
            b.error,
        )
        for b in lines
    ]
    print_table(["LINE", "QUOTES", "SOURCES", "QUOTE IDS", "ERROR"], rows)
    return 0


@guard
def cmd_searches(args: argparse.Namespace, svc: Services) -> int:
    """List (or delete) saved searches."""
    if args.delete is not None:
        svc.search.delete_saved(args.delete)
        print(f"deleted saved search {args.delete}", file=sys.stderr)
        return 0
    case_id = _case_id(svc, args.case)
    saved = svc.search.list_saved(case_id)
    if args.json:
        print_json([to_jsonable(s) for s in saved])
        return 0
    print_table(
        ["ID", "CASE", "NAME", "QUERY"],
        [(s.id, "all" if s.case_id is None else s.case_id, s.name, s.query) for s in saved],
    )
    return 0


# --- Output


def _hit_json(h: SearchHit) -> dict[str, Any]:
    out: dict[str, Any] = to_jsonable(h)
    out["quote_id"] = h.quote_id
    return out


def _results_json(res: SearchResults) -> dict[str, Any]:
    return {
        "query": res.query,
        "ranked": res.ranked,
        "quote_total": res.quote_total,
        "quote_total_exact": res.quote_total_exact,
        "source_total": res.source_total,
        "source_total_exact": res.source_total_exact,
        "quotes": [_hit_json(h) for h in res.quotes],
        "sources": [_hit_json(h) for h in res.sources],
        "groups": [
            {"key": g.key, "label": g.label, "quote_ids": [h.id for h in g.hits]}
            for g in res.groups
        ],
    }


def _batch_json(b: BatchLine) -> dict[str, Any]:
    return {
        "line": b.line,
        "query": b.query,
        "quote_count": b.quote_count,
        "source_count": b.source_count,
        "quote_ids": list(b.quote_ids),
        "source_ids": list(b.source_ids),
        "error": b.error,
    }


def _total(n: int, exact: bool) -> str:
    return f"{n:,}" if exact else f"{n:,}+"


def _print_results(res: SearchResults) -> None:
    order = "best first" if res.ranked else "newest first"
    print(
        f"{_total(res.quote_total, res.quote_total_exact)} quotes, "
        f"{_total(res.source_total, res.source_total_exact)} sources ({order})"
    )
    if res.groups:
        for g in res.groups:
            print(f"\n{g.label or '(no speaker)'}: {len(g.hits)}")
            print_table(
                ["QUOTE", "SOURCE", "SNIPPET"],
                [(h.id, h.source_id, h.snippet) for h in g.hits],
                max_width=100,
            )
        return
    if res.quotes:
        print()
        print_table(
            ["QUOTE", "SPEAKER", "SOURCE", "SNIPPET"],
            [(h.id, h.label, h.source_id, h.snippet) for h in res.quotes],
            max_width=100,
        )
    if res.sources:
        print()
        print_table(
            ["SOURCE", "TITLE", "SNIPPET"],
            [(h.id, h.label, h.snippet) for h in res.sources],
            max_width=100,
        )
