"""All services over one open store, built once by the composition root (main.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from models.db import Store, open_store
from services.archive import ArchiveService
from services.backup import BackupService
from services.cases import CaseService
from services.changes import ChangeWatcher
from services.events import EventService
from services.extract.service import ExtractionService
from services.imports import ImportService
from services.people import PeopleService
from services.places import PlaceService
from services.quotes import QuoteService
from services.search.service import SearchService
from services.sources import SourceService
from services.tags import TagService

if TYPE_CHECKING:
    from services.brief.service import ExportService
    from services.extract.review import ReviewService


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
    backups: BackupService
    archive: ArchiveService
    changes: ChangeWatcher
    search: SearchService
    extraction: ExtractionService
    imports: ImportService

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
            backups=BackupService(store),
            archive=ArchiveService(store),
            changes=ChangeWatcher(f),
            search=SearchService(f),
            extraction=ExtractionService(f),
            imports=ImportService(f),
        )

    @classmethod
    def open(
        cls, db: str | None = None, passphrase: str | None = None, *, auto_backup: bool = True
    ) -> Services:
        """Open the store named by ``db`` / ``$SOURCEBOOK_DB`` / the default, with services.

        ``passphrase`` opens (or creates) an encrypted store. With ``auto_backup``, a SQLite
        store is backed up on open, every few minutes of editing and on close.
        """
        svc = cls.over(open_store(db, passphrase=passphrase))
        if auto_backup:
            svc.backups.start_automatic()
        return svc

    @property
    def exports(self) -> ExportService:
        """Briefs (.docx, .pdf) and data exports (built on use: it imports nothing heavy)."""
        from services.brief.service import ExportService

        return ExportService(self)

    @property
    def review(self) -> ReviewService:
        """Accepting, editing and rejecting suggested quotes, people, places and events."""
        from services.extract.review import ReviewService

        return ReviewService(self.store.sessions)

    def close(self) -> None:
        """Close the store."""
        self.store.close()
