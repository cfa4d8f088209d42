"""Shared pieces of the command line: opening the store, output, and errors."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import json
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, NoReturn

from models.dates import PartialDate
from models.db import StoreError
from services.container import Services
from services.errors import DomainError

EXIT_OK = 0
EXIT_FAIL = 1
EXIT_USAGE = 2  # bad input: wrong id, missing file, bad offsets, bad URL...


class CliError(Exception):
    """An error to print as one line, exiting with ``status``."""

    def __init__(self, message: str, status: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def fail(message: str, status: int = EXIT_USAGE) -> NoReturn:
    """Stop with one line on stderr (only the first line of a longer message)."""
    lines = message.strip().splitlines()
    line = lines[0] if lines else "failed"
    raise CliError(line if line.startswith("sourcebook") else f"sourcebook: {line}", status)


def open_services(db: str | None) -> Services:
    """Open the store, turning store errors into one line."""
    try:
        return Services.open(db)
    except StoreError as exc:
        fail(str(exc))


def guard(fn: Callable[..., int | None]) -> Callable[..., int]:
    """Decorator for command functions: domain errors become one line and exit status 2."""

    def wrapper(*args: Any, **kwargs: Any) -> int:
        try:
            return int(fn(*args, **kwargs) or 0)
        except DomainError as exc:
            fail(exc.message)
        except StoreError as exc:
            fail(str(exc))

    wrapper.__name__ = fn.__name__
    wrapper.__doc__ = fn.__doc__
    return wrapper


def to_jsonable(value: Any) -> Any:
    """DTOs, dates, enums and partial dates as plain JSON values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, PartialDate):
        return {
            "start": value.start.isoformat(),
            "end": value.end.isoformat(),
            "precision": value.precision.value,
            "label": value.label(),
        }
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, bytes):
        return None
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_jsonable(v) for v in value]
    return value


def print_json(value: Any) -> None:
    """Print ``value`` as indented UTF-8 JSON."""
    json.dump(to_jsonable(value), sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def print_table(headers: Sequence[str], rows: Iterable[Sequence[Any]], max_width: int = 60) -> None:
    """Print rows as an aligned plain-text table (cells clipped to ``max_width``)."""

    def cell(v: Any) -> str:
        s = "" if v is None else str(v)
        s = " ".join(s.split())
        return s if len(s) <= max_width else s[: max_width - 1] + "…"

    body = [[cell(v) for v in r] for r in rows]
    widths = [len(h) for h in headers]
    for r in body:
        for i, c in enumerate(r):
            widths[i] = max(widths[i], len(c))
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))
    print(line.rstrip())
    print("  ".join("-" * w for w in widths))
    for r in body:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
    if not body:
        print("(none)")
