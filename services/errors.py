"""Domain errors: each carries a message a journalist understands, shown as-is by the UI/CLI."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base of every error a service raises on purpose."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class NotFoundError(DomainError):
    """A case, source, quote, person... with that id does not exist."""


class ValidationError(DomainError):
    """The input is not acceptable (bad offsets, empty title, bad date...)."""


class DuplicateError(DomainError):
    """The thing already exists (same file bytes, same name...)."""

    def __init__(self, message: str, existing_id: int | None = None) -> None:
        super().__init__(message)
        self.existing_id = existing_id


class InUseError(DomainError):
    """The thing is referenced (a source with quotes...) and the caller must say what to do."""

    def __init__(self, message: str, count: int = 0) -> None:
        super().__init__(message)
        self.count = count


class ConflictError(DomainError):
    """Someone else saved this row since it was read (optimistic concurrency).

    Attributes:
        mine: The values the caller tried to save.
        theirs: The row as it is now in the store (a DTO).
    """

    def __init__(self, message: str, mine: Any = None, theirs: Any = None) -> None:
        super().__init__(message)
        self.mine = mine
        self.theirs = theirs


class ImportFailedError(DomainError):
    """A file could not be imported; the message names the file and the problem."""
