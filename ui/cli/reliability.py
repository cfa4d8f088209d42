"""Backups, restore, case archives and encryption on the command line.

A passphrase is never taken as an argument value (it would show in the shell history and the
process list): it comes from ``--passphrase-file FILE`` (first line),
``$SOURCEBOOK_PASSPHRASE_FILE``, ``$SOURCEBOOK_PASSPHRASE``, or a prompt (``--ask-passphrase``,
or when a store turns out to be encrypted and the terminal is interactive). It is never printed.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path
from typing import Any

from services.backup import restore_store, store_is_encrypted
from services.container import Services
from ui.cli.common import fail, guard, open_services, print_json, print_table

ENV_PASSPHRASE = "SOURCEBOOK_PASSPHRASE"
ENV_PASSPHRASE_FILE = "SOURCEBOOK_PASSPHRASE_FILE"


def _passphrase_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--passphrase-file",
        metavar="FILE",
        help="read the passphrase from the first line of FILE "
        "(else $SOURCEBOOK_PASSPHRASE_FILE, $SOURCEBOOK_PASSPHRASE, or a prompt)",
    )
    p.add_argument("--ask-passphrase", action="store_true", help="prompt for the passphrase")


def register(sub: Any) -> None:
    """Add backup, restore, export-archive, import-archive and encrypt-store."""
    p = sub.add_parser("backup", help="back up the store now, or list its backups (SQLite)")
    p.add_argument("--list", action="store_true", help="list backups instead of making one")
    p.add_argument("--json", action="store_true", help="print JSON")
    _passphrase_args(p)
    p.set_defaults(func=cmd_backup, no_store=True)

    p = sub.add_parser("restore", help="replace the store with a backup (default: the newest)")
    p.add_argument("backup", nargs="?", help="backup file or name (see `backup --list`)")
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    p.add_argument("--json", action="store_true", help="print JSON")
    _passphrase_args(p)
    p.set_defaults(func=cmd_restore, no_store=True)

    p = sub.add_parser("export-archive", help="save a case with its original files (.sbk)")
    p.add_argument("case", help="case id or exact title")
    p.add_argument("--out", required=True, metavar="FILE", help="archive to write (.sbk)")
    p.add_argument(
        "--encrypt",
        action="store_true",
        help="encrypt the archive with the passphrase (always so for an encrypted store)",
    )
    p.add_argument("--json", action="store_true", help="print JSON")
    _passphrase_args(p)
    p.set_defaults(func=cmd_export_archive, no_store=True)

    p = sub.add_parser("import-archive", help="add a case from an archive (.sbk) to this store")
    p.add_argument("file", help="archive to read")
    p.add_argument("--json", action="store_true", help="print JSON")
    _passphrase_args(p)
    p.set_defaults(func=cmd_import_archive, no_store=True)

    p = sub.add_parser(
        "encrypt-store", help="write an encrypted copy of a plain SQLite store (SQLCipher)"
    )
    p.add_argument("--out", required=True, metavar="FILE", help="the encrypted store to create")
    p.add_argument("--json", action="store_true", help="print JSON")
    _passphrase_args(p)
    p.set_defaults(func=cmd_encrypt_store, no_store=True)


# --- Passphrases


def _read_passphrase(
    args: argparse.Namespace, *, needed: bool, confirm: bool = False
) -> str | None:
    """The passphrase from the file, the environment or a prompt; None if not needed/given."""
    file = args.passphrase_file or os.environ.get(ENV_PASSPHRASE_FILE, "")
    if file:
        try:
            lines = Path(file).expanduser().read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            fail(f"cannot read the passphrase file {file}: {exc.strerror}")
        if not lines or not lines[0]:
            fail(f"the passphrase file {file} is empty")
        return lines[0]
    if os.environ.get(ENV_PASSPHRASE):
        return os.environ[ENV_PASSPHRASE]
    if args.ask_passphrase or (needed and sys.stdin.isatty()):
        first = getpass.getpass("Passphrase: ")
        if confirm and getpass.getpass("Passphrase again: ") != first:
            fail("the two passphrases differ")
        return first or None
    if needed:
        fail("a passphrase is needed: use --passphrase-file FILE or set SOURCEBOOK_PASSPHRASE_FILE")
    return None


def _open(args: argparse.Namespace) -> tuple[Services, str | None]:
    """Open the store (asking for the passphrase if it is encrypted)."""
    encrypted = store_is_encrypted(args.db)
    phrase = _read_passphrase(args, needed=encrypted) if encrypted else None
    if phrase is None:
        return open_services(args.db), None
    from models.db import StoreError

    try:
        return Services.open(args.db, passphrase=phrase), phrase
    except StoreError as exc:
        fail(str(exc))


# --- Commands


@guard
def cmd_backup(args: argparse.Namespace, _none: None) -> int:
    """Back up now, or list backups."""
    svc, _ = _open(args)
    try:
        if args.list:
            found = svc.backups.list()
            if args.json:
                print_json(
                    [{"path": str(b.path), "made_at": b.made_at, "size": b.size} for b in found]
                )
            else:
                print_table(
                    ["MADE (UTC)", "SIZE", "FILE"],
                    [(b.made_at.strftime("%Y-%m-%d %H:%M:%S"), b.size, b.path.name) for b in found],
                    max_width=200,
                )
            return 0
        info = svc.backups.backup_now()
    finally:
        svc.close()
    if args.json:
        print_json({"path": str(info.path), "made_at": info.made_at, "size": info.size})
    else:
        print(f"backed up to {info.path} ({info.size:,} bytes)")
    return 0


@guard
def cmd_restore(args: argparse.Namespace, _none: None) -> int:
    """Restore a backup."""
    phrase = _read_passphrase(args, needed=False)
    if not args.yes:
        if not sys.stdin.isatty():
            fail("restoring replaces the store's content: add --yes to confirm")
        answer = input("Replace the store's content with the backup? [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            print("nothing restored")
            return 1
    result = restore_store(args.db, args.backup, phrase)
    if args.json:
        print_json(
            {
                "restored_from": str(result.restored_from),
                "safety_copy": str(result.safety_copy) if result.safety_copy else None,
                "damaged_moved_to": str(result.damaged_moved_to)
                if result.damaged_moved_to
                else None,
            }
        )
    else:
        print(f"restored from {result.restored_from.name}")
        if result.safety_copy:
            print(f"the store as it was is kept in {result.safety_copy}")
        if result.damaged_moved_to:
            print(f"the damaged store was moved to {result.damaged_moved_to}")
    return 0


@guard
def cmd_export_archive(args: argparse.Namespace, _none: None) -> int:
    """Export a case archive."""
    svc, store_phrase = _open(args)
    try:
        phrase = store_phrase
        if args.encrypt and phrase is None:
            phrase = _read_passphrase(args, needed=True, confirm=True)
        case = svc.cases.find(args.case)
        summary = svc.archive.export_case(case.id, args.out, passphrase=phrase)
    finally:
        svc.close()
    if args.json:
        print_json(summary)
    else:
        what = "encrypted archive" if summary.encrypted else "archive"
        print(
            f"wrote {what} {summary.path}: case {summary.case.id} “{summary.case.title}”, "
            f"{summary.rows.get('sources', 0)} sources, {summary.rows.get('quotes', 0)} quotes, "
            f"{summary.files} original files"
        )
    return 0


@guard
def cmd_import_archive(args: argparse.Namespace, _none: None) -> int:
    """Import a case archive."""
    from services.crypto import is_encrypted

    try:
        with open(args.file, "rb") as f:
            head = f.read(16)
    except OSError as exc:
        fail(f"cannot read {args.file}: {exc.strerror}")
    svc, store_phrase = _open(args)
    try:
        phrase = store_phrase
        if is_encrypted(head) and phrase is None:
            phrase = _read_passphrase(args, needed=True)
        summary = svc.archive.import_archive(args.file, passphrase=phrase)
    finally:
        svc.close()
    if args.json:
        print_json(summary)
    else:
        print(
            f"imported case {summary.case.id} “{summary.case.title}”: "
            f"{summary.rows.get('sources', 0)} sources, {summary.rows.get('quotes', 0)} quotes, "
            f"{summary.files} original files"
        )
    return 0


@guard
def cmd_encrypt_store(args: argparse.Namespace, _none: None) -> int:
    """Write an encrypted copy of a plain store."""
    from services.backup import encrypt_store_copy

    if store_is_encrypted(args.db):
        fail("this store is already encrypted")
    phrase = _read_passphrase(args, needed=True, confirm=True)
    assert phrase is not None
    out = encrypt_store_copy(args.db, Path(args.out), phrase)
    if args.json:
        print_json({"path": str(out)})
    else:
        print(
            f"wrote the encrypted store {out}; open it with its passphrase, then delete the "
            "plain one (and its backups) securely"
        )
    return 0
