"""The extraction use case: propose what a source says, for the journalist to review."""

from __future__ import annotations

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

    def propose(self, source_id: int) -> Extraction:
        """Everything the engine proposes for the source ``source_id``.

        Names are matched against the people, organisations and places already in the
        source's case (by name and alias, tolerant of transliteration and Arabic script).

        Raises:
            NotFoundError: no source with that id.
        """
        with self._read() as s:
            src = get_or_raise(s, Source, source_id)
            text, published, language, case_id = (
                src.text,
                src.published_on,
                src.language,
                src.case_id,
            )
            known: list[KnownName] = [
                KnownName(p.id, p.name, tuple(a.name for a in p.aliases), p.kind.value)
                for p in s.scalars(select(Person).where(Person.case_id == case_id))
            ]
            known += [
                KnownName(p.id, p.name, tuple(a.name for a in p.aliases), "place")
                for p in s.scalars(select(Place).where(Place.case_id == case_id))
            ]
        return extract(
            text,
            source_id=source_id,
            published_on=published,
            language=language,
            known=known,
        )
