"""Core subcommands: cases, sources, quotes, people, events, demo and migrate.

Every command prints a readable table (or ``--json``); bad input stops with one line on stderr,
exit status 2, and nothing written.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

from models.dates import PartialDate
from models.db import StoreError, current_revision, head_revision, open_store
from services.container import Services
from services.demo import build_demo
from services.dto import CaseDTO, PersonDTO, QuoteDTO, SourceDTO
from services.errors import NotFoundError
from ui.cli.common import fail, guard, print_json, print_table, to_jsonable

CONFIDENTIAL_MARK = "[confidential]"


def _json_flag(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")


def _case_flag(p: argparse.ArgumentParser) -> None:
    p.add_argument("--case", required=True, metavar="CASE", help="case id or exact title")


def register(sub: Any) -> None:
    """Add the core subcommands."""
    from ui.cli import edit

    p = sub.add_parser("cases", help="list cases", description="List the store's cases.")
    _json_flag(p)
    p.set_defaults(func=cmd_cases)

    p = sub.add_parser("new-case", help="create a case", description="Create a case.")
    p.add_argument("title", help="the case's title")
    p.add_argument("--summary", default="", help="a line or two on the story")
    p.add_argument("--author", default="", help="who keeps the case")
    _json_flag(p)
    p.set_defaults(func=cmd_new_case)

    p = sub.add_parser(
        "sources", help="list a case's sources", description="List the sources of a case."
    )
    _case_flag(p)
    _json_flag(p)
    p.set_defaults(func=cmd_sources)

    p = sub.add_parser(
        "source",
        help="show one source: metadata and full text",
        description="Show one source's metadata and its full extracted text.",
    )
    p.add_argument("id", type=int, help="source id")
    p.add_argument("--no-text", action="store_true", help="metadata only")
    _json_flag(p)
    p.set_defaults(func=cmd_source)

    p = sub.add_parser(
        "edit-source",
        help="change a source's metadata",
        description="Change a source's metadata (never its text). Only the options given change.",
    )
    p.add_argument("id", type=int, help="source id")
    p.add_argument("--title")
    p.add_argument("--author")
    p.add_argument("--publisher")
    p.add_argument("--url", help="web address (http:// or https://)")
    p.add_argument("--published", metavar="YYYY-MM-DD", help="publication date")
    p.add_argument("--language", help="language code such as en or ar")
    p.add_argument("--grade", metavar="A1..F6", help="Admiralty grade, e.g. B2 (empty clears)")
    p.add_argument(
        "--confidentiality", choices=["on_record", "background", "confidential"], default=None
    )
    p.add_argument("--descriptor", help="what to call a confidential source outside the machine")
    p.add_argument("--note")
    p.add_argument(
        "--expected-version",
        type=int,
        metavar="N",
        help="refuse the change if someone else saved the source since version N",
    )
    edit.register_source_options(p)
    _json_flag(p)
    p.set_defaults(func=cmd_edit_source)

    p = sub.add_parser(
        "quotes",
        help="list a case's quotes with their speakers",
        description="List the quotes of a case in source order, with their speakers.",
    )
    _case_flag(p)
    p.add_argument("--speaker", metavar="NAME", help="only this speaker (name or alias)")
    p.add_argument("--source", type=int, metavar="ID", help="only quotes from this source")
    p.add_argument(
        "--status", choices=["unverified", "verified", "disputed", "retracted"], default=None
    )
    _json_flag(p)
    p.set_defaults(func=cmd_quotes)

    p = sub.add_parser("quote", help="add a quote", description="Work on quotes.")
    qsub = p.add_subparsers(dest="quote_command", metavar="ACTION", required=True)
    p = qsub.add_parser(
        "add",
        help="create a quote from a span of a source's text",
        description="Create a quote from the characters START..END of a source's text "
        "(Python string offsets, END exclusive; `source ID` shows the text).",
    )
    p.add_argument("--source", type=int, required=True, metavar="ID", help="source id")
    p.add_argument("--start", type=int, required=True, metavar="N", help="first character")
    p.add_argument("--end", type=int, required=True, metavar="N", help="one past the last")
    p.add_argument(
        "--speaker", metavar="NAME", help="speaker's name or alias (a person of the case)"
    )
    p.add_argument("--text", metavar="T", help="the exact text expected at the span (a check)")
    p.add_argument("--said", metavar="DATE", help="when it was said: 2021-01-25, 2021-01, ...")
    p.add_argument(
        "--status", choices=["unverified", "verified", "disputed", "retracted"], default=None
    )
    p.add_argument("--note", default="")
    p.add_argument("--tag", action="append", default=[], metavar="TAG", help="repeatable")
    _json_flag(p)
    p.set_defaults(func=cmd_quote_add)
    edit.register_quote_actions(qsub)

    p = sub.add_parser(
        "people",
        help="list a case's people and organisations",
        description="List the people and organisations of a case.",
    )
    _case_flag(p)
    p.add_argument("--kind", choices=["person", "organisation"], default=None)
    _json_flag(p)
    p.set_defaults(func=cmd_people)

    p = sub.add_parser("person", help="add a person", description="Work on people.")
    psub = p.add_subparsers(dest="person_command", metavar="ACTION", required=True)
    p = psub.add_parser(
        "add",
        help="add a person or organisation",
        description="Add a person or organisation to a case. --org names an organisation of "
        "the case (by name or alias); it is created if the case does not have it yet.",
    )
    p.add_argument("name")
    _case_flag(p)
    p.add_argument(
        "--alias", action="append", default=[], metavar="A", help="another spelling (repeatable)"
    )
    p.add_argument("--role", default="", metavar="R", help="role or title")
    p.add_argument("--org", metavar="ORG", help="organisation the person belongs to")
    p.add_argument("--org-role", metavar="R", help="role held in --org (default: --role)")
    p.add_argument("--kind", choices=["person", "organisation"], default="person")
    p.add_argument("--confidential", action="store_true", help="a protected source")
    p.add_argument("--descriptor", default="", help="what to call a confidential person in exports")
    p.add_argument("--notes", default="")
    p.add_argument(
        "--allow-duplicate",
        action="store_true",
        help="add even if the case has someone with this name or alias",
    )
    _json_flag(p)
    p.set_defaults(func=cmd_person_add)
    edit.register_person_actions(psub)

    p = sub.add_parser(
        "events",
        help="list a case's events in date order",
        description="List the events of a case in date order (undated last).",
    )
    _case_flag(p)
    p.add_argument("--person", metavar="NAME", help="only events linked to this person")
    p.add_argument("--source", type=int, metavar="ID", help="only events linked to this source")
    _json_flag(p)
    p.set_defaults(func=cmd_events)

    p = sub.add_parser(
        "demo",
        help="build the sample case from resources/samples/",
        description="Create the sample case: one article, its quotes, people, places, events.",
    )
    _json_flag(p)
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser(
        "migrate",
        help="upgrade the store's schema",
        description="Bring the store's schema up to this version of Sourcebook. SQLite stores "
        "upgrade on open (after a backup beside the file); a PostgreSQL store shared by a team "
        "is upgraded only by this command.",
    )
    _json_flag(p)
    p.set_defaults(func=cmd_migrate, no_store=True)


# --- Helpers


def _case(svc: Services, ref: str) -> CaseDTO:
    try:
        return svc.cases.find(ref)
    except NotFoundError:
        fail(f"no case {ref!r} (see `cases`)")


def _speaker(svc: Services, case_id: int, name: str) -> PersonDTO:
    person = svc.people.find(case_id, name)
    if person is None:
        fail(f"no person or organisation called {name!r} in this case (see `people`)")
    return person


def _date(text: str | None, what: str) -> PartialDate | None:
    if text is None or not text.strip():
        return None
    try:
        return PartialDate.parse(text)
    except ValueError as exc:
        fail(f"{what}: {exc}")


def _name(label: str, confidential: bool) -> str:
    # The mark goes first so that clipping a long name in a table never hides it.
    return f"{CONFIDENTIAL_MARK} {label}" if confidential else label


def source_json(src: SourceDTO, text: str | None = None) -> dict[str, Any]:
    """A source as JSON, with its ``confidential`` flag and grade."""
    out: dict[str, Any] = to_jsonable(src)
    out["confidential"] = src.confidential
    out["grade"] = src.grade
    if text is not None:
        out["text"] = text
    return out


def quote_json(q: QuoteDTO) -> dict[str, Any]:
    """A quote as JSON: ``speaker_confidential`` and ``source_confidential`` mark protection."""
    out: dict[str, Any] = to_jsonable(q)
    out["said_label"] = q.said.label() if q.said else None
    return out


def _affiliations(p: PersonDTO) -> str:
    return "; ".join(
        f"{a.role}, {a.organisation_name}" if a.role else a.organisation_name
        for a in p.affiliations
    )


# --- Cases


@guard
def cmd_cases(args: argparse.Namespace, svc: Services) -> int:
    """List cases."""
    cases = svc.cases.list()
    if args.json:
        print_json(cases)
        return 0
    rows = []
    for c in cases:
        n = svc.cases.counts(c.id)
        rows.append((c.id, c.title, n["sources"], n["quotes"], n["people"], c.updated_at.date()))
    print_table(["ID", "TITLE", "SOURCES", "QUOTES", "PEOPLE", "UPDATED"], rows)
    return 0


@guard
def cmd_new_case(args: argparse.Namespace, svc: Services) -> int:
    """Create a case."""
    case = svc.cases.create(args.title, summary=args.summary, author=args.author)
    if args.json:
        print_json(case)
    else:
        print(f"created case {case.id}: {case.title}")
    return 0


# --- Sources


@guard
def cmd_sources(args: argparse.Namespace, svc: Services) -> int:
    """List a case's sources."""
    case = _case(svc, args.case)
    sources = svc.sources.list(case.id)
    if args.json:
        print_json([source_json(s) for s in sources])
        return 0
    rows = [
        (
            s.id,
            s.kind.value,
            _name(s.title, s.confidential),
            s.publisher,
            s.published_on,
            s.grade,
            svc.quotes.count(source_id=s.id),
            s.text_length,
        )
        for s in sources
    ]
    print_table(["ID", "KIND", "TITLE", "PUBLISHER", "PUBLISHED", "GRADE", "QUOTES", "CHARS"], rows)
    return 0


def _source_fields(s: SourceDTO) -> list[tuple[str, Any]]:
    fields: list[tuple[str, Any]] = [
        ("id", s.id),
        ("case", s.case_id),
        ("title", s.title),
        ("kind", s.kind.value),
        ("author", s.author),
        ("publisher", s.publisher),
        ("url", s.url),
        ("published", s.published_on),
        ("retrieved", s.retrieved_at),
        ("language", s.language),
        ("grade", s.grade),
        ("confidentiality", s.confidentiality.value),
        ("descriptor", s.descriptor if s.confidential else ""),
        ("file", s.file_name),
        ("media type", s.media_type),
        ("size", f"{s.size} bytes" if s.size is not None else None),
        ("sha256", s.sha256),
        (
            "revision",
            s.revision if s.revision_of_id is None else f"{s.revision} of {s.revision_of_id}",
        ),
        ("tags", ", ".join(s.tags)),
        ("note", s.note),
        ("characters", s.text_length),
        ("version", s.version),
    ]
    return [(k, v) for k, v in fields if v not in (None, "")]


@guard
def cmd_source(args: argparse.Namespace, svc: Services) -> int:
    """Show a source's metadata and full text."""
    src = svc.sources.get(args.id)
    text = None if args.no_text else svc.sources.get_text(args.id)
    if args.json:
        print_json(source_json(src, text))
        return 0
    fields = _source_fields(src)
    width = max(len(k) for k, _ in fields)
    for key, value in fields:
        print(f"{key.ljust(width)}  {value}")
    if text is not None:
        print()
        print(text)
    return 0


@guard
def cmd_edit_source(args: argparse.Namespace, svc: Services) -> int:
    """Change a source's metadata."""
    from ui.cli import edit

    values: dict[str, Any] = {}
    for key in ("title", "author", "publisher", "url", "language", "descriptor", "note"):
        if getattr(args, key) is not None:
            values[key] = getattr(args, key)
    if args.confidentiality is not None:
        values["confidentiality"] = args.confidentiality
    if args.published is not None:
        date = _date(args.published, "--published")
        values["published_on"] = date.start if date else None
    if args.grade is not None:
        grade = args.grade.strip().upper()
        if len(grade) not in (0, 2):
            fail(f"a grade is a letter A–F and a digit 1–6, such as B2, not {args.grade!r}")
        values["reliability"] = grade[:1] or None
        values["credibility"] = grade[1:] or None
    values.update(edit.source_values(args, svc))
    tags = edit.checked_tags(args.tags)
    if not values and tags is None:
        fail("nothing to change: give at least one option (see `edit-source --help`)")
    if values or args.expected_version is not None:
        src = svc.sources.update(args.id, expected_version=args.expected_version, **values)
    if tags is not None:
        svc.tags.set_tags("source", args.id, tags)
    src = svc.sources.get(args.id)
    if args.json:
        print_json(source_json(src))
    else:
        print(f"updated source {src.id}: {src.title} (version {src.version})")
    return 0


# --- Quotes


@guard
def cmd_quotes(args: argparse.Namespace, svc: Services) -> int:
    """List a case's quotes."""
    case = _case(svc, args.case)
    speaker_id = _speaker(svc, case.id, args.speaker).id if args.speaker else None
    if args.source is not None and svc.sources.get(args.source).case_id != case.id:
        fail(f"source {args.source} is not in case {case.id}")
    quotes = svc.quotes.list(
        case.id, speaker_id=speaker_id, source_id=args.source, status=args.status
    )
    people = {p.id: p for p in svc.people.list(case.id)}
    roles = {q.id: _role_when_said(people.get(q.speaker_id or -1), q) for q in quotes}
    if args.json:
        print_json([{**quote_json(q), "speaker_role": roles[q.id] or None} for q in quotes])
        return 0
    rows = [
        (
            q.id,
            q.source_id,
            f"{q.start}-{q.end}",
            _name(q.speaker_name, q.speaker_confidential) if q.speaker_name else "",
            roles[q.id],
            q.said.label() if q.said else "",
            q.status.value,
            f"“{q.text}”",
        )
        for q in quotes
    ]
    print_table(
        ["ID", "SOURCE", "SPAN", "SPEAKER", "ROLE THEN", "SAID", "STATUS", "TEXT"],
        rows,
        max_width=50,
    )
    return 0


def _role_when_said(person: PersonDTO | None, q: QuoteDTO) -> str:
    """The role the speaker held when the quote was said (their general role otherwise)."""
    if person is None:
        return ""
    held = person.role_on(q.said.start if q.said else None)
    if held is None:
        return person.role
    role, org = held
    return f"{role}, {org}" if role else org


@guard
def cmd_quote_add(args: argparse.Namespace, svc: Services) -> int:
    """Create a quote from a span."""
    src = svc.sources.get(args.source)
    speaker = _speaker(svc, src.case_id, args.speaker) if args.speaker else None
    said = _date(args.said, "--said")
    q = svc.quotes.create(
        src.id,
        args.start,
        args.end,
        text=args.text,
        speaker_id=speaker.id if speaker else None,
        said=said,
        status=args.status or "unverified",
        note=args.note,
        tags=args.tag,
    )
    if args.json:
        print_json(quote_json(q))
    else:
        who = f" ({q.speaker_name})" if q.speaker_name else ""
        print(f"created quote {q.id}{who}: “{q.text}”")
    return 0


# --- People


@guard
def cmd_people(args: argparse.Namespace, svc: Services) -> int:
    """List a case's people and organisations."""
    case = _case(svc, args.case)
    people = svc.people.list(case.id, kind=args.kind)
    if args.json:
        print_json(people)
        return 0
    rows = [
        (
            p.id,
            "org" if p.kind.value == "organisation" else "person",
            _name(p.name, p.confidential),
            ", ".join(p.aliases),
            p.role,
            _affiliations(p),
        )
        for p in people
    ]
    print_table(["ID", "KIND", "NAME", "ALIASES", "ROLE", "AFFILIATIONS"], rows, max_width=50)
    return 0


@guard
def cmd_person_add(args: argparse.Namespace, svc: Services) -> int:
    """Add a person or organisation."""
    case = _case(svc, args.case)
    if not args.allow_duplicate:
        for name in (args.name, *args.alias):
            same = svc.people.find(case.id, name)
            if same is not None:
                fail(
                    f"{name!r} is already in this case as {same.name} (id {same.id}); "
                    "use --allow-duplicate to add another"
                )
    p = svc.people.create(
        case.id,
        args.name,
        kind=args.kind,
        aliases=args.alias,
        role=args.role,
        confidential=args.confidential,
        descriptor=args.descriptor,
        notes=args.notes,
        organisation=args.org,
        organisation_role=args.org_role,
    )
    if args.json:
        print_json(p)
    else:
        extra = f" ({_affiliations(p)})" if p.affiliations else ""
        print(f"added {p.kind.value} {p.id}: {_name(p.name, p.confidential)}{extra}")
    return 0


# --- Events


def _names(ids: Sequence[int], names: dict[int, str]) -> str:
    return ", ".join(names.get(i, f"#{i}") for i in ids)


@guard
def cmd_events(args: argparse.Namespace, svc: Services) -> int:
    """List a case's events."""
    case = _case(svc, args.case)
    person_id = _speaker(svc, case.id, args.person).id if args.person else None
    if args.source is not None and svc.sources.get(args.source).case_id != case.id:
        fail(f"source {args.source} is not in case {case.id}")
    events = svc.events.list(case.id, person_id=person_id, source_id=args.source)
    if args.json:
        print_json(events)
        return 0
    names = {p.id: p.public_label for p in svc.people.list(case.id)}
    rows = [
        (
            e.id,
            e.date.label() if e.date else "",
            e.title,
            e.place_name or "",
            _names(e.person_ids, names),
            len(e.quote_ids),
        )
        for e in events
    ]
    print_table(["ID", "DATE", "TITLE", "PLACE", "PEOPLE", "QUOTES"], rows, max_width=50)
    return 0


# --- Demo and schema


@guard
def cmd_demo(args: argparse.Namespace, svc: Services) -> int:
    """Build the sample case."""
    case = build_demo(svc)
    counts = svc.cases.counts(case.id)
    if args.json:
        print_json({"case": case, "counts": counts})
    else:
        print(f"created sample case {case.id}: {case.title}")
        print(", ".join(f"{n} {k}" for k, n in counts.items()))
        print(f"try: python main.py quotes --case {case.id}")
    return 0


@guard
def cmd_migrate(args: argparse.Namespace, _svc: None) -> int:
    """Upgrade the store's schema to this version's newest revision."""
    try:
        store = open_store(args.db, allow_server_upgrade=True)
    except StoreError as exc:
        fail(str(exc))
    before, backup = store.schema_before, store.backup_path
    try:
        after = current_revision(store.engine)
    finally:
        store.close()
    result = {
        "store": store.url,
        "from": before,
        "to": after,
        "head": head_revision(),
        "backup": str(backup) if backup else None,
    }
    if args.json:
        print_json(result)
    elif before == after:
        print(f"the store is up to date (schema {after})")
    else:
        print(f"upgraded the store's schema from {before or 'empty'} to {after}")
        if backup:
            print(f"backup of the old store: {backup}")
    return 0
