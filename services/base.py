"""What every service shares: the unit of work and lookups with plain-language errors."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from models.db import WRITE
from services.errors import ConflictError, DomainError, NotFoundError, ValidationError

T = TypeVar("T")

# Singular nouns used in messages, by table name.
_NOUNS = {
    "cases": "case",
    "sources": "source",
    "quotes": "quote",
    "people": "person",
    "events": "event",
    "places": "place",
    "tags": "tag",
    "affiliations": "affiliation",
    "saved_searches": "saved search",
}


class Service:
    """Base of the services: one transaction per public call.

    Attributes:
        sessions: The store's session factory.
    """

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    @contextmanager
    def _tx(self) -> Iterator[Session]:
        """One unit of work: commit on success, roll back and translate errors on failure."""
        try:
            with self.sessions.begin() as session:
                session.connection(execution_options=WRITE)  # SQLite: BEGIN IMMEDIATE
                yield session
        except DomainError:
            raise
        except StaleDataError as exc:
            raise ConflictError(
                "someone else changed this since you opened it; reload to see their version"
            ) from exc
        except IntegrityError as exc:
            raise ValidationError(f"the store refused the change: {_first_line(exc)}") from exc
        except OperationalError as exc:
            raise DomainError(f"the store is not available: {_first_line(exc)}") from exc

    @contextmanager
    def _read(self) -> Iterator[Session]:
        """A read-only session (no commit)."""
        with self.sessions() as session:
            yield session


def get_or_raise(session: Session, model: type[T], ident: int, **kw: Any) -> T:
    """The row ``ident`` of ``model`` or a NotFoundError that names it."""
    row = session.get(model, ident, **kw)
    if row is None:
        noun = _NOUNS.get(_table_name(model), model.__name__.lower())
        raise NotFoundError(f"no {noun} with id {ident}")
    return row


def check_version(row: Any, expected: int | None, theirs: Any = None, mine: Any = None) -> None:
    """Refuse a save based on a stale copy (``expected`` is the version the caller read)."""
    if expected is not None and row.version != expected:
        noun = _NOUNS.get(_table_name(row), "row")
        raise ConflictError(
            f"this {noun} was changed by someone else (now version {row.version}, "
            f"you edited version {expected}); choose which version to keep",
            mine=mine,
            theirs=theirs,
        )


def check_list(
    what: str, current: list[str], expected: Sequence[str] | None, mine: list[str]
) -> None:
    """Refuse replacing a list of names (aliases, tags) that changed since the caller read it.

    Lists compare as sets, ignoring case: a colleague's addition or removal is a conflict, a
    different order is not.
    """
    if expected is None:
        return
    if {n.casefold() for n in current} != {n.casefold() for n in expected}:
        raise ConflictError(
            f"the {what} were changed by someone else (now: {', '.join(current) or 'none'}; "
            f"you started from: {', '.join(expected) or 'none'}); choose which to keep",
            mine=tuple(mine),
            theirs=tuple(current),
        )


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _table_name(obj: Any) -> str:
    table = getattr(obj, "__table__", None)
    return str(getattr(table, "name", ""))
