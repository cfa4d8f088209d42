"""The extraction engine: from a text (and what the case already knows) to an Extraction.

Pure function, no store: :func:`extract` runs quotes, sentences, names, roles, speakers, places
and dates in turn and builds the frozen proposal model of :mod:`services.extract.model`.
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
from collections.abc import Callable, Sequence

from models.dates import PartialDate
from services.extract.dates import DateMention, find_dates
from services.extract.entities import (
    ORGANISATION,
    PERSON,
    Entity,
    EntityTable,
    Mention,
    attach_roles,
    find_arabic_speakers,
    find_mentions,
)
from services.extract.matching import KnownName, NameIndex, is_arabic, name_key
from services.extract.model import (
    EntityKind,
    Extraction,
    ExtractionCancelledError,
    ProposedEntity,
    ProposedEvent,
    ProposedPlace,
    ProposedQuote,
)
from services.extract.places import PlaceFinder
from services.extract.quotes import QuoteSpan, find_quotes
from services.extract.speakers import SPEECH_VERBS, Attribution, attribute
from services.extract.text import Intervals, SentenceIndex, Span, in_range, sentences

# Words before a quotation mark that make it a name, a title or a scare quote, not a quote.
_NOT_QUOTE_CUE = re.compile(
    r"(?:so-called|so\s+called|dubbed|nicknamed|known\s+as|titled|entitled|the\s+term|"
    r"the\s+word|the\s+words|the\s+phrase|branded|labell?ed|self-styled|self-proclaimed|termed|"
    r"slogan|hashtag|code-?named|under\s+the\s+name|operation|called|named|calls\s+itself|"
    r"calls\s+them|book|film|movie|documentary|report|song|album|novel|series|programme|"
    r"program|show|article|poem|play|headline|column|exhibition|study|paper|banner|sign|"
    r"sang|sing|sings|singing|chanted|chanting|chant|chants|anthem)"
    r"[\s,:]*$",
    re.IGNORECASE,
)
_TITLE_CUE_AFTER = re.compile(
    r"^\s*(?:book|film|movie|documentary|report|song|album|novel|series|programme|program|show|"
    r"article|poem|exhibition|campaign|operation|brigade|battalion)\b",
    re.IGNORECASE,
)
_WORDS = re.compile(r"\w+")
_DEFAULT_SAID_DAYS = 7  # a quote with no date of its own: the week before publication
_SPEECH_VERB = re.compile(
    rf"\b(?:{SPEECH_VERBS})\b|(?<!\w)(?:و|ف)?(?:قال|قالت|أضاف|أضافت|صرح|أكد|أكدت|أوضح|أعلن|أعلنت)(?!\w)",
    re.IGNORECASE,
)
_DATE_PREP = re.compile(
    r"(?:\b(?:[Ii]n|[Oo]n|[Ss]ince|[Dd]uring|[Bb]y|[Oo]f)|(?<!\w)(?:في|منذ|خلال))\s*$"
)
_CLAUSE_BREAK = re.compile(r"\b(?:who|whose|which|when|where|after|before|since|while)\b|[;(]")


def _paragraph_index(text: str) -> list[int]:
    return [i for i, c in enumerate(text) if c == "\n"]


def _is_title_case(words: list[str]) -> bool:
    long = [w for w in words if len(w) > 3]
    return bool(long) and all(w[:1].isupper() for w in long)


def marks_a_name(text: str, q: QuoteSpan) -> str:
    """Why quotation marks enclose a name, not words said: ``title``, ``nickname``, ``cue``.

    Empty when they may well enclose a quote (the speaker decides the rest).
    """
    body = text[q.start : q.end]
    words = _WORDS.findall(body)
    if not words:
        return "cue"
    before = text[max(0, q.open_at - 40) : q.open_at]
    after = text[q.close_at + 1 : q.close_at + 40]
    short = len(words) <= 4
    ends = body.rstrip()[-1:] in ".?!\u061f\u2026"
    # Nicknames: a capitalised name on both sides (Abu Bakr “the Ghost” al-Baghdadi).
    prev_word = re.search(r"(\S+)\s$", before)
    next_word = re.match(r"^\s(\S+)", after)
    if (
        short
        and prev_word
        and next_word
        and prev_word.group(1)[:1].isupper()
        and (next_word.group(1)[:1].isupper() or next_word.group(1).startswith(("al-", "el-")))
    ):
        return "nickname"
    if _NOT_QUOTE_CUE.search(before) and (short or _is_title_case(words)) and not ends:
        return "title" if _is_title_case(words) else "cue"
    if _is_title_case(words) and not ends and _TITLE_CUE_AFTER.match(after) and len(words) <= 8:
        return "title"
    # "told «AFP»", "لـ«فرانس برس»": the outlet someone spoke to.
    if short and re.search(r"(?:\btold|\u0644\u0640?|\u0644\u0642\u0646\u0627\u0629)\s*$", before):
        return "title"
    return ""


def _is_quote(text: str, q: QuoteSpan, attr: Attribution, named: str) -> bool:
    """Whether the marks enclose something said (not a title, a nickname or a scare quote)."""
    if named:
        return False
    body = text[q.start : q.end]
    words = _WORDS.findall(body)
    ends = body.rstrip()[-1:] in ".?!\u061f\u2026"
    # Without a speaker, a few words in quotation marks are a scare quote.
    return attr.speaker is not None or not (
        len(words) <= 3 or (len(words) < 5 and not ends and not attr.has_verb)
    )


def _is_partial(text: str, q: QuoteSpan, sentence: Span) -> bool:
    body = text[q.start : q.end]
    first = next((c for c in body if c.isalpha()), "")
    if first.islower():
        return True
    lead = text[sentence[0] : q.open_at].strip()
    ends = body.rstrip()[-1:] in ".?!\u061f"
    return (
        bool(lead)
        and not lead.endswith((":", ",", "\u060c"))
        and not ends
        and len(_WORDS.findall(body)) <= 6
    )


def _said_date(
    text: str,
    sentence: Span,
    quoted: Intervals,
    dates: Sequence[DateMention],
    date_starts: Sequence[int],
    published: dt.date | None,
) -> PartialDate | None:
    """When a quote was said: a date beside its verb of speech, else about the week before."""
    candidates = [d for d in dates[in_range(date_starts, *sentence)] if not quoted.inside(d.start)]
    if candidates:
        verbs = [v for v in _SPEECH_VERB.finditer(text, *sentence) if not quoted.inside(v.start())]
        for d in candidates:
            for v in verbs:
                a, b = (v.end(), d.start) if v.end() <= d.start else (d.end, v.start())
                # "said Amal Kurdi, whose son was detained in 2017": not when it was said.
                if b - a <= 80 and not _CLAUSE_BREAK.search(text, a, b):
                    return d.date
    if published is None:
        return None
    return PartialDate.between(
        published - dt.timedelta(days=_DEFAULT_SAID_DAYS), published, approximate=True
    )


def _event_title(text: str, sentence: Span, date: DateMention, quotes: Sequence[QuoteSpan]) -> str:
    """The sentence that dates the event, without the date words and without long quotes."""
    cuts: list[Span] = []
    prep = _DATE_PREP.search(text, sentence[0], date.start)
    cuts.append((prep.start() if prep else date.start, date.end))
    for q in quotes:
        if len(_WORDS.findall(text[q.start : q.end])) >= 5:
            end = q.close_at + 1
            end += len(text[end : sentence[1]]) - len(text[end : sentence[1]].lstrip(" ,"))
            cuts.append((q.open_at, end))
    pieces: list[str] = []
    pos = sentence[0]
    for a, b in sorted(cuts):
        if a >= pos:
            pieces.append(text[pos:a])
        pos = max(pos, b)
    pieces.append(text[pos : sentence[1]])
    title = re.sub(r"\s+", " ", " ".join(p.strip(" ,") for p in pieces)).strip(" ,.")
    title = title[:1].upper() + title[1:]
    if len(title) > 100:
        cut = title.rfind(" ", 0, 98)
        title = title[: cut if cut > 40 else 98].rstrip(" ,;") + "\u2026"
    return title


def extract(
    text: str,
    *,
    source_id: int = 0,
    published_on: dt.date | None = None,
    language: str = "",
    known: Sequence[KnownName] = (),
    stop: Callable[[], bool] | None = None,
) -> Extraction:
    """Propose quotes, speakers, people, organisations, places and dated events for a text.

    Args:
        text: The source's stored text (offsets in the result index into it).
        source_id: Carried into the result.
        published_on: Resolves "last week", "late January" and the like.
        language: The source's language, given to quotes not in Arabic script.
        known: The case's people, organisations (``kind`` person/organisation) and places
            (``kind`` place), to match names and aliases against.
        stop: Asked between the stages of the work; when it returns True the extraction
            ends there with :class:`ExtractionCancelledError` (the window's Cancel button).

    Raises:
        ExtractionCancelledError: ``stop`` returned True.
    """

    def checkpoint() -> None:
        if stop is not None and stop():
            raise ExtractionCancelledError

    notes: list[str] = []
    index = NameIndex([k for k in known if k.kind in (PERSON, ORGANISATION)])
    finder = PlaceFinder(known)

    checkpoint()
    quote_spans = find_quotes(text)
    sents = SentenceIndex(sentences(text, quote_spans))
    newlines = _paragraph_index(text)

    checkpoint()
    cue_places = finder.learn_from_cues(text)
    table = EntityTable(index)
    place_mentions: list[Mention] = []
    named = [(q, marks_a_name(text, q)) for q in quote_spans]
    mentions = find_mentions(
        text,
        table,
        finder.is_place,
        place_mentions,
        titles=[(q.open_at, q.close_at) for q, why in named if why == "title"],
        nicknames=[(q.open_at, q.close_at) for q, why in named if why == "nickname"],
    )
    checkpoint()
    mentions = find_arabic_speakers(text, table, mentions)

    def sentence_end(pos: int) -> int:
        return sents.around(pos)[1]

    attach_roles(text, mentions, table, sentence_end, finder.is_place)
    for m in mentions:
        if m.entity is not None:
            m.kind = m.entity.kind  # an apposition may have shown a "person" to be a group
    for ent in table.entities:
        # A title ("Col.", "Prime Minister") is the role when the text gives no other.
        if not ent.role and ent.title_role:
            ent.role = ent.title_role

    # Titles and nicknames in quotation marks say nothing: only the other marks get a speaker.
    speakable = [q for q, why in named if not why]
    paragraph_of = [bisect.bisect_left(newlines, q.open_at) for q in speakable]
    found = dict(
        zip(
            (q.open_at for q in speakable),
            attribute(text, speakable, sents, mentions, paragraph_of),
            strict=True,
        )
    )
    nobody = Attribution(None, None, "none", False)
    attributions = [found.get(q.open_at, nobody) for q in quote_spans]
    checkpoint()
    dates = find_dates(text, published_on)
    if published_on is None:
        notes.append("no publication date: relative dates (last week, in January) not resolved")

    quoted = Intervals([(q.open_at, q.close_at) for q in quote_spans])
    date_starts = [d.start for d in dates]

    # --- Quotes
    proposed_quotes: list[ProposedQuote] = []
    quote_key_at: dict[int, str] = {}
    speakers_used: set[str] = set()
    for (q, why), a in zip(named, attributions, strict=True):
        if not _is_quote(text, q, a, why):
            continue
        key = f"q{len(proposed_quotes) + 1}"
        quote_key_at[q.open_at] = key
        body = text[q.start : q.end]
        sent = sents.around(q.open_at)
        if a.speaker is not None:
            speakers_used.add(a.speaker.key)
        proposed_quotes.append(
            ProposedQuote(
                key=key,
                start=q.start,
                end=q.end,
                text=body,
                speaker_key=a.speaker.key if a.speaker else None,
                speaker_span=a.span,
                said=_said_date(text, sent, quoted, dates, date_starts, published_on),
                partial=_is_partial(text, q, sent),
                language="ar" if is_arabic(body) else language,
            )
        )

    checkpoint()
    # --- Places
    place_found: dict[str, tuple[str, list[Span]]] = {}
    all_places = [(m.start, m.end, m.name) for m in place_mentions] + cue_places
    # "سوريا" inside "قوات سوريا الديمقراطية" names the organisation, not the country.
    org_spans = Intervals([(m.start, m.end) for m in mentions if m.kind == ORGANISATION])
    all_places += [p for p in finder.arabic_places(text) if not org_spans.covers(p[0], p[1])]
    for s, e, name in sorted(all_places):
        known_place = finder.known(name)
        pkey = f"id{known_place.id}" if known_place else name_key(name) or name
        entry = place_found.setdefault(pkey, (name, []))
        if not entry[1] or entry[1][-1][1] <= s:
            entry[1].append((s, e))
    proposed_places: list[ProposedPlace] = []
    place_spans: list[tuple[int, int, str]] = []
    for name, spans in place_found.values():
        k = f"p{len(proposed_places) + 1}"
        kp = finder.known(name)
        proposed_places.append(
            ProposedPlace(
                key=k,
                name=kp.name if kp else name,
                spans=tuple(sorted(spans)),
                matched_place_id=kp.id if kp else None,
            )
        )
        place_spans.extend((s, e, k) for s, e in spans)
    place_spans.sort()

    # --- Entities
    proposed_entities = [_entity_dto(ent) for ent in table.entities if ent.spans]

    checkpoint()
    # --- Events: each date told in the narration (not inside a quote) with its sentence
    proposed_events: list[ProposedEvent] = []
    mention_starts = [m.start for m in mentions]
    quote_opens = [q.open_at for q in quote_spans]
    place_starts = [s for s, _, _ in place_spans]
    for d in dates:
        if quoted.inside(d.start):
            continue
        sent = sents.around(d.start)
        people = _keys_in(mentions[in_range(mention_starts, *sent)])
        qkeys = tuple(
            quote_key_at[q.open_at]
            for q in quote_spans[in_range(quote_opens, *sent)]
            if q.open_at in quote_key_at
        )
        near = place_spans[in_range(place_starts, *sent)]
        place_key = near[0][2] if near else None
        proposed_events.append(
            ProposedEvent(
                key=f"v{len(proposed_events) + 1}",
                title=_event_title(
                    text, sent, d, [q for q in quote_spans[in_range(quote_opens, *sent)]]
                ),
                date=d.date,
                date_span=(d.start, d.end),
                sentence_span=sent,
                place_key=place_key,
                people_keys=people,
                quote_keys=qkeys,
            )
        )

    return Extraction(
        source_id=source_id,
        quotes=tuple(proposed_quotes),
        entities=tuple(proposed_entities),
        places=tuple(proposed_places),
        events=tuple(proposed_events),
        notes=tuple(notes),
    )


def _keys_in(mentions: Sequence[Mention]) -> tuple[str, ...]:
    keys: list[str] = []
    for m in mentions:
        if m.entity is not None and m.entity.key not in keys:
            keys.append(m.entity.key)
    return tuple(keys)


def _entity_dto(e: Entity) -> ProposedEntity:
    aliases = [a for a in dict.fromkeys(e.aliases) if a and a != e.name and a != e.acronym]
    return ProposedEntity(
        key=e.key,
        kind=EntityKind.ORGANISATION if e.kind == ORGANISATION else EntityKind.PERSON,
        name=e.name,
        spans=tuple(sorted(set(e.spans))),
        role=e.role,
        affiliation_key=e.affiliation.key if e.affiliation is not None else None,
        acronym=e.acronym,
        aliases=tuple(aliases),
        matched_person_id=e.known.id if e.known is not None else None,
    )
