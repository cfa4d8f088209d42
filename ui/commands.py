"""Undoable edits (STYLE §4): each command calls services in ``redo``/``undo``, never widgets.

The window pushes a command (``push`` runs ``redo``) and refreshes its models when the stack's
index changes. Services provide the inverses: ``QuoteService.delete`` returns a snapshot that
``restore`` puts back, and so on.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from PySide6.QtGui import QUndoCommand

from models.schema import SourceKind
from services.container import Services
from services.errors import ConflictError, DomainError


def _clip(text: str, n: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


class ServiceCommand(QUndoCommand):
    """Base of the commands: a refused change is reported in plain words, never a traceback.

    A redo refused by a service makes the command obsolete, so ``QUndoStack.push`` drops it.

    Attributes:
        error: The last DomainError a service raised, if any.
    """

    #: Called with a plain-language message when a service refuses (the window's message bar).
    report: Callable[[str], None] | None = None

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.error: DomainError | None = None

    def redo(self) -> None:
        """Apply the change (Qt calls this on push and on redo)."""
        try:
            self._redo()
            self.error = None
        except DomainError as exc:
            self.error = exc
            self.setObsolete(True)
            self._tell(exc)

    def undo(self) -> None:
        """Revert the change."""
        try:
            self._undo()
        except DomainError as exc:
            self.error = exc
            self._tell(exc)

    def _tell(self, exc: DomainError) -> None:
        if ServiceCommand.report is not None:
            ServiceCommand.report(f"{self.text()}: {exc.message}")

    def _redo(self) -> None:
        raise NotImplementedError

    def _undo(self) -> None:
        raise NotImplementedError


class AddQuoteCommand(ServiceCommand):
    """Create a quote from a span; optionally create its speaker on the spot.

    Attributes:
        quote_id: Id of the quote once created.
        speaker_id: Id of the speaker (given, or created by this command).
    """

    def __init__(
        self,
        services: Services,
        source_id: int,
        start: int,
        end: int,
        text: str,
        *,
        speaker_id: int | None = None,
        new_speaker: str | None = None,
        case_id: int | None = None,
    ) -> None:
        super().__init__(f"Add quote “{_clip(text)}”")
        self._svc = services
        self._args = (source_id, start, end, text)
        self.speaker_id = speaker_id
        self._new_speaker = new_speaker
        self._case_id = case_id
        self._created_speaker: int | None = None
        self.quote_id: int | None = None
        self._snapshot: dict[str, Any] | None = None

    def _redo(self) -> None:
        """Create (or put back) the quote."""
        if self._new_speaker and self._case_id is not None:
            p = self._svc.people.create(self._case_id, self._new_speaker)
            self._created_speaker = self.speaker_id = p.id
        if self._snapshot is None:
            source_id, start, end, text = self._args
            q = self._svc.quotes.create(
                source_id, start, end, text=text, speaker_id=self.speaker_id
            )
            self.quote_id = q.id
        else:
            snap = {**self._snapshot, "row": {**self._snapshot["row"]}}
            snap["row"]["speaker_id"] = self.speaker_id
            self.quote_id = self._svc.quotes.restore(snap).id

    def _undo(self) -> None:
        """Delete the quote (and the speaker this command created)."""
        if self.quote_id is not None:
            self._snapshot = self._svc.quotes.delete(self.quote_id)
        if self._created_speaker is not None:
            self._svc.people.delete(self._created_speaker)
            self._created_speaker = None


class DeleteQuoteCommand(ServiceCommand):
    """Delete a quote; undo puts it back with its id, tags and event links."""

    def __init__(self, services: Services, quote_id: int, text: str = "") -> None:
        super().__init__(f"Delete quote “{_clip(text)}”")
        self._svc = services
        self.quote_id = quote_id
        self._snapshot: dict[str, Any] | None = None

    def _redo(self) -> None:
        """Delete."""
        self._snapshot = self._svc.quotes.delete(self.quote_id)

    def _undo(self) -> None:
        """Restore."""
        if self._snapshot is not None:
            self._svc.quotes.restore(self._snapshot)


class DeleteEventCommand(ServiceCommand):
    """Delete an event; undo puts it back with its links."""

    def __init__(self, services: Services, event_id: int, title: str = "") -> None:
        super().__init__(f"Delete event “{_clip(title)}”")
        self._svc = services
        self.event_id = event_id
        self._snapshot: dict[str, Any] | None = None

    def _redo(self) -> None:
        """Delete."""
        self._snapshot = self._svc.events.delete(self.event_id)

    def _undo(self) -> None:
        """Restore."""
        if self._snapshot is not None:
            self._svc.events.restore(self._snapshot)


class UpdateCommand(ServiceCommand):
    """Change fields of a quote, person, event or source (``kind``); undo sets the old values."""

    _SERVICES = {
        "quote": "quotes",
        "person": "people",
        "event": "events",
        "source": "sources",
        "place": "places",
        "case": "cases",
    }

    def __init__(
        self,
        services: Services,
        kind: str,
        ident: int,
        old: Mapping[str, Any],
        new: Mapping[str, Any],
        label: str = "",
    ) -> None:
        names = ", ".join(k.replace("_", " ") for k in new)
        super().__init__(f"Edit {kind} {label or ident}: {names}".strip())
        self._svc = getattr(services, self._SERVICES[kind])
        self.ident = ident
        self._old = dict(old)
        self._new = dict(new)

    def _redo(self) -> None:
        """Apply the new values (refused if someone else changed these fields meanwhile)."""
        self._svc.update(self.ident, **self._new, **self._unchanged_since(self._old, self._new))

    def _undo(self) -> None:
        """Put the old values back (refused if someone else changed them since)."""
        self._svc.update(self.ident, **self._old, **self._unchanged_since(self._new, self._old))

    def _unchanged_since(self, seen: Mapping[str, Any], mine: Mapping[str, Any]) -> dict[str, Any]:
        """``expected_version`` for a save of ``mine`` over the values this window ``seen``.

        Team editing (issue 6): when a colleague saved other values of these fields since this
        window showed them, the save is refused with both versions, never silently overwritten.
        Edits of other fields of the same row are not a conflict.
        """
        current = self._svc.get(self.ident)
        missing = object()
        theirs = {k: getattr(current, k, missing) for k in seen}
        changed = [k for k, v in theirs.items() if v is not missing and v != seen[k]]
        if changed:
            both = "; ".join(
                f"{k.replace('_', ' ')}: theirs “{_clip(str(theirs[k]))}”, "
                f"yours “{_clip(str(mine.get(k)))}”"
                for k in changed
            )
            raise ConflictError(
                f"someone else changed this meanwhile ({both}); nothing was overwritten: "
                "theirs is shown now, edit it again to keep yours",
                mine=dict(mine),
                theirs=current,
            )
        return {"expected_version": current.version}


class SetTagsCommand(ServiceCommand):
    """Replace the tags of a quote, person, event or source."""

    def __init__(
        self, services: Services, kind: str, ident: int, old: Sequence[str], new: Sequence[str]
    ) -> None:
        super().__init__(f"Tag {kind} {ident}: {', '.join(new) or 'no tags'}")
        self._svc = services
        self._kind, self.ident = kind, ident
        self._old, self._new = list(old), list(new)
        self._stored = list(new)  # the tags as the store keeps them after redo

    def _redo(self) -> None:
        """Set the new tags, unless a colleague changed them since they were shown."""
        done = self._svc.tags.set_tags(self._kind, self.ident, self._new, expected=self._old)
        self._stored = list(done)

    def _undo(self) -> None:
        """Set the old tags back, unless a colleague changed them since."""
        self._svc.tags.set_tags(self._kind, self.ident, self._old, expected=self._stored)


class SetAliasesCommand(ServiceCommand):
    """Replace a person's aliases."""

    def __init__(
        self, services: Services, person_id: int, old: Sequence[str], new: Sequence[str]
    ) -> None:
        super().__init__(f"Aliases of person {person_id}")
        self._svc = services
        self.ident = person_id
        self._old, self._new = list(old), list(new)
        self._stored = list(new)  # the aliases as the store keeps them after redo

    def _redo(self) -> None:
        """Set the new aliases, unless a colleague changed them since they were shown."""
        done = self._svc.people.set_aliases(self.ident, self._new, expected=self._old)
        self._stored = list(done.aliases)

    def _undo(self) -> None:
        """Set the old aliases back, unless a colleague changed them since."""
        self._svc.people.set_aliases(self.ident, self._old, expected=self._stored)


class LinkCommand(ServiceCommand):
    """Link a quote, person or source to an event (undo unlinks unless it was linked before)."""

    def __init__(self, services: Services, event_id: int, kind: str, ident: int) -> None:
        super().__init__(f"Link {kind} {ident} to event {event_id}")
        self._svc = services
        self.event_id, self.kind, self.ident = event_id, kind, ident
        self._was_linked = False

    def _redo(self) -> None:
        """Link."""
        before = self._svc.events.get(self.event_id)
        self._was_linked = self.ident in getattr(before, f"{self.kind}_ids")
        self._svc.events.link(self.event_id, self.kind, self.ident)

    def _undo(self) -> None:
        """Unlink (if this command made the link)."""
        if not self._was_linked:
            self._svc.events.unlink(self.event_id, self.kind, self.ident)


class AddNoteCommand(ServiceCommand):
    """Type interview notes into a new source (kind interview_note)."""

    def __init__(self, services: Services, case_id: int, title: str, text: str) -> None:
        super().__init__(f"New note “{_clip(title)}”")
        self._svc = services
        self._case_id, self._title, self._text = case_id, title, text
        self.source_id: int | None = None

    def _redo(self) -> None:
        """Add the note as a source."""
        self.source_id = self._svc.sources.add(
            self._case_id, title=self._title, text=self._text, kind=SourceKind.INTERVIEW_NOTE
        ).id

    def _undo(self) -> None:
        """Delete the note (only possible while no quote points into it)."""
        if self.source_id is not None:
            self._svc.sources.delete(self.source_id)


class DeletePersonCommand(ServiceCommand):
    """Delete a person who speaks no quote; undo recreates them with their aliases and links."""

    def __init__(self, services: Services, person_id: int, name: str = "") -> None:
        super().__init__(f"Delete person “{_clip(name)}”")
        self._svc = services
        self.person_id = person_id
        self._dto: Any = None
        self._events: list[int] = []
        self._sources: list[int] = []

    def _redo(self) -> None:
        svc = self._svc
        self._dto = svc.people.get(self.person_id)
        self._events = svc.people.events_of(self.person_id)
        self._sources = [
            s.id for s in svc.sources.list(self._dto.case_id, person_id=self.person_id)
        ]
        svc.people.delete(self.person_id)

    def _undo(self) -> None:
        d, svc = self._dto, self._svc
        if d is None:
            return
        p = svc.people.create(
            d.case_id,
            d.name,
            kind=d.kind,
            aliases=d.aliases,
            role=d.role,
            contact=d.contact,
            confidential=d.confidential,
            descriptor=d.descriptor,
            notes=d.notes,
        )
        self.person_id = p.id
        if d.tags:
            svc.tags.set_tags("person", p.id, d.tags)
        for e in self._events:
            svc.events.link(e, "person", p.id)
        for s in self._sources:
            svc.sources.link_person(s, p.id)


class SetSpeakerCommand(ServiceCommand):
    """Change a quote's speaker; a name nobody has yet creates that person (undo removes them)."""

    def __init__(
        self,
        services: Services,
        quote_id: int,
        old_speaker_id: int | None,
        speaker_id: int | None,
        new_name: str | None = None,
        case_id: int | None = None,
    ) -> None:
        super().__init__(f"Speaker of quote {quote_id}: {new_name or speaker_id or 'unknown'}")
        self._svc = services
        self.quote_id = quote_id
        self._old, self.speaker_id = old_speaker_id, speaker_id
        self._new_name, self._case_id = new_name, case_id
        self._created: int | None = None

    def _redo(self) -> None:
        if self._new_name and self._case_id is not None:
            self._created = self.speaker_id = self._svc.people.create(
                self._case_id, self._new_name
            ).id
        self._svc.quotes.update(self.quote_id, speaker_id=self.speaker_id)

    def _undo(self) -> None:
        self._svc.quotes.update(self.quote_id, speaker_id=self._old)
        if self._created is not None:
            self._svc.people.delete(self._created)
            self._created = None


class AddAffiliationCommand(ServiceCommand):
    """Record a role a person held in an organisation; undo removes it."""

    def __init__(
        self,
        services: Services,
        person_id: int,
        organisation_id: int,
        role: str,
        start_on: dt.date | None,
        end_on: dt.date | None,
    ) -> None:
        super().__init__(f"Add role “{_clip(role or 'member')}”")
        self._svc = services
        self._args = (person_id, organisation_id, role, start_on, end_on)
        self.affiliation_id: int | None = None

    def _redo(self) -> None:
        self.affiliation_id = self._svc.people.add_affiliation(*self._args).id

    def _undo(self) -> None:
        if self.affiliation_id is not None:
            self._svc.people.remove_affiliation(self.affiliation_id)


class RemoveAffiliationCommand(ServiceCommand):
    """Remove a role (an AffiliationDTO); undo records it again."""

    def __init__(self, services: Services, affiliation: Any) -> None:
        super().__init__(
            f"Remove role “{_clip(affiliation.role or affiliation.organisation_name)}”"
        )
        self._svc = services
        self._a = affiliation
        self.affiliation_id: int = affiliation.id

    def _redo(self) -> None:
        self._svc.people.remove_affiliation(self.affiliation_id)

    def _undo(self) -> None:
        a = self._a
        self.affiliation_id = self._svc.people.add_affiliation(
            a.person_id, a.organisation_id, a.role, a.start_on, a.end_on
        ).id


class MoveSpanCommand(ServiceCommand):
    """Move a quote to another span of its source; undo moves it back."""

    def __init__(
        self, services: Services, quote_id: int, old: tuple[int, int], new: tuple[int, int]
    ) -> None:
        super().__init__(f"Move quote {quote_id} to characters {new[0]}–{new[1]}")
        self._svc = services
        self.quote_id = quote_id
        self._old, self._new = old, new

    def _redo(self) -> None:
        self._svc.quotes.move_span(self.quote_id, *self._new)

    def _undo(self) -> None:
        self._svc.quotes.move_span(self.quote_id, *self._old)


class UnlinkCommand(ServiceCommand):
    """Remove a quote, person or source from an event; undo links it again."""

    def __init__(self, services: Services, event_id: int, kind: str, ident: int) -> None:
        super().__init__(f"Unlink {kind} {ident} from event {event_id}")
        self._svc = services
        self.event_id, self.kind, self.ident = event_id, kind, ident

    def _redo(self) -> None:
        self._svc.events.unlink(self.event_id, self.kind, self.ident)

    def _undo(self) -> None:
        self._svc.events.link(self.event_id, self.kind, self.ident)
