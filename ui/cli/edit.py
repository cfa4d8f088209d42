"""Editing subcommands: every editable field can be changed from the shell, as in the window.

Cases, sources, quotes, people, affiliations, places, events and tags.

Only the options given change. ``--expected-version N`` refuses the change when someone else
saved the row since version N (the message shows both versions). Bad input stops with one line
on stderr, exit status 2, and nothing written.
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import Any

from services.container import Services
from services.dto import PersonDTO, PlaceDTO
from services.errors import DomainError, InUseError
from services.sources import QuoteDisposition
from services.tags import clean_tag
from ui.cli.common import fail, guard, print_json, print_table, to_jsonable
from ui.cli.core import (
    _case,
    _date,
    _json_flag,
    _name,
    _speaker,
    quote_json,
    source_json,
)

STATUSES = ["unverified", "verified", "disputed", "retracted"]
KINDS = ["web_page", "pdf", "word", "email", "interview_note", "plain_text"]


def _version_flag(p: argparse.ArgumentParser, noun: str) -> None:
    p.add_argument(
        "--expected-version",
        type=int,
        metavar="N",
        help=f"refuse the change if someone else saved the {noun} since version N",
    )


def _tags_flag(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--tags", metavar="T1,T2", help="replace the tags (comma-separated; empty clears)"
    )


def _split(text: str) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()]


def checked_tags(text: str | None) -> list[str] | None:
    """``--tags`` as names, each checked before anything is written."""
    if text is None:
        return None
    try:
        return [clean_tag(t) for t in _split(text)]
    except DomainError as exc:
        fail(f"--tags: {exc}")


def _day(text: str | None, what: str) -> dt.date | None:
    """A single day (``2021-01-25``), or None for an empty value."""
    date = _date(text, what)
    if date is None:
        return None
    if date.start != date.end:
        fail(f"{what}: give one day (YYYY-MM-DD), not {text!r}")
    return date.start


def _moment(text: str, what: str) -> dt.datetime | None:
    """A date and time (``2024-03-02T10:30``; UTC unless a zone is given), or None if empty."""
    if not text.strip():
        return None
    try:
        value = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        fail(f"{what}: not a date and time such as 2024-03-02T10:30: {text!r}")
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _number(text: str, what: str) -> float | None:
    if not text.strip():
        return None
    try:
        return float(text)
    except ValueError:
        fail(f"{what}: not a number: {text!r}")


def _ref(text: str) -> tuple[str, str]:
    kind, sep, ident = text.partition(":")
    if not sep or not ident.strip():
        fail(f"{text!r}: write KIND:ID such as person:Mazloum Abdi, source:1 or quote:3")
    return kind.strip(), ident.strip()


def _int(text: str, what: str) -> int:
    try:
        return int(text)
    except ValueError:
        fail(f"{what}: {text!r} is not a number")


def _place(svc: Services, case_id: int, name: str) -> PlaceDTO:
    place = svc.places.find(case_id, name)
    if place is None:
        fail(f"no place called {name!r} in this case (see `places`)")
    return place


def _org(svc: Services, case_id: int, name: str) -> PersonDTO:
    org = svc.people.find(case_id, name)
    if org is None:
        fail(f"no organisation called {name!r} in this case (see `people --kind organisation`)")
    return org


def _changed(values: dict[str, Any], command: str) -> None:
    if not values:
        fail(f"nothing to change: give at least one option (see `{command} --help`)")


# --- Registration


def register(sub: Any) -> None:
    """Add edit-case, revise-source, delete-source, places, place, event, tag and tags."""
    p = sub.add_parser(
        "edit-case",
        help="change a case's title, summary or author",
        description="Change a case's title, summary or author. Only the options given change.",
    )
    p.add_argument("case", metavar="CASE", help="case id or exact title")
    p.add_argument("--title")
    p.add_argument("--summary")
    p.add_argument("--author")
    _version_flag(p, "case")
    _json_flag(p)
    p.set_defaults(func=cmd_edit_case)

    p = sub.add_parser(
        "revise-source",
        help="correct a source's text (a new revision once quotes point into it)",
        description="Replace a source's text with the text of FILE (UTF-8). Once a quote points "
        "into the text, it never changes: a new revision of the source is made, and the old "
        "text and its quotes stay.",
    )
    p.add_argument("id", type=int, help="source id")
    p.add_argument("--text-file", required=True, metavar="FILE", help="the corrected text")
    p.add_argument("--note", default="", help="what was corrected")
    _json_flag(p)
    p.set_defaults(func=cmd_revise_source)

    p = sub.add_parser(
        "delete-source",
        help="delete a source (says what becomes of its quotes)",
        description="Delete a source. A source with quotes is refused until you say what "
        "becomes of them: --quotes delete deletes them with it; --quotes move --move-to ID "
        "re-anchors each in another source (a revision) by its exact text.",
    )
    p.add_argument("id", type=int, help="source id")
    p.add_argument("--quotes", choices=["delete", "move"], help="what becomes of its quotes")
    p.add_argument("--move-to", type=int, metavar="ID", help="source the quotes move to")
    _json_flag(p)
    p.set_defaults(func=cmd_delete_source)

    p = sub.add_parser(
        "places", help="list a case's places", description="List a case's places and spellings."
    )
    p.add_argument("--case", required=True, metavar="CASE", help="case id or exact title")
    _json_flag(p)
    p.set_defaults(func=cmd_places)

    p = sub.add_parser("place", help="add or edit a place", description="Work on places.")
    psub = p.add_subparsers(dest="place_command", metavar="ACTION", required=True)
    p = psub.add_parser("add", help="add a place", description="Add a place to a case.")
    p.add_argument("name")
    p.add_argument("--case", required=True, metavar="CASE", help="case id or exact title")
    p.add_argument("--alias", action="append", default=[], metavar="A", help="repeatable")
    p.add_argument("--lat", default="", help="latitude (-90..90)")
    p.add_argument("--lon", default="", help="longitude (-180..180)")
    p.add_argument("--notes", default="")
    _json_flag(p)
    p.set_defaults(func=cmd_place_add)
    p = psub.add_parser(
        "edit", help="change a place", description="Change a place. Only the options given change."
    )
    p.add_argument("id", type=int, help="place id")
    p.add_argument("--name")
    p.add_argument("--aliases", metavar="A1,A2", help="replace the other spellings")
    p.add_argument("--lat", help="latitude (-90..90; empty clears)")
    p.add_argument("--lon", help="longitude (-180..180; empty clears)")
    p.add_argument("--notes")
    p.add_argument(
        "--mention",
        action="append",
        default=[],
        metavar="KIND:ID",
        help="record that source:ID or quote:ID mentions the place (repeatable)",
    )
    p.add_argument("--unmention", action="append", default=[], metavar="KIND:ID")
    _version_flag(p, "place")
    _json_flag(p)
    p.set_defaults(func=cmd_place_edit)

    p = sub.add_parser("event", help="add or edit an event", description="Work on events.")
    esub = p.add_subparsers(dest="event_command", metavar="ACTION", required=True)
    p = esub.add_parser(
        "add", help="add an event", description="Add an event to a case's timeline."
    )
    p.add_argument("title")
    p.add_argument("--case", required=True, metavar="CASE", help="case id or exact title")
    p.add_argument("--date", help="2021-01-25, 2021-01, 2021, late 2021-01, a..b, ~a..b")
    p.add_argument("--place", metavar="NAME", help="a place of the case (name or spelling)")
    p.add_argument("--description", default="")
    p.add_argument(
        "--link",
        action="append",
        default=[],
        metavar="KIND:ID",
        help="person:NAME, source:ID or quote:ID (repeatable)",
    )
    _json_flag(p)
    p.set_defaults(func=cmd_event_add)
    p = esub.add_parser(
        "edit",
        help="change an event",
        description="Change an event. Only the options given change.",
    )
    p.add_argument("id", type=int, help="event id")
    p.add_argument("--title")
    p.add_argument("--date", help="a partial date (empty clears)")
    p.add_argument("--place", metavar="NAME", help="a place of the case (empty clears)")
    p.add_argument("--description")
    p.add_argument("--link", action="append", default=[], metavar="KIND:ID")
    p.add_argument("--unlink", action="append", default=[], metavar="KIND:ID")
    _version_flag(p, "event")
    _json_flag(p)
    p.set_defaults(func=cmd_event_edit)

    p = sub.add_parser(
        "tag",
        help="tag a source, quote, person, place or event",
        description="Add, remove or replace the tags of one source, quote, person, place or "
        "event; prints its tags.",
    )
    p.add_argument("kind", choices=["source", "quote", "person", "place", "event"])
    p.add_argument("id", type=int)
    p.add_argument("--add", action="append", default=[], metavar="TAG", help="repeatable")
    p.add_argument("--remove", action="append", default=[], metavar="TAG", help="repeatable")
    _tags_flag(p)
    _json_flag(p)
    p.set_defaults(func=cmd_tag)

    p = sub.add_parser(
        "tags",
        help="list a case's tags, or rename one",
        description="List a case's tags with how many things carry each.",
    )
    p.add_argument("--case", required=True, metavar="CASE", help="case id or exact title")
    p.add_argument("--rename", nargs=2, metavar=("OLD", "NEW"), help="rename a tag everywhere")
    _json_flag(p)
    p.set_defaults(func=cmd_tags)


def register_source_options(p: argparse.ArgumentParser) -> None:
    """Options of ``edit-source`` beyond the core ones: kind, retrieval time, file name, meta."""
    p.add_argument("--kind", choices=KINDS)
    p.add_argument("--retrieved", metavar="WHEN", help="when it was retrieved (ISO; empty clears)")
    p.add_argument("--file-name", help="the original file's name")
    p.add_argument(
        "--meta",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="set an extra metadata field (empty VALUE removes it; repeatable)",
    )
    _tags_flag(p)


def source_values(args: argparse.Namespace, svc: Services) -> dict[str, Any]:
    """The extra ``edit-source`` options as service values (tags are applied separately)."""
    values: dict[str, Any] = {}
    if args.kind is not None:
        values["kind"] = args.kind
    if args.retrieved is not None:
        values["retrieved_at"] = _moment(args.retrieved, "--retrieved")
    if args.file_name is not None:
        values["file_name"] = args.file_name
    if args.meta:
        meta = dict(svc.sources.get(args.id).meta)
        for item in args.meta:
            key, sep, value = item.partition("=")
            if not sep or not key.strip():
                fail(f"--meta: write KEY=VALUE, not {item!r}")
            if value:
                meta[key.strip()] = value
            else:
                meta.pop(key.strip(), None)
        values["meta"] = meta
    return values


def register_quote_actions(qsub: Any) -> None:
    """``quote edit`` and ``quote delete``."""
    p = qsub.add_parser(
        "edit",
        help="change a quote",
        description="Change a quote's speaker, date, status, check, note, language, "
        "translation, tags or span. Only the options given change.",
    )
    p.add_argument("id", type=int, help="quote id")
    p.add_argument("--speaker", metavar="NAME", help="speaker's name or alias (empty clears)")
    p.add_argument("--said", metavar="DATE", help="when it was said (empty clears)")
    p.add_argument("--status", choices=STATUSES)
    p.add_argument("--checked-by", metavar="WHO")
    p.add_argument("--checked-at", metavar="WHEN", help="ISO date and time (empty clears)")
    p.add_argument("--note")
    p.add_argument("--language", metavar="CODE")
    p.add_argument("--translation")
    p.add_argument("--translation-language", metavar="CODE")
    p.add_argument("--translator")
    p.add_argument("--start", type=int, metavar="N", help="move the span (with --end)")
    p.add_argument("--end", type=int, metavar="N", help="move the span (with --start)")
    _tags_flag(p)
    _version_flag(p, "quote")
    _json_flag(p)
    p.set_defaults(func=cmd_quote_edit)

    p = qsub.add_parser("delete", help="delete a quote", description="Delete one quote.")
    p.add_argument("id", type=int, help="quote id")
    _json_flag(p)
    p.set_defaults(func=cmd_quote_delete)


def register_person_actions(psub: Any) -> None:
    """``person edit``, ``affiliate``, ``edit-affiliation``, ``merge`` and ``delete``."""
    p = psub.add_parser(
        "edit",
        help="change a person or organisation",
        description="Change a person's fields. Only the options given change.",
    )
    p.add_argument("id", type=int, help="person id")
    p.add_argument("--name")
    p.add_argument("--kind", choices=["person", "organisation"])
    p.add_argument("--role")
    p.add_argument("--contact")
    flag = p.add_mutually_exclusive_group()
    flag.add_argument("--confidential", action="store_true", default=None, help="protect")
    flag.add_argument(
        "--not-confidential", dest="confidential", action="store_false", help="unprotect"
    )
    p.add_argument("--descriptor")
    p.add_argument("--notes")
    p.add_argument("--aliases", metavar="A1,A2", help="replace the other spellings")
    p.add_argument("--add-alias", action="append", default=[], metavar="A", help="repeatable")
    p.add_argument(
        "--mentioned-in",
        action="append",
        default=[],
        type=int,
        metavar="SOURCE_ID",
        help="record that a source mentions this person (repeatable)",
    )
    p.add_argument("--not-mentioned-in", action="append", default=[], type=int, metavar="SOURCE_ID")
    _tags_flag(p)
    _version_flag(p, "person")
    _json_flag(p)
    p.set_defaults(func=cmd_person_edit)

    p = psub.add_parser(
        "affiliate",
        help="record a role held in an organisation, with its dates",
        description="Record that a person held ROLE in an organisation from one day to another "
        "(titles change: a quote cites the role its speaker had on the day).",
    )
    p.add_argument("id", type=int, help="person id")
    p.add_argument("--org", required=True, metavar="ORG", help="an organisation of the case")
    p.add_argument("--role", default="")
    p.add_argument("--from", dest="start", metavar="YYYY-MM-DD", help="first day held")
    p.add_argument("--to", dest="end", metavar="YYYY-MM-DD", help="last day held")
    _json_flag(p)
    p.set_defaults(func=cmd_person_affiliate)

    p = psub.add_parser(
        "edit-affiliation",
        help="change or remove an affiliation",
        description="Change an affiliation's organisation, role or dates, or remove it "
        "(ids in `people --json`).",
    )
    p.add_argument("id", type=int, help="affiliation id")
    p.add_argument("--org", metavar="ORG")
    p.add_argument("--role")
    p.add_argument("--from", dest="start", metavar="YYYY-MM-DD", help="empty clears")
    p.add_argument("--to", dest="end", metavar="YYYY-MM-DD", help="empty clears")
    p.add_argument("--remove", action="store_true", help="delete the affiliation")
    _version_flag(p, "affiliation")
    _json_flag(p)
    p.set_defaults(func=cmd_edit_affiliation)

    p = psub.add_parser(
        "merge",
        help="merge one person into another",
        description="Merge OTHER into SURVIVOR: names and aliases, quotes, links, affiliations "
        "and tags move to the survivor, then OTHER is deleted.",
    )
    p.add_argument("survivor", type=int, help="person id that stays")
    p.add_argument("other", type=int, help="person id merged into it")
    _json_flag(p)
    p.set_defaults(func=cmd_person_merge)

    p = psub.add_parser(
        "delete",
        help="delete a person who speaks no quote",
        description="Delete a person or organisation that speaks no quote and has no "
        "affiliation (merge or change the speakers first).",
    )
    p.add_argument("id", type=int, help="person id")
    _json_flag(p)
    p.set_defaults(func=cmd_person_delete)


# --- Cases and sources


@guard
def cmd_edit_case(args: argparse.Namespace, svc: Services) -> int:
    """Change a case."""
    case = _case(svc, args.case)
    values = {k: getattr(args, k) for k in ("title", "summary", "author")}
    values = {k: v for k, v in values.items() if v is not None}
    _changed(values, "edit-case")
    case = svc.cases.update(case.id, expected_version=args.expected_version, **values)
    if args.json:
        print_json(case)
    else:
        print(f"updated case {case.id}: {case.title} (version {case.version})")
    return 0


@guard
def cmd_revise_source(args: argparse.Namespace, svc: Services) -> int:
    """Correct a source's text."""
    svc.sources.get(args.id)
    path = Path(args.text_file)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        fail(f"{path}: no such file")
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"{path}: cannot read it as UTF-8 text ({exc.__class__.__name__})")
    if not text.strip():
        fail(f"{path}: the file is empty")
    src = svc.sources.revise(args.id, text, note=args.note)
    if args.json:
        print_json(source_json(src))
    elif src.id == args.id:
        print(f"replaced the text of source {src.id} (no quote pointed into it)")
    else:
        print(f"source {args.id} has quotes: its text stays; new revision {src.id} made")
    return 0


@guard
def cmd_delete_source(args: argparse.Namespace, svc: Services) -> int:
    """Delete a source, saying what becomes of its quotes."""
    disposition = QuoteDisposition(args.quotes) if args.quotes else None
    if disposition is QuoteDisposition.MOVE and args.move_to is None:
        fail("--quotes move needs --move-to ID (the source the quotes move to)")
    if args.move_to is not None and disposition is not QuoteDisposition.MOVE:
        fail("--move-to goes with --quotes move")
    src = svc.sources.get(args.id)
    n = svc.sources.quote_count(args.id)
    try:
        svc.sources.delete(args.id, quotes=disposition, move_to=args.move_to)
    except InUseError as exc:
        if exc.count:
            fail(
                f"source {args.id} has {exc.count} quote(s): say what becomes of them with "
                "--quotes delete, or --quotes move --move-to ID"
            )
        raise
    result = {"deleted": src.id, "title": src.title, "quotes": n, "quotes_went": args.quotes}
    if args.json:
        print_json(result)
    else:
        what = {"delete": "deleted with it", "move": f"moved to source {args.move_to}"}
        tail = f"; its {n} quote(s) {what[args.quotes]}" if n else ""
        print(f"deleted source {src.id}: {src.title}{tail}")
    return 0


# --- Quotes


@guard
def cmd_quote_edit(args: argparse.Namespace, svc: Services) -> int:
    """Change a quote."""
    q = svc.quotes.get(args.id)
    values: dict[str, Any] = {}
    if args.speaker is not None:
        values["speaker_id"] = (
            _speaker(svc, q.case_id, args.speaker).id if args.speaker.strip() else None
        )
    if args.said is not None:
        values["said"] = _date(args.said, "--said")
    if args.status is not None:
        values["status"] = args.status
    if args.checked_at is not None:
        values["checked_at"] = _moment(args.checked_at, "--checked-at")
    for key in ("checked_by", "note", "language", "translation", "translation_language"):
        if getattr(args, key) is not None:
            values[key] = getattr(args, key)
    if args.translator is not None:
        values["translator"] = args.translator
    if (args.start is None) != (args.end is None):
        fail("give both --start and --end to move the span")
    tags = checked_tags(args.tags)
    if not values and args.start is None and tags is None:
        fail("nothing to change: give at least one option (see `quote edit --help`)")
    version = args.expected_version
    if args.start is not None:
        q = svc.quotes.move_span(args.id, args.start, args.end, expected_version=version)
        version = None if version is None else q.version
    if values:
        q = svc.quotes.update(args.id, expected_version=version, **values)
    if tags is not None:
        q = svc.quotes.set_tags(args.id, tags)
    if args.json:
        print_json(quote_json(q))
    else:
        who = f" ({q.speaker_name})" if q.speaker_name else ""
        print(f"updated quote {q.id}{who} (version {q.version}): “{q.text}”")
    return 0


@guard
def cmd_quote_delete(args: argparse.Namespace, svc: Services) -> int:
    """Delete a quote."""
    q = svc.quotes.get(args.id)
    svc.quotes.delete(args.id)
    if args.json:
        print_json({"deleted": q.id, "text": q.text})
    else:
        print(f"deleted quote {q.id}: “{q.text}”")
    return 0


# --- People


@guard
def cmd_person_edit(args: argparse.Namespace, svc: Services) -> int:
    """Change a person."""
    person = svc.people.get(args.id)
    values: dict[str, Any] = {}
    for key in ("name", "kind", "role", "contact", "confidential", "descriptor", "notes"):
        if getattr(args, key) is not None:
            values[key] = getattr(args, key)
    tags = checked_tags(args.tags)
    mentions = [(i, True) for i in args.mentioned_in] + [(i, False) for i in args.not_mentioned_in]
    if not (values or mentions or args.add_alias) and args.aliases is None and tags is None:
        fail("nothing to change: give at least one option (see `person edit --help`)")
    for source_id, _on in mentions:
        if svc.sources.get(source_id).case_id != person.case_id:
            fail(f"source {source_id} is not in {person.name}'s case")
    if values or args.expected_version is not None:
        person = svc.people.update(args.id, expected_version=args.expected_version, **values)
    if args.aliases is not None:
        person = svc.people.set_aliases(args.id, _split(args.aliases))
    for alias in args.add_alias:
        person = svc.people.add_alias(args.id, alias)
    for source_id, on in mentions:
        svc.sources.link_person(source_id, args.id, linked=on)
    if tags is not None:
        svc.tags.set_tags("person", args.id, tags)
    person = svc.people.get(args.id)
    if args.json:
        print_json(person)
    else:
        print(
            f"updated {person.kind.value} {person.id}: "
            f"{_name(person.name, person.confidential)} (version {person.version})"
        )
    return 0


@guard
def cmd_person_affiliate(args: argparse.Namespace, svc: Services) -> int:
    """Add an affiliation."""
    person = svc.people.get(args.id)
    org = _org(svc, person.case_id, args.org)
    a = svc.people.add_affiliation(
        person.id,
        org.id,
        args.role,
        _day(args.start, "--from"),
        _day(args.end, "--to"),
    )
    if args.json:
        print_json(a)
    else:
        span = f" from {a.start_on or '?'} to {a.end_on or 'now'}"
        print(f"affiliation {a.id}: {person.name}, {a.role or 'member'} of {org.name}{span}")
    return 0


@guard
def cmd_edit_affiliation(args: argparse.Namespace, svc: Services) -> int:
    """Change or remove an affiliation."""
    owner = svc.people.get(svc.people.get_affiliation(args.id).person_id)
    if args.remove:
        svc.people.remove_affiliation(args.id)
        if args.json:
            print_json({"removed": args.id})
        else:
            print(f"removed affiliation {args.id} of {owner.name}")
        return 0
    values: dict[str, Any] = {}
    if args.org is not None:
        values["organisation_id"] = _org(svc, owner.case_id, args.org).id
    if args.role is not None:
        values["role"] = args.role
    if args.start is not None:
        values["start_on"] = _day(args.start, "--from")
    if args.end is not None:
        values["end_on"] = _day(args.end, "--to")
    _changed(values, "person edit-affiliation")
    a = svc.people.update_affiliation(args.id, expected_version=args.expected_version, **values)
    if args.json:
        print_json(a)
    else:
        print(
            f"affiliation {a.id}: {owner.name}, {a.role or 'member'} of {a.organisation_name} "
            f"from {a.start_on or '?'} to {a.end_on or 'now'} (version {a.version})"
        )
    return 0


@guard
def cmd_person_merge(args: argparse.Namespace, svc: Services) -> int:
    """Merge two people."""
    other = svc.people.get(args.other)
    person = svc.people.merge(args.survivor, args.other)
    if args.json:
        print_json(person)
    else:
        print(f"merged {other.name} into {person.name} (aliases: {', '.join(person.aliases)})")
    return 0


@guard
def cmd_person_delete(args: argparse.Namespace, svc: Services) -> int:
    """Delete a person."""
    person = svc.people.get(args.id)
    svc.people.delete(args.id)
    if args.json:
        print_json({"deleted": person.id, "name": person.name})
    else:
        print(f"deleted {person.kind.value} {person.id}: {person.name}")
    return 0


# --- Places


@guard
def cmd_places(args: argparse.Namespace, svc: Services) -> int:
    """List a case's places."""
    case = _case(svc, args.case)
    places = svc.places.list(case.id)
    if args.json:
        print_json(places)
        return 0
    rows = [
        (
            p.id,
            p.name,
            ", ".join(p.aliases),
            "" if p.latitude is None else f"{p.latitude:.4f}, {p.longitude:.4f}",
            ", ".join(p.tags),
        )
        for p in places
    ]
    print_table(["ID", "NAME", "SPELLINGS", "COORDINATES", "TAGS"], rows, max_width=50)
    return 0


@guard
def cmd_place_add(args: argparse.Namespace, svc: Services) -> int:
    """Add a place."""
    case = _case(svc, args.case)
    place = svc.places.create(
        case.id,
        args.name,
        aliases=args.alias,
        latitude=_number(args.lat, "--lat"),
        longitude=_number(args.lon, "--lon"),
        notes=args.notes,
    )
    if args.json:
        print_json(place)
    else:
        print(f"added place {place.id}: {place.name}")
    return 0


@guard
def cmd_place_edit(args: argparse.Namespace, svc: Services) -> int:
    """Change a place and what mentions it."""
    place = svc.places.get(args.id)
    values: dict[str, Any] = {}
    if args.name is not None:
        values["name"] = args.name
    if args.lat is not None:
        values["latitude"] = _number(args.lat, "--lat")
    if args.lon is not None:
        values["longitude"] = _number(args.lon, "--lon")
    if args.notes is not None:
        values["notes"] = args.notes
    links = [(r, True) for r in args.mention] + [(r, False) for r in args.unmention]
    if not values and args.aliases is None and not links:
        fail("nothing to change: give at least one option (see `place edit --help`)")
    parsed = [(*_ref(r), on) for r, on in links]
    for kind, _ident, _on in parsed:
        if kind not in ("source", "quote"):
            fail(f"sources and quotes mention places, not {kind!r}")
    if values or args.expected_version is not None:
        place = svc.places.update(args.id, expected_version=args.expected_version, **values)
    if args.aliases is not None:
        place = svc.places.set_aliases(args.id, _split(args.aliases))
    for kind, ident, on in parsed:
        svc.places.link(args.id, kind, _int(ident, kind), linked=on)
    mentions = svc.places.mentions(args.id)
    if args.json:
        print_json({**to_jsonable(place), "mentioned_by": mentions})
    else:
        print(f"updated place {place.id}: {place.name} (version {place.version})")
    return 0


# --- Events


def _link_ids(svc: Services, case_id: int, refs: list[str]) -> list[tuple[str, int]]:
    out = []
    for ref in refs:
        kind, ident = _ref(ref)
        if kind == "person":
            out.append((kind, _speaker(svc, case_id, ident).id))
        elif kind in ("source", "quote"):
            out.append((kind, _int(ident, kind)))
        else:
            fail(f"an event links person:NAME, source:ID and quote:ID, not {kind!r}")
    return out


@guard
def cmd_event_add(args: argparse.Namespace, svc: Services) -> int:
    """Add an event."""
    case = _case(svc, args.case)
    links = _link_ids(svc, case.id, args.link)
    place = _place(svc, case.id, args.place) if args.place else None
    event = svc.events.create(
        case.id,
        args.title,
        date=_date(args.date, "--date"),
        place_id=place.id if place else None,
        description=args.description,
        person_ids=[i for k, i in links if k == "person"],
        source_ids=[i for k, i in links if k == "source"],
        quote_ids=[i for k, i in links if k == "quote"],
    )
    if args.json:
        print_json(event)
    else:
        when = f" ({event.date.label()})" if event.date else ""
        print(f"added event {event.id}: {event.title}{when}")
    return 0


@guard
def cmd_event_edit(args: argparse.Namespace, svc: Services) -> int:
    """Change an event and its links."""
    event = svc.events.get(args.id)
    values: dict[str, Any] = {}
    if args.title is not None:
        values["title"] = args.title
    if args.date is not None:
        values["date"] = _date(args.date, "--date")
    if args.place is not None:
        values["place_id"] = (
            _place(svc, event.case_id, args.place).id if args.place.strip() else None
        )
    if args.description is not None:
        values["description"] = args.description
    link = _link_ids(svc, event.case_id, args.link)
    unlink = _link_ids(svc, event.case_id, args.unlink)
    if not values and not link and not unlink:
        fail("nothing to change: give at least one option (see `event edit --help`)")
    if values or args.expected_version is not None:
        event = svc.events.update(args.id, expected_version=args.expected_version, **values)
    for kind, ident in link:
        event = svc.events.link(args.id, kind, ident)
    for kind, ident in unlink:
        event = svc.events.unlink(args.id, kind, ident)
    if args.json:
        print_json(event)
    else:
        print(f"updated event {event.id}: {event.title} (version {event.version})")
    return 0


# --- Tags


@guard
def cmd_tag(args: argparse.Namespace, svc: Services) -> int:
    """Change the tags of one thing."""
    if args.tags is None and not args.add and not args.remove:
        tags = svc.tags.tags_of(args.kind, args.id)
    else:
        current = svc.tags.tags_of(args.kind, args.id)
        names = checked_tags(args.tags) if args.tags is not None else list(current)
        names = [*(names or []), *(checked_tags(",".join(args.add)) or [])]
        drop = {t.casefold() for t in args.remove}
        tags = svc.tags.set_tags(
            args.kind, args.id, [t for t in names if t.casefold() not in drop], expected=current
        )
    if args.json:
        print_json({"kind": args.kind, "id": args.id, "tags": list(tags)})
    else:
        print(f"{args.kind} {args.id}: {', '.join(tags) or '(no tags)'}")
    return 0


@guard
def cmd_tags(args: argparse.Namespace, svc: Services) -> int:
    """List a case's tags, or rename one."""
    case = _case(svc, args.case)
    if args.rename:
        svc.tags.rename(case.id, args.rename[0], args.rename[1])
    tags = svc.tags.list(case.id)
    if args.json:
        print_json([{"name": n, "count": c} for n, c in tags])
    else:
        print_table(["TAG", "COUNT"], tags)
    return 0
