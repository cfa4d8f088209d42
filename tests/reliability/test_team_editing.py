"""Team editing through the window's undoable edits: a colleague's save is never overwritten.

Two sets of services over the same store stand for two desks (on PostgreSQL: two connection
pools against the real server). The window edits through ``ui.commands.UpdateCommand``; when the
colleague changed the same field since the window showed it, the edit is refused and the message
shows both versions. Edits of other fields go through, and undo is refused the same way.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from PySide6.QtGui import QUndoStack

from models.db import open_store
from services.container import Services
from ui.commands import ServiceCommand, SetAliasesCommand, SetTagsCommand, UpdateCommand


@pytest.fixture
def desks(store_url: str) -> Iterator[tuple[Services, Services]]:
    me = Services.over(open_store(store_url))
    colleague = Services.over(open_store(store_url))
    yield me, colleague
    me.close()
    colleague.close()


@pytest.fixture
def reports(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    said: list[str] = []
    monkeypatch.setattr(ServiceCommand, "report", said.append)
    return said


def test_same_field_edited_by_a_colleague_is_refused_with_both_versions(
    desks: tuple[Services, Services], reports: list[str], qtbot: object
) -> None:
    me, colleague = desks
    case = me.cases.create("Port deal")
    person = me.people.create(case.id, "Jan Kowalski", role="Mayor")
    shown = me.people.get(person.id)  # what my window shows
    colleague.people.update(person.id, expected_version=shown.version, role="Former mayor")

    stack = QUndoStack()
    stack.push(UpdateCommand(me, "person", person.id, {"role": shown.role}, {"role": "Deputy"}))
    assert me.people.get(person.id).role == "Former mayor"  # theirs stays
    assert stack.count() == 0  # the refused edit is not on the undo stack
    assert len(reports) == 1
    assert "Former mayor" in reports[0] and "Deputy" in reports[0]

    # Another field of the same person: no conflict, both changes kept.
    stack.push(UpdateCommand(me, "person", person.id, {"notes": shown.notes}, {"notes": "Met"}))
    now = me.people.get(person.id)
    assert (now.role, now.notes) == ("Former mayor", "Met")
    assert len(reports) == 1

    # The colleague changes that note; my undo would overwrite it: refused too.
    colleague.people.update(person.id, expected_version=now.version, notes="Met twice")
    stack.undo()
    assert me.people.get(person.id).notes == "Met twice"
    assert len(reports) == 2 and "Met twice" in reports[1]


def test_quote_note_conflict_and_a_clean_edit_with_undo(
    desks: tuple[Services, Services], reports: list[str], qtbot: object
) -> None:
    me, colleague = desks
    case = me.cases.create("Port deal")
    src = me.sources.add(case.id, title="Minutes", text="The minister said no deal was signed.")
    quote = me.quotes.create(src.id, 4, 20)
    shown = me.quotes.get(quote.id)

    stack = QUndoStack()
    stack.push(UpdateCommand(me, "quote", quote.id, {"note": shown.note}, {"note": "Mine"}))
    assert me.quotes.get(quote.id).note == "Mine" and reports == []
    stack.undo()
    assert me.quotes.get(quote.id).note == shown.note
    stack.redo()
    assert me.quotes.get(quote.id).note == "Mine"

    colleague.quotes.update(quote.id, note="Theirs")
    stack.push(UpdateCommand(me, "quote", quote.id, {"note": "Mine"}, {"note": "Mine, again"}))
    assert me.quotes.get(quote.id).note == "Theirs"
    assert len(reports) == 1 and "Theirs" in reports[0] and "Mine, again" in reports[0]


def test_tags_and_aliases_replaced_from_a_stale_list_are_refused(
    desks: tuple[Services, Services], reports: list[str], qtbot: object
) -> None:
    me, colleague = desks
    case = me.cases.create("Port deal")
    person = me.people.create(case.id, "Mazloum Abdi", aliases=["Mazloum Kobani"])
    me.tags.set_tags("person", person.id, ["sdf"])
    shown = me.people.get(person.id)  # what my window shows
    colleague.people.set_aliases(person.id, ["Mazloum Kobani", "مظلوم عبدي"])
    colleague.tags.set_tags("person", person.id, ["sdf", "commander"])

    stack = QUndoStack()
    stack.push(SetAliasesCommand(me, person.id, shown.aliases, ["Mazloum Kobani", "Abdy"]))
    stack.push(SetTagsCommand(me, "person", person.id, shown.tags, ["sdf", "border"]))
    now = me.people.get(person.id)
    assert set(now.aliases) == {"Mazloum Kobani", "مظلوم عبدي"}  # the colleague's kept
    assert set(now.tags) == {"sdf", "commander"}
    assert stack.count() == 0 and len(reports) == 2
    assert "مظلوم عبدي" in reports[0] and "commander" in reports[1]

    # From the current lists the edits go through, and undo gives the lists back...
    stack.push(SetTagsCommand(me, "person", person.id, now.tags, [*now.tags, "border"]))
    assert set(me.people.get(person.id).tags) == {"sdf", "commander", "border"}
    stack.undo()
    assert set(me.people.get(person.id).tags) == {"sdf", "commander"}
    stack.redo()
    # ...unless a colleague changed them in between: then undo is refused too.
    colleague.tags.set_tags("person", person.id, ["sdf"])
    stack.undo()
    assert set(me.people.get(person.id).tags) == {"sdf"}
    assert len(reports) == 3


def test_the_window_notices_a_colleagues_change_and_reloads(
    desks: tuple[Services, Services], qtbot: object, tmp_path: object, monkeypatch: object
) -> None:
    from services.demo import build_demo
    from ui import workers
    from ui.main_window import MainWindow
    from ui.settings import WindowSettings, make_settings

    me, colleague = desks
    workers.use_synchronous_pools(True)
    try:
        case = build_demo(colleague)
        window = MainWindow(me, WindowSettings(make_settings(f"{tmp_path}/settings.ini")))
        qtbot.addWidget(window)  # type: ignore[attr-defined]
        window.open_case(case.id)
        notices: list[str] = []
        monkeypatch.setattr(window, "show_notice", notices.append)  # type: ignore[attr-defined]

        def names() -> set[str]:
            proxy = window.people.proxy
            return {proxy.index(r, 0).data() for r in range(proxy.rowCount())}

        window._poll_changes()  # the baseline
        window._poll_changes()
        assert notices == []  # nothing changed: no reload
        colleague.people.create(case.id, "Abu Omar", role="Tribal elder")
        assert "Abu Omar" not in names()
        window._poll_changes()
        assert len(notices) == 1 and "changed elsewhere" in notices[0]
        assert "Abu Omar" in names()
        window._poll_changes()
        assert len(notices) == 1  # seen once
    finally:
        workers.use_synchronous_pools(False)
