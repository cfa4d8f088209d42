"""Places and the spellings and scripts they go by."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table, delete, func, select

from models.entities import (
    Case,
    Event,
    Place,
    PlaceAlias,
    Quote,
    Source,
    quote_places,
    source_places,
)
from services.base import Service, check_list, check_version, get_or_raise
from services.dto import PlaceDTO
from services.errors import ValidationError
from services.textnorm import fold

EDITABLE_FIELDS = frozenset({"name", "latitude", "longitude", "notes"})
# What mentions a place: kind -> (model, link table, link column).
MENTIONS: dict[str, tuple[type, Table, str]] = {
    "source": (Source, source_places, "source_id"),
    "quote": (Quote, quote_places, "quote_id"),
}


def _check_coords(lat: float | None, lon: float | None) -> None:
    if lat is not None and not -90 <= lat <= 90:
        raise ValidationError(f"latitude {lat} is outside -90..90")
    if lon is not None and not -180 <= lon <= 180:
        raise ValidationError(f"longitude {lon} is outside -180..180")


class PlaceService(Service):
    """Use cases on places."""

    def create(
        self,
        case_id: int,
        name: str,
        *,
        aliases: Sequence[str] = (),
        latitude: float | None = None,
        longitude: float | None = None,
        notes: str = "",
    ) -> PlaceDTO:
        """Create a place with its other spellings."""
        name = " ".join(name.split())
        if not name:
            raise ValidationError("a place needs a name")
        _check_coords(latitude, longitude)
        with self._tx() as s:
            get_or_raise(s, Case, case_id)
            p = Place(
                case_id=case_id, name=name, latitude=latitude, longitude=longitude, notes=notes
            )
            s.add(p)
            s.flush()
            self._add_aliases(p, aliases)
            s.flush()
            return PlaceDTO.of(p)

    @staticmethod
    def _add_aliases(p: Place, aliases: Sequence[str]) -> None:
        have = {fold(p.name)} | {fold(a.name) for a in p.aliases}
        for raw in aliases:
            alias = " ".join(raw.split())
            if alias and fold(alias) not in have:
                p.aliases.append(PlaceAlias(name=alias))
                have.add(fold(alias))

    def add_alias(self, place_id: int, alias: str) -> PlaceDTO:
        """Add another spelling of a place."""
        with self._tx() as s:
            p = get_or_raise(s, Place, place_id)
            self._add_aliases(p, [alias])
            s.flush()
            return PlaceDTO.of(p)

    def set_aliases(
        self, place_id: int, aliases: Sequence[str], expected: Sequence[str] | None = None
    ) -> PlaceDTO:
        """Replace a place's other spellings (refused if they are no longer ``expected``)."""
        with self._tx() as s:
            p = get_or_raise(s, Place, place_id)
            check_list(
                "spellings of " + p.name, [a.name for a in p.aliases], expected, list(aliases)
            )
            p.aliases.clear()
            s.flush()
            self._add_aliases(p, aliases)
            s.flush()
            return PlaceDTO.of(p)

    def link(self, place_id: int, kind: str, ident: int, linked: bool = True) -> None:
        """Record (or remove) that a source or a quote mentions a place."""
        try:
            model, table, col = MENTIONS[kind]
        except KeyError:
            raise ValidationError(f"sources and quotes mention places, not {kind!r}") from None
        with self._tx() as s:
            place = get_or_raise(s, Place, place_id)
            other: Any = get_or_raise(s, model, ident)
            if other.case_id != place.case_id:
                raise ValidationError(f"{place.name} belongs to another case")
            s.execute(delete(table).where(table.c.place_id == place_id, table.c[col] == ident))
            if linked:
                s.execute(table.insert().values({"place_id": place_id, col: ident}))

    def mentions(self, place_id: int) -> dict[str, builtins.list[int]]:
        """Ids of the sources and quotes that mention a place."""
        with self._read() as s:
            get_or_raise(s, Place, place_id)
            return {
                kind: sorted(s.scalars(select(table.c[col]).where(table.c.place_id == place_id)))
                for kind, (_, table, col) in MENTIONS.items()
            }

    def get(self, place_id: int) -> PlaceDTO:
        """One place."""
        with self._read() as s:
            return PlaceDTO.of(get_or_raise(s, Place, place_id))

    def list(self, case_id: int) -> list[PlaceDTO]:
        """The case's places by name."""
        with self._read() as s:
            get_or_raise(s, Case, case_id)
            rows = s.scalars(
                select(Place).where(Place.case_id == case_id).order_by(func.lower(Place.name))
            )
            return [PlaceDTO.of(p) for p in rows]

    def find(self, case_id: int, name: str) -> PlaceDTO | None:
        """The place with this name or spelling (diacritics, case, Arabic variants ignored)."""
        key = fold(name)
        for p in self.list(case_id):
            if key in {fold(p.name), *(fold(a) for a in p.aliases)}:
                return p
        return None

    def update(
        self, place_id: int, *, expected_version: int | None = None, **values: Any
    ) -> PlaceDTO:
        """Change a place's name, coordinates or notes."""
        unknown = set(values) - EDITABLE_FIELDS
        if unknown:
            raise ValidationError(f"cannot set {', '.join(sorted(unknown))} on a place")
        if "name" in values:
            values["name"] = " ".join((values["name"] or "").split())
            if not values["name"]:
                raise ValidationError("a place needs a name")
        with self._tx() as s:
            p = get_or_raise(s, Place, place_id)
            check_version(p, expected_version, theirs=PlaceDTO.of(p), mine=values)
            _check_coords(values.get("latitude", p.latitude), values.get("longitude", p.longitude))
            for key, value in values.items():
                setattr(p, key, value)
            s.flush()
            return PlaceDTO.of(p)

    def events_at(self, place_id: int) -> builtins.list[int]:
        """Ids of events that happened at a place."""
        with self._read() as s:
            return list(s.scalars(select(Event.id).where(Event.place_id == place_id)))

    def delete(self, place_id: int) -> None:
        """Delete a place no event happens at."""
        with self._tx() as s:
            p = get_or_raise(s, Place, place_id)
            n = s.scalar(select(func.count(Event.id)).where(Event.place_id == place_id))
            if n:
                raise ValidationError(f"{n} event(s) happen at {p.name}; move them first")
            s.delete(p)
