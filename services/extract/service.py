"""The extraction use case: propose what a source says, for the journalist to review."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from sqlalchemy import select

from models.entities import Person, Place, Source
from services.base import Service, get_or_raise
from services.extract.engine import extract
from services.extract.matching import KnownName
from services.extract.model import Extraction


class ExtractionService(Service):
    """Proposes quotes, speakers, people, places and dated events from a source's text.

    Pure read: nothing is written. The review (``services.extract.review``) turns accepted
    proposals into quotes, people, affiliations and events.
    """

    def propose(self, source_id: int, *, stop: Callable[[], bool] | None = None) -> Extraction:
        """Everything the engine proposes for the source ``source_id``.

        Names are matched against the people, organisations and places already in the
        source's case (by name and alias, tolerant of transliteration and Arabic script).
        ``stop`` is asked between the stages of the work (see ``engine.extract``).

        Raises:
            NotFoundError: no source with that id.
            ExtractionCancelledError: ``stop`` returned True.
        """
        with self._read() as s:
            src = get_or_raise(s, Source, source_id)
            text, published, language, case_id = (
                src.text,
                src.published_on,
                src.language,
                src.case_id,
            )
            note = ""
            if published is None:
                # Relative dates need a reference day: the day the source was fetched or added.
                when = src.retrieved_at or src.created_at
                if when is not None:
                    published = when.date()
                    how = "retrieved" if src.retrieved_at else "added to the case"
                    note = (
                        f"no publication date: relative dates (last week, in January) were "
                        f"resolved against {published.isoformat()}, the day the source was {how}"
                    )
            known: list[KnownName] = [
                KnownName(p.id, p.name, tuple(a.name for a in p.aliases), p.kind.value)
                for p in s.scalars(select(Person).where(Person.case_id == case_id))
            ]
            known += [
                KnownName(p.id, p.name, tuple(a.name for a in p.aliases), "place")
                for p in s.scalars(select(Place).where(Place.case_id == case_id))
            ]
        result = extract(
            text,
            source_id=source_id,
            published_on=published,
            language=language,
            known=known,
            stop=stop,
        )
        if note:
            result = dataclasses.replace(result, notes=(note, *result.notes))
        return result
