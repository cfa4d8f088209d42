"""Build the neutral brief structure from a case or a selection of it (not yet redacted)."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from models.entities import QuoteStatus, SourceKind
from services.brief.model import (
    Block,
    BriefOptions,
    Contents,
    Cover,
    Document,
    GroupBy,
    Heading,
    Note,
    PageBreak,
    Para,
    Properties,
    QuoteBlock,
    Selection,
    Table,
    Template,
)
from services.dto import CaseDTO, EventDTO, PersonDTO, QuoteDTO, SourceDTO
from services.errors import ValidationError

if TYPE_CHECKING:
    from services.container import Services

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
BRIEF_MAX_PEOPLE = 10
BRIEF_MAX_EVENTS = 12
BRIEF_MAX_QUOTES = 10
UNATTRIBUTED = "Unattributed"
_TITLES = {
    Template.BRIEF: "Brief",
    Template.DOSSIER: "Full dossier",
    Template.QUOTES: "Quote sheet",
}


def day_label(day: dt.date | None) -> str:
    """A day as "4 Feb 2021" (empty for None)."""
    if day is None:
        return ""
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


@dataclass(frozen=True)
class CaseData:
    """Everything of one case an export may use, loaded once.

    Attributes:
        case: The case.
        quotes: Every quote, in source order.
        people: People and organisations by id.
        events: Events in date order.
        sources: Sources by id.
    """

    case: CaseDTO
    quotes: tuple[QuoteDTO, ...]
    people: dict[int, PersonDTO]
    events: tuple[EventDTO, ...]
    sources: dict[int, SourceDTO]


def load_case(svc: Services, case_id: int) -> CaseData:
    """Load a case's rows through the services (one read per kind)."""
    case = svc.cases.get(case_id)
    return CaseData(
        case=case,
        quotes=tuple(svc.quotes.list(case_id)),
        people={p.id: p for p in svc.people.list(case_id)},
        events=tuple(svc.events.list(case_id)),
        sources={s.id: s for s in svc.sources.list(case_id)},
    )


@dataclass(frozen=True)
class Selected:
    """The rows a selection keeps.

    Attributes:
        quotes: Selected quotes (in source order).
        events: Selected events (in date order).
        people: Ids of people to list (speakers, event people; everyone for a whole case).
        sources: Ids of sources cited or linked.
    """

    quotes: tuple[QuoteDTO, ...]
    events: tuple[EventDTO, ...]
    people: tuple[int, ...]
    sources: tuple[int, ...]


def _date_ok(d: object, sel: Selection) -> bool:
    if sel.date_from is None and sel.date_to is None:
        return True
    if d is None:
        return False
    start = sel.date_from or dt.date.min
    end = sel.date_to or dt.date.max
    return bool(d.overlaps(start, end))  # type: ignore[attr-defined]


def select(data: CaseData, sel: Selection, only_verified: bool = False) -> Selected:
    """Apply a selection (and the verified-only option) to a case's rows."""
    if sel.date_from and sel.date_to and sel.date_from > sel.date_to:
        raise ValidationError("the date range ends before it starts")
    if sel.needs_search:
        raise ValueError("run the selection's search first (ExportService.resolve)")
    wanted = set(sel.quote_ids) if sel.quote_ids is not None else None
    if wanted is not None:
        known = {q.id for q in data.quotes}
        missing = sorted(wanted - known)
        if missing:
            raise ValidationError(
                f"quote {missing[0]} is not in case {data.case.id}"
                if len(missing) == 1
                else f"{len(missing)} of the chosen quotes are not in this case"
            )
    if sel.person_id is not None and sel.person_id not in data.people:
        raise ValidationError(f"person {sel.person_id} is not in case {data.case.id}")
    quotes = [
        q
        for q in data.quotes
        if (wanted is None or q.id in wanted)
        and (sel.person_id is None or q.speaker_id == sel.person_id)
        and (not sel.tag or sel.tag in q.tags)
        and _date_ok(q.said, sel)
        and (not only_verified or q.status is QuoteStatus.VERIFIED)
    ]
    qids = {q.id for q in quotes}
    if sel.whole_case:
        events = list(data.events)
    elif wanted is not None:
        events = [e for e in data.events if qids.intersection(e.quote_ids)]
    else:
        events = [
            e
            for e in data.events
            if (
                sel.person_id is None
                or sel.person_id in e.person_ids
                or qids.intersection(e.quote_ids)
            )
            and (not sel.tag or sel.tag in e.tags or qids.intersection(e.quote_ids))
            and _date_ok(e.date, sel)
        ]
    if sel.whole_case:
        people = list(data.people)
        sources = list(data.sources)
    else:
        ids: dict[int, None] = {}
        if sel.person_id is not None:
            ids[sel.person_id] = None
        for q in quotes:
            if q.speaker_id is not None:
                ids[q.speaker_id] = None
        for e in events:
            ids.update(dict.fromkeys(e.person_ids))
        people = [i for i in ids if i in data.people]
        src: dict[int, None] = {}
        for q in quotes:
            src[q.source_id] = None
        for e in events:
            src.update(dict.fromkeys(e.source_ids))
        sources = [i for i in src if i in data.sources]
    return Selected(tuple(quotes), tuple(events), tuple(people), tuple(sources))


class _Builder:
    """Accumulates blocks and numbers citation notes in order of reference."""

    def __init__(self, data: CaseData, options: BriefOptions) -> None:
        self.data = data
        self.options = options
        self.blocks: list[Block] = []
        self.notes: list[Note] = []

    def heading(self, text: str, level: int, key: str) -> None:
        self.blocks.append(Heading(text, level, key))

    def note_for(self, q: QuoteDTO) -> int:
        src = self.data.sources.get(q.source_id)
        number = len(self.notes) + 1
        if src is None:  # pragma: no cover - a quote always has a source in its case
            self.notes.append(Note(number, q.source_id, q.source_title, "", "", ""))
            return number
        paged = src.kind is SourceKind.PDF or bool(src.page_starts)
        self.notes.append(
            Note(
                number=number,
                source_id=src.id,
                title=src.title,
                publisher=src.publisher or src.author,
                date=day_label(src.published_on),
                url=src.url,
                page=src.page_of(q.start) if paged else None,
            )
        )
        return number

    def speaker(self, q: QuoteDTO) -> str:
        if q.speaker_id is None:
            return UNATTRIBUTED
        p = self.data.people.get(q.speaker_id)
        return p.name if p else (q.speaker_name or UNATTRIBUTED)

    def quote(self, q: QuoteDTO) -> None:
        self.blocks.append(
            QuoteBlock(
                quote_id=q.id,
                text=q.text,
                speaker=self.speaker(q),
                speaker_id=q.speaker_id,
                date=q.said.label() if q.said else "",
                status=q.status.value.capitalize(),
                note=self.note_for(q),
                translation=q.translation,
                remark=q.note if self.options.include_notes else "",
            )
        )

    def quotes_grouped(self, quotes: Sequence[QuoteDTO], key_prefix: str) -> None:
        for i, (label, group) in enumerate(group_quotes(self.data, quotes, self.options.group_by)):
            self.heading(label, 2, f"{key_prefix}-{i}")
            for q in group:
                self.quote(q)

    def people_table(self, ids: Iterable[int]) -> None:
        rows: list[tuple[str, ...]] = []
        row_people: list[int | None] = []
        for pid in ids:
            p = self.data.people[pid]
            name = p.name + (f"\n{', '.join(p.aliases)}" if p.aliases else "")
            rows.append((name, p.role, affiliation_text(p)))
            row_people.append(p.id)
        if not rows:
            self.blocks.append(Para("No people in this selection.", "small"))
            return
        self.blocks.append(
            Table(
                ("Name", "Role", "Affiliation"),
                tuple(rows),
                (0.3, 0.35, 0.35),
                row_people=tuple(row_people),
            )
        )

    def timeline(self, events: Sequence[EventDTO], describe: bool) -> None:
        if not events:
            self.blocks.append(Para("No events in this selection.", "small"))
            return
        rows = []
        for e in events:
            what = e.title
            if describe and e.description:
                what = f"{e.title}. {e.description}" if not e.title.endswith(".") else what
            rows.append((e.date.label() if e.date else "undated", what, e.place_name or ""))
        self.blocks.append(Table(("Date", "Event", "Place"), tuple(rows), (0.2, 0.58, 0.22)))

    def sources_table(self, ids: Sequence[int]) -> None:
        rows = []
        row_sources: list[int | None] = []
        for sid in ids:
            s = self.data.sources[sid]
            rows.append(
                (
                    s.title,
                    s.publisher or s.author,
                    day_label(s.published_on),
                    s.url,
                )
                + ((s.note,) if self.options.include_notes else ())
            )
            row_sources.append(sid)
        if not rows:
            self.blocks.append(Para("No sources in this selection.", "small"))
            return
        headers: tuple[str, ...] = ("Title", "Publisher", "Published", "Address")
        widths: tuple[float, ...] = (0.36, 0.2, 0.14, 0.3)
        if self.options.include_notes:
            headers += ("Note",)
            widths = (0.3, 0.16, 0.12, 0.24, 0.18)
        self.blocks.append(Table(headers, tuple(rows), widths, row_sources=tuple(row_sources)))


def affiliation_text(p: PersonDTO) -> str:
    """The person's current role and organisation, e.g. "General commander, SDF"."""
    held = p.role_on(None)
    if held is None:
        return ""
    role, org = held
    return f"{role}, {org}" if role else org


def group_quotes(
    data: CaseData, quotes: Sequence[QuoteDTO], by: GroupBy
) -> list[tuple[str, list[QuoteDTO]]]:
    """Quotes grouped by speaker, source, event or tag (a quote may sit in several events/tags)."""
    groups: dict[str, list[QuoteDTO]] = defaultdict(list)
    last: dict[str, int] = {}
    if by is GroupBy.SPEAKER:
        for q in quotes:
            p = data.people.get(q.speaker_id) if q.speaker_id is not None else None
            groups[p.name if p else UNATTRIBUTED].append(q)
        last[UNATTRIBUTED] = 1
    elif by is GroupBy.SOURCE:
        for q in quotes:
            s = data.sources.get(q.source_id)
            groups[s.title if s else q.source_title].append(q)
    elif by is GroupBy.EVENT:
        by_id = {q.id: q for q in quotes}
        placed: set[int] = set()
        for e in data.events:
            for qid in e.quote_ids:
                if qid in by_id:
                    groups[e.title].append(by_id[qid])
                    placed.add(qid)
        rest = [q for q in quotes if q.id not in placed]
        if rest:
            groups["Not linked to an event"] = rest
            last["Not linked to an event"] = 1
        order = {e.title: i for i, e in enumerate(data.events)}
        return sorted(
            ((k, _by_date(v)) for k, v in groups.items()),
            key=lambda kv: (last.get(kv[0], 0), order.get(kv[0], 0)),
        )
    else:
        for q in quotes:
            for t in q.tags or ("Untagged",):
                groups[t].append(q)
        last["Untagged"] = 1
    return sorted(
        ((k, _by_date(v)) for k, v in groups.items()),
        key=lambda kv: (last.get(kv[0], 0), kv[0].casefold()),
    )


def _by_date(quotes: Iterable[QuoteDTO]) -> list[QuoteDTO]:
    return sorted(quotes, key=lambda q: (q.said.start if q.said else dt.date.max, q.id))


def build_brief(data: CaseData, options: BriefOptions) -> Document:
    """The neutral document for ``options`` (not redacted: pass it to ``redact.redact``)."""
    sel = select(data, options.selection, options.only_verified)
    b = _Builder(data, options)
    case = data.case
    today = options.today or dt.date.today()
    author = case.author if options.author is None else options.author
    t = options.template
    cover = Cover(
        title=case.title,
        subtitle=_TITLES[t],
        date=day_label(today),
        author=author,
        classification=options.classification,
    )
    counts = (
        f"This {_TITLES[t].lower()} covers {len(sel.quotes)} quote"
        f"{'' if len(sel.quotes) == 1 else 's'} from {len(sel.sources)} source"
        f"{'' if len(sel.sources) == 1 else 's'}, {len(sel.people)} "
        f"{'person or organisation' if len(sel.people) == 1 else 'people and organisations'}"
        f" and {len(sel.events)} event{'' if len(sel.events) == 1 else 's'}."
    )
    if options.only_verified:
        counts += " Only verified quotes are included."

    if t is Template.BRIEF:
        b.heading("Summary", 1, "summary")
        if case.summary:
            b.blocks.append(Para(case.summary, "lead"))
        b.blocks.append(Para(counts))
        speakers = Counter(q.speaker_id for q in sel.quotes if q.speaker_id is not None)
        ranked = sorted(sel.people, key=lambda i: (-speakers.get(i, 0), i))
        key_people = [i for i in ranked if speakers.get(i)] or ranked
        b.heading("Key people", 1, "people")
        b.people_table(key_people[:BRIEF_MAX_PEOPLE])
        b.heading("Timeline", 1, "timeline")
        b.timeline(sel.events[:BRIEF_MAX_EVENTS], describe=False)
        b.heading("Key quotes", 1, "quotes")
        chosen = list(sel.quotes)
        if options.selection.quote_ids is None:
            chosen.sort(key=lambda q: (q.status is not QuoteStatus.VERIFIED, q.id))
            chosen = chosen[:BRIEF_MAX_QUOTES]
        if not chosen:
            b.blocks.append(Para("No quotes in this selection.", "small"))
        for q in _by_date(chosen):
            b.quote(q)
    elif t is Template.DOSSIER:
        b.blocks.append(Contents())
        b.blocks.append(PageBreak())
        b.heading("Summary", 1, "summary")
        if case.summary:
            b.blocks.append(Para(case.summary, "lead"))
        b.blocks.append(Para(counts))
        b.heading("People and organisations", 1, "people")
        b.people_table(sel.people)
        b.heading("Timeline", 1, "timeline")
        b.timeline(sel.events, describe=True)
        b.heading("Quotes", 1, "quotes")
        if not sel.quotes:
            b.blocks.append(Para("No quotes in this selection.", "small"))
        b.quotes_grouped(sel.quotes, "quotes")
        b.heading("Sources", 1, "sources")
        b.sources_table(sel.sources)
    else:
        b.heading("Quotes", 1, "quotes")
        b.blocks.append(Para(counts, "small"))
        if not sel.quotes:
            b.blocks.append(Para("No quotes in this selection.", "small"))
        b.quotes_grouped(sel.quotes, "quotes")

    props = Properties(
        title=f"{case.title} — {_TITLES[t]}",
        subject=options.classification,
        author=author if options.author_in_properties else "",
        keywords="",
    )
    return Document(
        template=t,
        cover=cover,
        header=f"{case.title} · {options.classification}",
        blocks=tuple(b.blocks),
        notes=tuple(b.notes),
        properties=props,
    )
