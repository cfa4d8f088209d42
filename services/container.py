"""All services over one open store, built once by the composition root (main.py)."""

from __future__ import annotations

from dataclasses import dataclass

from models.db import Store, open_store
from services.cases import CaseService
from services.events import EventService
from services.people import PeopleService
from services.places import PlaceService
from services.quotes import QuoteService
from services.sources import SourceService
from services.tags import TagService


@dataclass
class Services:
    """The services of one store.

    Attributes:
        store: The open store (engine, session factory).
    """

    store: Store
    cases: CaseService
    sources: SourceService
    quotes: QuoteService
    people: PeopleService
    events: EventService
    places: PlaceService
    tags: TagService

    @classmethod
    def over(cls, store: Store) -> Services:
        """Build every service over ``store``."""
        f = store.sessions
        return cls(
            store=store,
            cases=CaseService(f),
            sources=SourceService(f),
            quotes=QuoteService(f),
            people=PeopleService(f),
            events=EventService(f),
            places=PlaceService(f),
            tags=TagService(f),
        )

    @classmethod
    def open(cls, db: str | None = None) -> Services:
        """Open the store named by ``db`` / ``$SOURCEBOOK_DB`` / the default, with services."""
        return cls.over(open_store(db))

    def close(self) -> None:
        """Close the store."""
        self.store.close()
