"""Encryption at rest: SQLCipher stores, their backups and archives; the passphrase stays secret."""

from __future__ import annotations

import json
import logging
import sqlite3
from pathlib import Path

import pytest

from models.db import StoreError, is_encrypted_file, open_store
from services.archive import ArchiveError
from services.container import Services
from services.crypto import CryptoError, decrypt, encrypt, is_encrypted
from tests.reliability.helpers import ARABIC, ENGLISH, populate_case
from ui.cli import run

PASSPHRASE = "correct horse battery staple ْ"
SECRET_TEXT = "Anna Nowak"  # a confidential source's name, in the populated case


def _all_bytes(folder: Path, skip: Path | None = None) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in folder.rglob("*") if p.is_file() and p != skip}


def test_encrypt_decrypt_and_tampering() -> None:
    blob = encrypt(b"the original bytes", "pass")
    assert is_encrypted(blob) and b"original" not in blob
    assert decrypt(blob, "pass") == b"the original bytes"
    with pytest.raises(CryptoError, match="wrong passphrase"):
        decrypt(blob, "Pass")
    flipped = bytearray(blob)
    flipped[-3] ^= 1
    with pytest.raises(CryptoError):
        decrypt(bytes(flipped), "pass")
    with pytest.raises(CryptoError):
        decrypt(b"plain", "pass")


def test_encrypted_store_is_unreadable_without_its_passphrase(tmp_path: Path, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    path = tmp_path / "secret.db"
    svc = Services.open(str(path), passphrase=PASSPHRASE)
    assert svc.store.encrypted
    case = populate_case(svc, tmp_path / "files")
    backup = svc.backups.backup_now()
    svc.close()
    assert path.read_bytes()[:16] != b"SQLite format 3\x00"
    with pytest.raises(sqlite3.DatabaseError):
        sqlite3.connect(path).execute("SELECT * FROM people").fetchall()
    with pytest.raises(StoreError, match="encrypted"):
        open_store(str(path))
    with pytest.raises(StoreError, match="wrong passphrase"):
        open_store(str(path), passphrase="not it")
    # Backups are encrypted with the same passphrase.
    assert backup.path.read_bytes()[:16] != b"SQLite format 3\x00"
    with pytest.raises(StoreError, match="encrypted"):
        open_store(str(backup.path))
    st = open_store(str(backup.path), passphrase=PASSPHRASE)
    assert Services.over(st).cases.get(case.id).title == case.title
    st.close()
    # Neither the passphrase nor the confidential content shows in any file or log line.
    for p, data in _all_bytes(tmp_path).items():
        assert PASSPHRASE.encode() not in data, p
        if p.suffix in (".db", ".db-wal") or ".db" in p.name:
            assert SECRET_TEXT.encode() not in data, p
            assert "سنبني".encode() not in data, p
    assert PASSPHRASE not in caplog.text
    assert PASSPHRASE not in repr(svc.store) and PASSPHRASE not in svc.store.url


def test_plain_store_with_a_passphrase_is_refused_clearly(sqlite_url: str) -> None:
    with pytest.raises(StoreError, match="not encrypted"):
        open_store(sqlite_url, passphrase=PASSPHRASE)


def test_archives_of_an_encrypted_store_are_encrypted(tmp_path: Path) -> None:
    svc = Services.open(str(tmp_path / "secret.db"), passphrase=PASSPHRASE, auto_backup=False)
    try:
        case = populate_case(svc, tmp_path / "files")
        with pytest.raises(ArchiveError, match="encrypted"):
            svc.archive.export_case(case.id, tmp_path / "plain.sbk")
        out = tmp_path / "case.sbk"
        summary = svc.archive.export_case(case.id, out, passphrase=PASSPHRASE)
        assert summary.encrypted
        data = out.read_bytes()
        assert is_encrypted(data)
        assert ENGLISH.encode() not in data and SECRET_TEXT.encode() not in data
        with pytest.raises(ArchiveError, match="give its passphrase"):
            svc.archive.import_archive(out)
        with pytest.raises(ArchiveError, match="wrong passphrase"):
            svc.archive.import_archive(out, passphrase="nope")
        back = svc.archive.import_archive(out, passphrase=PASSPHRASE)
        assert svc.cases.counts(back.case.id) == svc.cases.counts(case.id)
    finally:
        svc.close()
    assert ARABIC  # the Arabic source travelled inside the encrypted zip too


def test_command_line_takes_the_passphrase_from_a_file_and_never_prints_it(
    tmp_path: Path, capsys, monkeypatch
) -> None:
    monkeypatch.delenv("SOURCEBOOK_PASSPHRASE", raising=False)
    monkeypatch.delenv("SOURCEBOOK_PASSPHRASE_FILE", raising=False)
    plain = tmp_path / "plain.db"
    svc = Services.open(str(plain), auto_backup=False)
    populate_case(svc, tmp_path / "files")
    svc.close()
    secret = tmp_path / "pass.txt"
    secret.write_text(PASSPHRASE + "\n", encoding="utf-8")
    enc = tmp_path / "enc.db"
    assert (
        run(
            [
                "--db",
                str(plain),
                "encrypt-store",
                "--out",
                str(enc),
                "--passphrase-file",
                str(secret),
            ]
        )
        == 0
    )
    assert enc.read_bytes()[:16] != b"SQLite format 3\x00"
    # Other commands find the passphrase through the environment.
    monkeypatch.setenv("SOURCEBOOK_PASSPHRASE_FILE", str(secret))
    assert run(["--db", str(enc), "cases", "--json"]) == 0
    assert "Bridge contracts" in capsys.readouterr().out
    assert run(["--db", str(enc), "backup", "--json"]) == 0
    made = Path(json.loads(capsys.readouterr().out)["path"])
    assert is_encrypted_file(made)
    # Closing the store after an edit backs it up again: restore the backup made above by name.
    assert run(["--db", str(enc), "new-case", "Added after the backup"]) == 0
    assert run(["--db", str(enc), "restore", made.name, "--yes"]) == 0
    capsys.readouterr()
    assert run(["--db", str(enc), "cases", "--json"]) == 0
    titles = [c["title"] for c in json.loads(capsys.readouterr().out)]
    assert "Bridge contracts" in titles and "Added after the backup" not in titles
    out = tmp_path / "case.sbk"
    assert run(["--db", str(enc), "export-archive", "1", "--out", str(out)]) == 0
    assert is_encrypted(out.read_bytes())
    assert run(["--db", str(enc), "import-archive", str(out)]) == 0
    monkeypatch.delenv("SOURCEBOOK_PASSPHRASE_FILE")
    status = run(["--db", str(enc), "backup"])  # no passphrase, no terminal: a clear refusal
    assert status == 2
    captured = capsys.readouterr()
    assert "passphrase" in captured.err
    assert PASSPHRASE not in captured.out + captured.err
    for p, data in _all_bytes(tmp_path, skip=secret).items():
        assert PASSPHRASE.encode() not in data, p


def test_the_copy_made_before_a_schema_upgrade_is_encrypted_too(tmp_path: Path) -> None:
    from alembic import command

    from models.db import (
        alembic_config,
        connect_sqlite,
        current_revision,
        head_revision,
        sqlite_key,
    )

    path = tmp_path / "secret.db"
    store = open_store(str(path), passphrase=PASSPHRASE)
    with store.engine.begin() as c:
        c.exec_driver_sql(
            "INSERT INTO cases (title, summary, author) VALUES (?, '', '')", (SECRET_TEXT,)
        )
    command.downgrade(alembic_config(store.engine), "0001_initial")  # an older Sourcebook's store
    store.close()

    store = open_store(str(path), passphrase=PASSPHRASE)
    try:
        assert current_revision(store.engine) == head_revision()
        copy = store.backup_path
    finally:
        store.close()
    assert copy is not None and copy.name == "secret.db.bak-0001_initial"
    assert is_encrypted_file(copy)
    assert SECRET_TEXT.encode() not in copy.read_bytes()
    with pytest.raises(StoreError, match="encrypted"):
        open_store(str(copy), allow_server_upgrade=False)
    # It holds the old store, readable with the same passphrase.
    conn = connect_sqlite(copy, sqlite_key(copy, PASSPHRASE))
    try:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [
            ("0001_initial",)
        ]
        assert conn.execute("SELECT title FROM cases").fetchall() == [(SECRET_TEXT,)]
    finally:
        conn.close()
    for p, data in _all_bytes(tmp_path).items():
        assert PASSPHRASE.encode() not in data, p
