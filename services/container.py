"""All services over one open store, built once by the composition root (main.py).

Each service is built, and its module imported, the first time it is used: a window start
needs the case, source, quote, people and event services, not extraction, importing or
archives, whose modules cost a tenth of a second to import.
"""

from __future__ import annotations

import gc
import importlib
from collections.abc import Callable
from functools import cached_property, partial
from typing import TYPE_CHECKING

from models.db import Store, open_store

if TYPE_CHECKING:
    from services.archive import ArchiveService
    from services.backup import BackupService
    from services.brief.service import ExportService
    from services.cases import CaseService
    from services.changes import ChangeWatcher
    from services.events import EventService
    from services.extract.review import ReviewService
    from services.extract.service import ExtractionService
    from services.imports import ImportService
    from services.lists import ListService
    from services.people import PeopleService
    from services.places import PlaceService
    from services.quotes import QuoteService
    from services.search.service import SearchService
    from services.sources import SourceService
    from services.tags import TagService


# What a window start reads its first pages with: SQLAlchemy's Core, the tables and the lists.
STARTUP_MODULES = (
    "sqlalchemy",
    "sqlalchemy.dialects.sqlite",
    "models.schema",
    "services.dto",
    "services.fonts",
    "services.lists",
    "services.search.highlight",
    "services.search.query",
)

# What the window needs once it shows: the ORM, the mapped classes and the services of edits,
# cards and the reader. Importing them, with the mappers configured, is about a quarter of a
# start; the window imports them after its first paint (:func:`later_steps`).
LATER_MODULES = (
    "sqlalchemy.orm",
    "models.entities",
    "services.base",
    "services.cases",
    "services.sources",
    "services.quotes",
    "services.people",
    "services.events",
    "services.places",
    "services.tags",
    "services.backup",
    "services.changes",
    "services.search.service",
)


def import_startup_modules() -> None:
    """Import what a window start uses; ``python main.py`` calls it before importing Qt.

    Once PySide6 is imported, it reads the source file of every module imported for the first
    time after it (its ``__feature__`` import hook looks for the word "PySide6" in each): about
    a tenth of a second over SQLAlchemy's and our modules, which this order avoids.
    """
    for name in STARTUP_MODULES:
        importlib.import_module(name)


def later_steps() -> list[Callable[[], object]]:
    """The imports of :data:`LATER_MODULES`, then the mappers' configuration, one step each.

    The window runs one step per turn of its event loop after the first paint, so that input
    is served between them; whatever needs a module sooner imports it itself.
    """
    steps: list[Callable[[], object]] = [
        partial(importlib.import_module, name) for name in LATER_MODULES
    ]
    return [*steps, _configure_mappers]


def _configure_mappers() -> None:
    from sqlalchemy.orm import configure_mappers

    configure_mappers()


_gc_held = False


def hold_gc() -> None:
    """Hold Python's cyclic garbage collector while the window starts (:func:`release_gc` ends it).

    A start creates some 140,000 objects that live as long as the window (modules, classes,
    SQLAlchemy's mappers, Qt's enums) and fewer than a thousand cyclic garbage ones. The
    collector would run about 200 times on the way, for a tenth of the start's time, and find
    next to nothing. Reference counting frees everything else as usual.
    """
    global _gc_held
    if gc.isenabled():
        gc.disable()
        _gc_held = True


def release_gc() -> None:
    """End :func:`hold_gc`: the start's objects are set aside for good, and the collector runs.

    ``gc.freeze`` moves what exists now out of the collector's generations, so that its full
    passes later do not walk the start's objects again (on a big case one took 0.1 s). Does
    nothing unless :func:`hold_gc` held it.
    """
    global _gc_held
    if _gc_held:
        _gc_held = False
        gc.freeze()
        gc.enable()


class Services:
    """The services of one store.

    Attributes:
        store: The open store (engine, session factory).
    """

    def __init__(self, store: Store) -> None:
        self.store = store

    @classmethod
    def over(cls, store: Store) -> Services:
        """The services over ``store`` (each built on first use)."""
        return cls(store)

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

    @cached_property
    def lists(self) -> ListService:
        """The panes' lists, read with Core (no ORM): what a window's start reads."""
        from services.lists import ListService

        return ListService(self.store.engine)

    @cached_property
    def cases(self) -> CaseService:
        """Cases: create, list, edit, counts."""
        from services.cases import CaseService

        return CaseService(self.store.sessions)

    @cached_property
    def sources(self) -> SourceService:
        """Sources: their text, metadata and original files."""
        from services.sources import SourceService

        return SourceService(self.store.sessions)

    @cached_property
    def quotes(self) -> QuoteService:
        """Quotes and their place in their sources."""
        from services.quotes import QuoteService

        return QuoteService(self.store.sessions)

    @cached_property
    def people(self) -> PeopleService:
        """People and organisations, aliases, affiliations, merging."""
        from services.people import PeopleService

        return PeopleService(self.store.sessions)

    @cached_property
    def events(self) -> EventService:
        """Events on the timeline and their links."""
        from services.events import EventService

        return EventService(self.store.sessions)

    @cached_property
    def places(self) -> PlaceService:
        """Places and their spellings."""
        from services.places import PlaceService

        return PlaceService(self.store.sessions)

    @cached_property
    def tags(self) -> TagService:
        """Tags of a case."""
        from services.tags import TagService

        return TagService(self.store.sessions)

    @cached_property
    def backups(self) -> BackupService:
        """Backups of a SQLite store (automatic and on demand)."""
        from services.backup import BackupService

        return BackupService(self.store)

    @cached_property
    def archive(self) -> ArchiveService:
        """Case archives: export a case to a file and import it into any store."""
        from services.archive import ArchiveService

        return ArchiveService(self.store)

    @cached_property
    def changes(self) -> ChangeWatcher:
        """Notices of what other processes changed in the store."""
        from services.changes import ChangeWatcher

        return ChangeWatcher(self.store.sessions)

    @cached_property
    def search(self) -> SearchService:
        """Full-text search and saved searches."""
        from services.search.service import SearchService

        return SearchService(self.store.sessions)

    @cached_property
    def extraction(self) -> ExtractionService:
        """Suggested quotes, speakers, people, places and dates from a source."""
        from services.extract.service import ExtractionService

        return ExtractionService(self.store.sessions)

    @cached_property
    def imports(self) -> ImportService:
        """Importing files and folders as sources."""
        from services.imports import ImportService

        return ImportService(self.store.sessions)

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
