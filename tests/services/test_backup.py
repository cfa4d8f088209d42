"""Rotating backups through SQLite's online backup API, and restoring them."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from models.db import check_sqlite_file, open_store
from services.backup import BackupError, BackupPolicy, BackupService, list_backups
from services.container import Services
from ui.cli import run


def _people(path: Path) -> list[str]:
    st = open_store(str(path))
    try:
        svc = Services.over(st)
        return sorted(p.name for c in svc.cases.list() for p in svc.people.list(c.id))
    finally:
        st.close()


def test_backup_now_is_a_sound_copy(sqlite_services: Services) -> None:
    svc = sqlite_services
    case = svc.cases.create("Case")
    svc.people.create(case.id, "Ann")
    info = svc.backups.backup_now()
    assert info.path.parent == svc.backups.folder
    assert check_sqlite_file(info.path) == "ok"
    assert svc.backups.last_backup() == info
    svc.people.create(case.id, "Bob")  # after the backup: not in it
    assert _people(info.path) == ["Ann"]


def test_open_backs_up_and_editing_backs_up_again(sqlite_url: str, monkeypatch) -> None:
    monkeypatch.setenv("SOURCEBOOK_BACKUP_MINUTES", "0")  # every commit counts as N minutes
    svc = Services.open(sqlite_url)
    try:
        on_open = svc.backups.last_backup()
        assert on_open is not None  # backed up on open
        case = svc.cases.create("Case")
        svc.people.create(case.id, "Ann")
        found = svc.backups.list()
        assert len(found) == 3
        assert _people(found[0].path) == ["Ann"]
    finally:
        svc.close()


def test_unchanged_store_is_not_backed_up_twice_and_close_saves_edits(
    sqlite_url: str, monkeypatch
) -> None:
    monkeypatch.setenv("SOURCEBOOK_BACKUP_MINUTES", "60")
    svc = Services.open(sqlite_url)
    svc.close()
    svc = Services.open(sqlite_url)
    assert len(svc.backups.list()) == 1  # nothing changed since the first one
    case = svc.cases.create("Case")
    svc.people.create(case.id, "Ann")
    assert len(svc.backups.list()) == 1  # less than 60 minutes of editing
    svc.close()
    found = list_backups(Path(sqlite_url).with_name("store.db.backups"))
    assert len(found) == 2
    assert _people(found[0].path) == ["Ann"]  # made on close


def test_prune_keeps_days_and_a_minimum(sqlite_services: Services) -> None:
    svc = sqlite_services
    first = svc.backups.backup_now()
    now = dt.datetime.now(dt.UTC)
    for days in (40, 35, 31, 20, 1):
        stamp = (now - dt.timedelta(days=days)).strftime("%Y%m%dT%H%M%S_%fZ")
        shutil.copyfile(first.path, first.path.with_name(f"sourcebook-{stamp}.db"))
    svc.backups.policy = BackupPolicy(keep_days=30, keep_min=3)
    removed = svc.backups.prune()
    assert len(removed) == 3  # 40, 35 and 31 days old
    assert len(svc.backups.list()) == 4  # on open, now, 20 and 1 day old
    svc.backups.policy = BackupPolicy(keep_days=0, keep_min=2)
    svc.backups.prune()
    assert len(svc.backups.list()) == 2  # never fewer than keep_min


def test_restore_puts_the_backup_back_and_keeps_a_safety_copy(sqlite_services: Services) -> None:
    svc = sqlite_services
    case = svc.cases.create("Case")
    svc.people.create(case.id, "Ann")
    good = svc.backups.backup_now()
    svc.people.create(case.id, "Mistake")
    result = svc.backups.restore(good.path)
    assert [p.name for p in svc.people.list(case.id)] == ["Ann"]
    assert result.safety_copy is not None
    assert _people(result.safety_copy) == ["Ann", "Mistake"]


def test_restore_replaces_a_damaged_store(sqlite_url: str) -> None:
    svc = Services.open(sqlite_url)
    case = svc.cases.create("Case")
    svc.people.create(case.id, "Ann")
    svc.backups.backup_now()
    svc.close()
    path = Path(sqlite_url)
    data = bytearray(path.read_bytes())
    data[100:4000] = b"\x00garbage" * 487 + b"\x00" * 4
    path.write_bytes(bytes(data))
    for side in ("-wal", "-shm"):
        path.with_name(path.name + side).unlink(missing_ok=True)
    assert run(["--db", str(path), "restore", "--yes"]) == 0
    assert _people(path) == ["Ann"]
    assert list(path.parent.glob("store.db.damaged-*"))


def test_damaged_backup_is_refused(sqlite_services: Services) -> None:
    info = sqlite_services.backups.backup_now()
    info.path.write_bytes(b"SQLite format 3\x00" + b"\x01" * 5000)
    with pytest.raises(BackupError, match="damaged"):
        sqlite_services.backups.restore(info.path)


def test_command_line_backup_and_list(sqlite_url: str, capsys) -> None:
    assert run(["--db", sqlite_url, "backup"]) == 0
    assert "backed up to" in capsys.readouterr().out
    assert run(["--db", sqlite_url, "backup", "--list", "--json"]) == 0
    out = capsys.readouterr().out
    assert out.count("sourcebook-") >= 1


def test_postgresql_explains_where_backups_are_made(pg_url: str) -> None:
    st = open_store(pg_url)
    try:
        backups = BackupService(st)
        assert backups.last_backup() is None
        assert backups.start_automatic() is None
        with pytest.raises(BackupError, match="pg_dump"):
            backups.backup_now()
    finally:
        st.close()


def test_a_backup_every_n_minutes_of_editing(sqlite_url: str, monkeypatch) -> None:
    import services.backup

    clock = [1000.0]
    monkeypatch.setattr(services.backup.time, "monotonic", lambda: clock[0])
    monkeypatch.setenv("SOURCEBOOK_BACKUP_MINUTES", "10")
    monkeypatch.setenv("SOURCEBOOK_BACKUP_DAYS", "7")
    svc = Services.open(sqlite_url)
    try:
        assert svc.backups.policy.interval_minutes == 10 and svc.backups.policy.keep_days == 7
        assert len(svc.backups.list()) == 1  # on open
        case = svc.cases.create("Case")
        clock[0] += 9 * 60
        svc.people.create(case.id, "Ann")
        assert len(svc.backups.list()) == 1  # 9 minutes: not yet
        clock[0] += 2 * 60
        svc.people.create(case.id, "Bob")
        found = svc.backups.list()
        assert len(found) == 2  # 11 minutes of editing: one more
        assert _people(found[0].path) == ["Ann", "Bob"]
        clock[0] += 5 * 60
        svc.people.create(case.id, "Cem")
        assert len(svc.backups.list()) == 2  # 5 minutes after that one
    finally:
        svc.close()
    assert len(list_backups(Path(sqlite_url).with_name("store.db.backups"))) == 3  # on close


def test_bad_backup_settings_fall_back_to_the_defaults(monkeypatch) -> None:
    monkeypatch.setenv("SOURCEBOOK_BACKUP_MINUTES", "often")
    monkeypatch.setenv("SOURCEBOOK_BACKUP_DAYS", "-3")
    policy = BackupPolicy.from_env()
    assert policy.interval_minutes == BackupPolicy().interval_minutes
    assert policy.keep_days == 0  # negative days: keep only the newest keep_min
