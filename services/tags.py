"""Tags on sources, quotes, people, places and events."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table, delete, func, select
from sqlalchemy.orm import Session

from models.entities import (
    Case,
    Event,
    Person,
    Place,
    Quote,
    Source,
    Tag,
    event_tags,
    person_tags,
    place_tags,
    quote_tags,
    source_tags,
)
from services.base import Service, check_list, get_or_raise
from services.errors import ValidationError

# What can be tagged: kind -> (model, link table, link column).
TAGGABLE: dict[str, tuple[type, Table, str]] = {
    "source": (Source, source_tags, "source_id"),
    "quote": (Quote, quote_tags, "quote_id"),
    "person": (Person, person_tags, "person_id"),
    "place": (Place, place_tags, "place_id"),
    "event": (Event, event_tags, "event_id"),
}


def clean_tag(name: str) -> str:
    """A tag name trimmed and with inner whitespace collapsed."""
    cleaned = " ".join(name.split())
    if not cleaned:
        raise ValidationError("a tag cannot be empty")
    if len(cleaned) > 200:
        raise ValidationError("a tag is at most 200 characters")
    return cleaned


def get_or_create_tags(s: Session, case_id: int, names: Sequence[str]) -> list[Tag]:
    """The case's tags with these names (case-insensitive), created where missing."""
    out: list[Tag] = []
    seen: set[str] = set()
    for raw in names:
        name = clean_tag(raw)
        if name.casefold() in seen:
            continue
        seen.add(name.casefold())
        tag = s.scalar(
            select(Tag).where(Tag.case_id == case_id, func.lower(Tag.name) == name.lower())
        )
        if tag is None:
            tag = Tag(case_id=case_id, name=name)
            s.add(tag)
            s.flush()
        out.append(tag)
    return out


class TagService(Service):
    """Use cases on tags."""

    def list(self, case_id: int) -> list[tuple[str, int]]:
        """The case's tags with how many things carry each, by name."""
        with self._read() as s:
            get_or_raise(s, Case, case_id)
            tags = list(s.scalars(select(Tag).where(Tag.case_id == case_id).order_by(Tag.name)))
            out = []
            for t in tags:
                n = 0
                for _, link, _col in TAGGABLE.values():
                    n += (
                        s.scalar(
                            select(func.count()).select_from(link).where(link.c.tag_id == t.id)
                        )
                        or 0
                    )
                out.append((t.name, n))
            return out

    def set_tags(
        self,
        kind: str,
        obj_id: int,
        names: Sequence[str],
        expected: Sequence[str] | None = None,
    ) -> tuple[str, ...]:
        """Replace the tags of one source/quote/person/place/event; returns the new set.

        ``expected`` is the list the caller started from: if a colleague changed the tags
        since, the change is refused (``ConflictError`` with both lists), not overwritten.
        """
        model, link, col = _taggable(kind)
        with self._tx() as s:
            obj: Any = get_or_raise(s, model, obj_id)
            if expected is not None:
                now = s.scalars(
                    select(Tag.name)
                    .join(link, link.c.tag_id == Tag.id)
                    .where(link.c[col] == obj_id)
                )
                check_list(f"tags of this {kind}", list(now), expected, list(names))
            tags = get_or_create_tags(s, obj.case_id, names)
            s.execute(delete(link).where(link.c[col] == obj_id))
            for t in tags:
                s.execute(link.insert().values({col: obj_id, "tag_id": t.id}))
            return tuple(sorted(t.name for t in tags))

    def add(self, kind: str, obj_id: int, name: str) -> tuple[str, ...]:
        """Add one tag to a thing."""
        return self.set_tags(kind, obj_id, [*self.tags_of(kind, obj_id), name])

    def remove(self, kind: str, obj_id: int, name: str) -> tuple[str, ...]:
        """Remove one tag from a thing."""
        keep = [t for t in self.tags_of(kind, obj_id) if t.casefold() != name.casefold()]
        return self.set_tags(kind, obj_id, keep)

    def tags_of(self, kind: str, obj_id: int) -> tuple[str, ...]:
        """The tags of one thing."""
        model, link, col = _taggable(kind)
        with self._read() as s:
            get_or_raise(s, model, obj_id)
            names = s.scalars(
                select(Tag.name).join(link, link.c.tag_id == Tag.id).where(link.c[col] == obj_id)
            )
            return tuple(sorted(names))

    def rename(self, case_id: int, old: str, new: str) -> None:
        """Rename a tag everywhere in a case."""
        new = clean_tag(new)
        with self._tx() as s:
            tag = s.scalar(
                select(Tag).where(Tag.case_id == case_id, func.lower(Tag.name) == old.lower())
            )
            if tag is None:
                raise ValidationError(f"no tag {old!r} in this case")
            tag.name = new


def _taggable(kind: str) -> tuple[type, Table, str]:
    try:
        return TAGGABLE[kind]
    except KeyError:
        raise ValidationError(f"{kind!r} cannot be tagged ({', '.join(TAGGABLE)})") from None
