"""Source protection, applied once to the neutral structure before any renderer sees it.

Two passes. The structural pass puts a confidential person's or source's descriptor in place of
the rows and citations that describe them (no role, affiliation, publisher, date or address). The
sweep then replaces every confidential name, alias, contact detail, title, author, publisher and
address wherever it still occurs in any string of the document (quote texts, summaries, event
descriptions, headings, the cover, the running header, document properties).
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from models.entities import DEFAULT_DESCRIPTOR
from services.brief.model import Document, Note, QuoteBlock, Table
from services.dto import PersonDTO, SourceDTO

T = TypeVar("T")
_MIN_SUBSTRING = 4  # shorter secrets are matched as whole words only


def _descriptor(d: str) -> str:
    return d.strip() or DEFAULT_DESCRIPTOR


def person_secrets(p: PersonDTO) -> list[str]:
    """The strings that identify a confidential person: name, aliases, contact (and its lines)."""
    out = [p.name, *p.aliases, p.contact]
    out += [line for line in p.contact.splitlines()]
    out += [part for line in p.contact.splitlines() for part in re.split(r"[,;]", line)]
    return out


def source_secrets(s: SourceDTO) -> list[str]:
    """The strings that identify a confidential source: title, author, publisher, address, file."""
    return [s.title, s.author, s.publisher, s.url, s.file_name]


@dataclass
class Redactor:
    """Replaces protected strings with descriptors.

    Attributes:
        people: Descriptor by confidential person id.
        sources: Descriptor by confidential source id.
        secrets: Every protected string with the descriptor that replaces it.
    """

    people: dict[int, str]
    sources: dict[int, str]
    secrets: dict[str, str]

    @classmethod
    def of(cls, people: Iterable[PersonDTO], sources: Iterable[SourceDTO]) -> Redactor:
        """The redactor for a case's people and sources."""
        pmap: dict[int, str] = {}
        smap: dict[int, str] = {}
        secrets: dict[str, str] = {}
        for p in people:
            if p.confidential:
                pmap[p.id] = _descriptor(p.descriptor)
                for s in person_secrets(p):
                    _add(secrets, s, pmap[p.id])
        for src in sources:
            if src.confidential:
                smap[src.id] = _descriptor(src.descriptor)
                for s in source_secrets(src):
                    _add(secrets, s, smap[src.id])
        return cls(pmap, smap, secrets)

    def __post_init__(self) -> None:
        self._pattern: re.Pattern[str] | None = None
        self._lookup: dict[str, str] = {}
        if not self.secrets:
            return
        parts = []
        for s in sorted(self.secrets, key=len, reverse=True):
            self._lookup[s.casefold()] = self.secrets[s]
            esc = re.escape(s)
            parts.append(esc if len(s) >= _MIN_SUBSTRING else rf"(?<!\w){esc}(?!\w)")
        self._pattern = re.compile("|".join(parts), re.IGNORECASE)

    def text(self, value: str) -> str:
        """``value`` with every protected string replaced by its descriptor."""
        if self._pattern is None or not value:
            return value
        value = unicodedata.normalize("NFC", value)

        def repl(m: re.Match[str]) -> str:
            return self._lookup.get(m.group(0).casefold(), DEFAULT_DESCRIPTOR)

        # Twice: a replacement can complete a secret split by an overlapping match.
        once = self._pattern.sub(repl, value)
        return self._pattern.sub(repl, once)

    def found_in(self, value: str) -> list[str]:
        """The protected strings that occur in ``value`` (for checks)."""
        if self._pattern is None:
            return []
        return [m.group(0) for m in self._pattern.finditer(unicodedata.normalize("NFC", value))]


def _add(secrets: dict[str, str], s: str, descriptor: str) -> None:
    s = unicodedata.normalize("NFC", s.strip())
    if len(s) >= 2 and s.casefold() not in descriptor.casefold():
        secrets.setdefault(s, descriptor)


def _sweep(value: T, fn: Callable[[str], str]) -> T:
    """Apply ``fn`` to every string inside a tree of frozen dataclasses and tuples."""
    if isinstance(value, str):
        return fn(value)  # type: ignore[return-value]
    if isinstance(value, tuple):
        return tuple(_sweep(v, fn) for v in value)  # type: ignore[return-value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes: dict[str, Any] = {}
        for f in dataclasses.fields(value):
            old = getattr(value, f.name)
            new = _sweep(old, fn)
            if new is not old:
                changes[f.name] = new
        return dataclasses.replace(value, **changes) if changes else value
    return value


def _structural(doc: Document, r: Redactor) -> Document:
    blocks = []
    for b in doc.blocks:
        if isinstance(b, QuoteBlock) and b.speaker_id in r.people:
            b = dataclasses.replace(b, speaker=r.people[b.speaker_id])
        elif isinstance(b, Table) and (b.row_people or b.row_sources):
            rows = []
            for i, row in enumerate(b.rows):
                pid = b.row_people[i] if i < len(b.row_people) else None
                sid = b.row_sources[i] if i < len(b.row_sources) else None
                label = r.people.get(pid) if pid is not None else None
                label = label or (r.sources.get(sid) if sid is not None else None)
                if label is not None:
                    row = (label,) + ("",) * (len(row) - 1)
                rows.append(row)
            b = dataclasses.replace(b, rows=tuple(rows))
        blocks.append(b)
    notes = [
        Note(n.number, n.source_id, r.sources[n.source_id], "", "", "", None)
        if n.source_id in r.sources
        else n
        for n in doc.notes
    ]
    return dataclasses.replace(doc, blocks=tuple(blocks), notes=tuple(notes))


def redact(doc: Document, people: Iterable[PersonDTO], sources: Iterable[SourceDTO]) -> Document:
    """The document with every confidential person and source shown only by descriptor."""
    r = Redactor.of(people, sources)
    out = _sweep(_structural(doc, r), r.text)
    return dataclasses.replace(out, redacted=True)
