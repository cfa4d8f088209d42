"""Cases: create, list, rename, delete (only when empty)."""

from __future__ import annotations

from sqlalchemy import func, select

from models.entities import Case, Event, Person, Place, Quote, Source
from services.base import Service, check_version, get_or_raise
from services.dto import CaseDTO
from services.errors import InUseError, ValidationError
from services.lists import read_cases, reading


class CaseService(Service):
    """Use cases on cases."""

    def create(self, title: str, summary: str = "", author: str = "") -> CaseDTO:
        """Create a case."""
        title = title.strip()
        if not title:
            raise ValidationError("a case needs a title")
        with self._tx() as s:
            case = Case(title=title, summary=summary, author=author)
            s.add(case)
            s.flush()
            return CaseDTO.of(case)

    list = reading(read_cases)

    def get(self, case_id: int) -> CaseDTO:
        """One case."""
        with self._read() as s:
            return CaseDTO.of(get_or_raise(s, Case, case_id))

    def find(self, ref: str) -> CaseDTO:
        """A case by id or by exact title (what the command line's ``--case`` accepts)."""
        ref = ref.strip()
        if ref.isdigit():
            return self.get(int(ref))
        with self._read() as s:
            rows = list(s.scalars(select(Case).where(func.lower(Case.title) == ref.lower())))
        if len(rows) == 1:
            return CaseDTO.of(rows[0])
        if not rows:
            raise ValidationError(f"no case called {ref!r}")
        raise ValidationError(f"several cases are called {ref!r}; give its id")

    def update(
        self,
        case_id: int,
        *,
        expected_version: int | None = None,
        title: str | None = None,
        summary: str | None = None,
        author: str | None = None,
    ) -> CaseDTO:
        """Change a case's title, summary or author."""
        with self._tx() as s:
            case = get_or_raise(s, Case, case_id)
            check_version(case, expected_version, theirs=CaseDTO.of(case))
            if title is not None:
                if not title.strip():
                    raise ValidationError("a case needs a title")
                case.title = title.strip()
            if summary is not None:
                case.summary = summary
            if author is not None:
                case.author = author
            s.flush()
            return CaseDTO.of(case)

    def counts(self, case_id: int) -> dict[str, int]:
        """How many sources, quotes, people, events and places a case holds."""
        with self._read() as s:
            get_or_raise(s, Case, case_id)
            out = {}
            for name, model in (
                ("sources", Source),
                ("quotes", Quote),
                ("people", Person),
                ("events", Event),
                ("places", Place),
            ):
                out[name] = (
                    s.scalar(
                        select(func.count()).select_from(model).where(model.case_id == case_id)
                    )
                    or 0
                )
            return out

    def delete(self, case_id: int) -> None:
        """Delete an empty case; a case with content is refused (nothing goes by cascade)."""
        counts = self.counts(case_id)
        if any(counts.values()):
            held = ", ".join(f"{n} {k}" for k, n in counts.items() if n)
            raise InUseError(f"case {case_id} still holds {held}; delete those first")
        with self._tx() as s:
            s.delete(get_or_raise(s, Case, case_id))
