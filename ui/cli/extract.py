"""The ``extract`` subcommand: suggested quotes, people, places and events for one source.

Without ``--accept-all`` or ``--accept`` it only lists the suggestions (nothing enters the
case); ``--accept-all`` stores them all except those named by ``--reject``; ``--accept KEY,...``
stores only those. Each acceptance is one transaction.
"""

from __future__ import annotations

import argparse
from typing import Any

from services.container import Services
from services.errors import DomainError
from services.extract.model import Extraction
from ui.cli.common import fail, guard, print_json, print_table, to_jsonable


def _keys(text: str) -> tuple[str, ...]:
    keys = tuple(k.strip() for k in text.split(",") if k.strip())
    if not keys:
        raise argparse.ArgumentTypeError("give at least one key, such as q1,q2")
    return keys


def register(sub: Any) -> None:
    """Add the extract subcommand."""
    p = sub.add_parser(
        "extract",
        help="suggest quotes, speakers, people, places and dates in a source; accept them",
        description="Suggest the quotes of a source with their speakers, the people and "
        "organisations it names (with roles), its places and dated events. Without --accept-all "
        "or --accept nothing is stored: the suggestions are listed with their keys.",
    )
    p.add_argument("source", type=int, metavar="SOURCE_ID", help="the source to read")
    what = p.add_mutually_exclusive_group()
    what.add_argument("--accept-all", action="store_true", help="store every suggestion")
    what.add_argument(
        "--accept", type=_keys, metavar="KEYS", help="store these suggestions (comma-separated)"
    )
    p.add_argument(
        "--reject",
        type=_keys,
        metavar="KEYS",
        default=(),
        help="with --accept-all: leave these out (comma-separated)",
    )
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_extract)


def propose(svc: Services, source_id: int) -> Extraction:
    """The suggestions for a source, from the extraction service."""
    extraction = getattr(svc, "extraction", None)
    if extraction is None:
        raise DomainError("quote suggestions are not available in this version")
    result: Extraction = extraction.propose(source_id)
    return result


@guard
def cmd_extract(args: argparse.Namespace, svc: Services) -> int:
    """List or accept the suggestions for one source."""
    if args.reject and not args.accept_all:
        fail("--reject goes with --accept-all")
    source = svc.sources.get(args.source)
    x = propose(svc, source.id)
    if args.accept_all or args.accept:
        if args.accept_all:
            result = svc.review.accept_all(x, rejected=args.reject)
        else:
            result = svc.review.accept(x, list(args.accept))
        if args.json:
            print_json(result)
        else:
            print(f"{source.title}: {result.summary()}.")
            for note in result.notes:
                print(f"  note: {note}")
        return 0
    saved = svc.review.saved_keys(x)
    if args.json:
        print_json({**to_jsonable(x), "saved": sorted(saved)})
        return 0
    _print_listing(source.title, x, saved)
    return 0


def _print_listing(title: str, x: Extraction, saved: frozenset[str]) -> None:
    counts = [
        (len(x.quotes), "quote", "quotes"),
        (len(x.entities), "person or organisation", "people and organisations"),
        (len(x.places), "place", "places"),
        (len(x.events), "event", "events"),
    ]
    print(f"Suggestions for source {x.source_id} “{title}”: ", end="")
    print(", ".join(f"{n} {one if n == 1 else many}" for n, one, many in counts) + ".")
    rows: list[tuple[Any, ...]] = []
    for e in x.entities:
        role = e.role
        org = x.entity(e.affiliation_key)
        if org is not None:
            role = f"{role}, {org.name}" if role else org.name
        match = f"matches #{e.matched_person_id}" if e.matched_person_id is not None else "new"
        rows.append((e.key, e.kind.value, e.name, role, "", match))
    for p in x.places:
        match = f"matches #{p.matched_place_id}" if p.matched_place_id is not None else "new"
        rows.append((p.key, "place", p.name, "", "", match))
    for q in x.quotes:
        speaker = x.entity(q.speaker_key)
        rows.append(
            (
                q.key,
                "quote",
                f"“{q.text}”",
                speaker.name if speaker is not None else "(speaker unknown)",
                q.said.label() if q.said is not None else "",
                "saved" if q.key in saved else "new",
            )
        )
    for ev in x.events:
        rows.append((ev.key, "event", ev.title, "", ev.date.label(), ""))
    print_table(("KEY", "KIND", "TEXT", "SPEAKER / ROLE", "DATE", "STATUS"), rows)
    for note in x.notes:
        print(f"note: {note}")
    if rows:
        print(
            f"Nothing was stored. Store them with: extract {x.source_id} --accept-all "
            "[--reject KEY,...] or --accept KEY,..."
        )
