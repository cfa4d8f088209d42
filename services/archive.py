"""Case archives (``.sbk``): one case with its original files, to move or share it.

An archive is a zip holding:

* ``manifest.json``: format name and version, the exporting schema revision, the case title,
  counts, and every original file's SHA-256, size and media type;
* ``case.json``: every row of the case, table by table (column names, then rows), with the ids
  as they were in the exporting store;
* ``files/<sha256>``: the original bytes of each imported file.

The table list is read from the schema (``models.entities``): a table belongs to a case when it
has a ``case_id`` column, or links rows that do (aliases, tags, event links...), or holds the
original files of its sources. New tables are carried without changing this module.

Importing gives every row a new id in the target store (SQLite or PostgreSQL), in one
transaction: a damaged archive leaves the store unchanged. When a passphrase is given, the zip
is encrypted as a whole (``services.crypto``); archives of an encrypted store must be.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import io
import json
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Column, Date, DateTime, LargeBinary, Table, select
from sqlalchemy.orm import Session

from models import schema
from models.db import Store, head_revision
from models.entities import Base, Case
from services.base import Service, get_or_raise
from services.crypto import CryptoError, decrypt, encrypt, is_encrypted
from services.dto import CaseDTO
from services.errors import DomainError

FORMAT = "sourcebook-case-archive"
FORMAT_VERSION = 1
MAX_ARCHIVE_BYTES = 2 * 1024 * 1024 * 1024  # bytes: refuse larger archives before reading
MAX_MEMBER_BYTES = 512 * 1024 * 1024  # bytes, uncompressed, per member
_CHUNK = 5000  # ids per IN (...) query (SQLite allows 32766 parameters)
_FILES_TABLE = "source_files"


class ArchiveError(DomainError):
    """A case archive cannot be written or read; the message says why."""


@dataclass(frozen=True)
class ArchiveSummary:
    """What an export or import did.

    Attributes:
        case: The case exported, or the case created by the import.
        rows: Rows per table.
        files: Original files carried.
        encrypted: Whether the archive is encrypted.
        path: The archive file.
    """

    case: CaseDTO
    rows: dict[str, int]
    files: int
    encrypted: bool
    path: Path


# --- Which rows belong to a case


def _tables() -> list[Table]:
    return [t for t in Base.metadata.sorted_tables if t.name != "alembic_version"]


def _pk(table: Table) -> Column[Any] | None:
    cols = list(table.primary_key.columns)
    if len(cols) == 1 and cols[0].name == "id":
        return cols[0]
    return None


def _fk_targets(table: Table) -> dict[str, str]:
    """Column name -> referenced table name, for single-column foreign keys to ``id``."""
    out: dict[str, str] = {}
    for col in table.columns:
        for fk in col.foreign_keys:
            out[col.name] = fk.column.table.name
    return out


def _chunks(ids: Iterable[int]) -> Iterable[list[int]]:
    batch: list[int] = []
    for i in sorted(ids):
        batch.append(i)
        if len(batch) >= _CHUNK:
            yield batch
            batch = []
    if batch:
        yield batch


def _to_json(col: Column[Any], value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, bytes):
        raise ArchiveError(f"unexpected binary column {col.table.name}.{col.name}")
    return value


def _type_of(col: Column[Any]) -> Any:
    return getattr(col.type, "impl", col.type)


def _from_json(col: Column[Any], value: Any) -> Any:
    if value is None:
        return None
    kind = _type_of(col)
    if isinstance(kind, DateTime):
        parsed = dt.datetime.fromisoformat(_str(col, value))
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
    if isinstance(kind, Date):
        return dt.date.fromisoformat(_str(col, value))
    return value


def _str(col: Column[Any], value: Any) -> str:
    if not isinstance(value, str):
        raise ArchiveError(f"{col.table.name}.{col.name}: expected text, found {value!r:.40}")
    return value


class ArchiveService(Service):
    """Export a case to an archive and import archives.

    Attributes:
        store: The open store (to know whether it is encrypted).
    """

    def __init__(self, store: Store) -> None:
        super().__init__(store.sessions)
        self.store = store

    # --- Export

    def _collect(self, s: Session, case_id: int) -> dict[str, list[dict[str, Any]]]:
        """Every row of the case, by table, in dependency order."""
        picked: dict[str, list[dict[str, Any]]] = {}
        ids: dict[str, set[int]] = {}
        tables = _tables()
        # Rows of the case itself and of tables with a case_id column.
        for t in tables:
            pk = _pk(t)
            if t.name == schema.cases.name:
                rows = s.execute(select(t).where(t.c.id == case_id)).mappings().all()
            elif "case_id" in t.c:
                order = [pk] if pk is not None else list(t.primary_key.columns)
                rows = (
                    s.execute(select(t).where(t.c.case_id == case_id).order_by(*order))
                    .mappings()
                    .all()
                )
            else:
                continue
            picked[t.name] = [dict(r) for r in rows]
            if pk is not None:
                ids[t.name] = {r["id"] for r in rows}
        # Original files referenced by the case's rows.
        files = Base.metadata.tables.get(_FILES_TABLE)
        if files is not None:
            wanted: set[int] = set()
            for t in tables:
                for col, target in _fk_targets(t).items():
                    if target == _FILES_TABLE and t.name in picked:
                        wanted |= {r[col] for r in picked[t.name] if r[col] is not None}
            rows_f: list[dict[str, Any]] = []
            for batch in _chunks(wanted):
                rows_f += [
                    dict(r)
                    for r in s.execute(select(files).where(files.c.id.in_(batch))).mappings()
                ]
            picked[_FILES_TABLE] = sorted(rows_f, key=lambda r: r["id"])
            ids[_FILES_TABLE] = wanted
        # Rows of other tables that hang off rows already picked (aliases, links, tags...).
        for t in tables:
            if t.name in picked:
                continue
            anchors = [
                (c, target) for c, target in _fk_targets(t).items() if target in ids and target
            ]
            anchors = [(c, target) for c, target in anchors if target != _FILES_TABLE]
            if not anchors:
                continue
            col, target = anchors[0]
            found: list[dict[str, Any]] = []
            for batch in _chunks(ids[target]):
                found += [
                    dict(r) for r in s.execute(select(t).where(t.c[col].in_(batch))).mappings()
                ]
            # Keep only rows whose every anchored reference stays inside the case.
            found = [r for r in found if all(r[c] is None or r[c] in ids[tg] for c, tg in anchors)]
            key_cols = [c.name for c in t.primary_key.columns]
            picked[t.name] = sorted(found, key=lambda r: tuple(r[c] for c in key_cols))
            pk = _pk(t)
            if pk is not None:
                ids[t.name] = {r["id"] for r in found}
        return picked

    def export_case(
        self, case_id: int, out: Path | str, passphrase: str | None = None
    ) -> ArchiveSummary:
        """Write case ``case_id`` with its original files to ``out``.

        Raises:
            ArchiveError: the store is encrypted and no passphrase was given, or writing failed.
        """
        if self.store.encrypted and not passphrase:
            raise ArchiveError(
                "this store is encrypted: its archives must be too; give a passphrase"
            )
        out = Path(out)
        with self._read() as s:
            case = CaseDTO.of(get_or_raise(s, Case, case_id))
            picked = self._collect(s, case_id)
            tables_json: dict[str, Any] = {}
            for t in _tables():
                if t.name not in picked:
                    continue
                cols = [c for c in t.columns if not isinstance(c.type, LargeBinary)]
                tables_json[t.name] = {
                    "columns": [c.name for c in cols],
                    "rows": [[_to_json(c, r[c.name]) for c in cols] for r in picked[t.name]],
                }
            buf = io.BytesIO()
            files_meta: list[dict[str, Any]] = []
            with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as z:
                table = Base.metadata.tables.get(_FILES_TABLE)
                for row in picked.get(_FILES_TABLE, []):
                    assert table is not None
                    data = s.scalar(select(table.c.data).where(table.c.id == row["id"]))
                    data = bytes(data or b"")
                    digest = hashlib.sha256(data).hexdigest()
                    if digest != row.get("sha256"):
                        raise ArchiveError(
                            f"original file {row['id']} is damaged in the store (its SHA-256 "
                            "changed); restore a backup before exporting"
                        )
                    z.writestr(f"files/{digest}", data)
                    files_meta.append(
                        {
                            "sha256": digest,
                            "size": len(data),
                            "media_type": row.get("media_type", ""),
                        }
                    )
                manifest = {
                    "format": FORMAT,
                    "version": FORMAT_VERSION,
                    "schema": head_revision(),
                    "exported_at": dt.datetime.now(dt.UTC).isoformat(),
                    "case_title": case.title,
                    "counts": {k: len(v) for k, v in picked.items()},
                    "files": files_meta,
                }
                z.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1))
                z.writestr("case.json", json.dumps({"tables": tables_json}, ensure_ascii=False))
        blob = buf.getvalue()
        if passphrase:
            blob = encrypt(blob, passphrase)
        tmp = out.with_name(out.name + ".tmp")
        try:
            tmp.write_bytes(blob)
            tmp.replace(out)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise ArchiveError(f"cannot write {out}: {exc.strerror}") from exc
        return ArchiveSummary(
            case,
            {k: len(v) for k, v in picked.items()},
            len(files_meta),
            bool(passphrase),
            out,
        )

    # --- Import

    def import_archive(self, path: Path | str, passphrase: str | None = None) -> ArchiveSummary:
        """Create a new case in this store from an archive.

        Raises:
            ArchiveError: unreadable, damaged, encrypted without (or with a wrong) passphrase,
                or written by a newer Sourcebook. The store is unchanged then.
        """
        path = Path(path)
        try:
            size = path.stat().st_size
        except OSError as exc:
            raise ArchiveError(f"cannot read {path}: {exc.strerror}") from exc
        if size > MAX_ARCHIVE_BYTES:
            raise ArchiveError(f"{path.name} is larger than the archive size limit")
        try:
            blob = path.read_bytes()
        except OSError as exc:
            raise ArchiveError(f"cannot read {path}: {exc.strerror}") from exc
        return self.import_bytes(blob, passphrase, path)

    def import_bytes(
        self, blob: bytes, passphrase: str | None = None, path: Path | None = None
    ) -> ArchiveSummary:
        """Like :meth:`import_archive`, from the archive's bytes."""
        name = path.name if path else "the archive"
        encrypted = is_encrypted(blob)
        if encrypted:
            if not passphrase:
                raise ArchiveError(f"{name} is encrypted: give its passphrase")
            try:
                blob = decrypt(blob, passphrase)
            except CryptoError as exc:
                raise ArchiveError(f"{name}: {exc.message}") from None
        try:
            _manifest, tables, files = _read_zip(blob)
            with self._tx() as s:
                case_id, rows = _insert(s, tables, files)
                case = CaseDTO.of(get_or_raise(s, Case, case_id))
        except DomainError as exc:
            if isinstance(exc, ArchiveError):
                raise
            raise ArchiveError(f"{name} cannot be imported: {exc.message}") from exc
        except Exception as exc:  # any malformed content: one plain message, store unchanged
            raise ArchiveError(
                f"{name} is damaged or not a Sourcebook archive ({_why(exc)})"
            ) from exc
        return ArchiveSummary(case, rows, len(files), encrypted, path or Path(name))


def _why(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    line = text.splitlines()[0] if text else type(exc).__name__
    return line[:160]


def _read_member(z: zipfile.ZipFile, name: str) -> bytes:
    try:
        info = z.getinfo(name)
    except KeyError:
        raise ArchiveError(f"the archive has no {name}") from None
    if info.file_size > MAX_MEMBER_BYTES:
        raise ArchiveError(f"{name} in the archive is too large")
    with z.open(info) as f:
        data = f.read(MAX_MEMBER_BYTES + 1)
    if len(data) > MAX_MEMBER_BYTES:
        raise ArchiveError(f"{name} in the archive is too large")
    return data


def _read_zip(
    blob: bytes,
) -> tuple[dict[str, Any], dict[str, Any], dict[str, bytes]]:
    if not blob.startswith(b"PK"):
        raise ArchiveError("this is not a Sourcebook archive (not a zip file)")
    with zipfile.ZipFile(io.BytesIO(blob)) as z:
        manifest = json.loads(_read_member(z, "manifest.json").decode("utf-8"))
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise ArchiveError("this is not a Sourcebook case archive")
        version = manifest.get("version")
        if not isinstance(version, int) or version < 1:
            raise ArchiveError("the archive's format version is missing or damaged")
        if version > FORMAT_VERSION:
            raise ArchiveError(
                f"this archive was written by a newer Sourcebook (format {version}); update"
            )
        body = json.loads(_read_member(z, "case.json").decode("utf-8"))
        if not isinstance(body, dict) or not isinstance(body.get("tables"), dict):
            raise ArchiveError("the archive's case.json is damaged")
        entries = manifest.get("files", [])
        if not isinstance(entries, list):
            raise ArchiveError("the archive's file list is damaged")
        files: dict[str, bytes] = {}
        for entry in entries:
            if not isinstance(entry, dict) or not isinstance(entry.get("sha256"), str):
                raise ArchiveError("the archive's file list is damaged")
            digest = entry["sha256"]
            data = _read_member(z, f"files/{digest}")
            if hashlib.sha256(data).hexdigest() != digest:
                raise ArchiveError(f"original file {digest[:12]}… is damaged in the archive")
            files[digest] = data
    return manifest, body["tables"], files


def _insert(
    s: Session, tables: dict[str, Any], files: dict[str, bytes]
) -> tuple[int, dict[str, int]]:
    known = {t.name: t for t in _tables()}
    unknown = sorted(set(tables) - set(known))
    if unknown:
        raise ArchiveError(
            f"the archive holds tables this Sourcebook does not know ({', '.join(unknown)}); "
            "update Sourcebook"
        )
    idmap: dict[str, dict[int, int]] = {}
    counts: dict[str, int] = {}
    # Self-references to set once every row exists: table, new id, column, old ref, and the
    # values of columns with an ``onupdate`` (updated_at) so that the update keeps them.
    deferred: list[tuple[Table, int, str, int, dict[str, Any]]] = []
    case_id: int | None = None
    for t in _tables():
        spec = tables.get(t.name)
        if spec is None:
            continue
        if not isinstance(spec, dict):
            raise ArchiveError(f"table {t.name} is damaged in the archive")
        columns, rows = spec.get("columns"), spec.get("rows")
        if not isinstance(columns, list) or not isinstance(rows, list):
            raise ArchiveError(f"table {t.name} is damaged in the archive")
        bad = [c for c in columns if not isinstance(c, str) or c not in t.c]
        if bad:
            raise ArchiveError(
                f"table {t.name} has columns this Sourcebook does not know "
                f"({', '.join(map(str, bad))[:80]}); update Sourcebook"
            )
        if len(set(columns)) != len(columns):
            raise ArchiveError(f"table {t.name} is damaged in the archive")
        if t.name == schema.cases.name and len(rows) != 1:
            raise ArchiveError("an archive holds exactly one case")
        pk = _pk(t)
        targets = _fk_targets(t)
        mapping = idmap.setdefault(t.name, {})
        counts[t.name] = len(rows)
        batch: list[dict[str, Any]] = []
        olds: list[int | None] = []
        laters: list[list[tuple[str, str, int]]] = []
        for raw in rows:
            if not isinstance(raw, list) or len(raw) != len(columns):
                raise ArchiveError(f"a row of {t.name} is damaged in the archive")
            row = {c: _from_json(t.c[c], v) for c, v in zip(columns, raw, strict=True)}
            old_id = row.pop("id", None) if pk is not None else None
            if pk is not None and not isinstance(old_id, int):
                raise ArchiveError(f"a row of {t.name} has no id")
            later: list[tuple[str, str, int]] = []
            for col, target in targets.items():
                ref = row.get(col)
                if ref is None:
                    continue
                if not isinstance(ref, int) or isinstance(ref, bool):
                    raise ArchiveError(f"{t.name}.{col} is not an id in the archive")
                if target == t.name:
                    # Self-reference (revisions, attachments): set once every row exists.
                    row[col] = None
                    later.append((col, target, ref))
                    continue
                new = idmap.get(target, {}).get(ref)
                if new is None:
                    raise ArchiveError(f"{t.name}.{col} points at a missing {target} row")
                row[col] = new
            if t.name == _FILES_TABLE:
                assert old_id is not None
                mapping[old_id] = _file_row(s, t, row, files)
                continue
            batch.append(row)
            olds.append(old_id)
            laters.append(later)
        if not batch:
            continue
        if pk is None:
            s.execute(t.insert(), batch)
            continue
        # One multi-row INSERT ... RETURNING per table; ids come back in parameter order.
        stmt = t.insert().returning(t.c.id, sort_by_parameter_order=True)
        new_ids = list(s.scalars(stmt, batch))
        if len(new_ids) != len(batch):
            raise ArchiveError(f"table {t.name} could not be restored completely")
        keep_cols = [c.name for c in t.columns if c.onupdate is not None]
        for old_id, new_id, row, later in zip(olds, new_ids, batch, laters, strict=True):
            assert old_id is not None
            mapping[old_id] = new_id
            if later:
                kept = {k: row[k] for k in keep_cols if row.get(k) is not None}
                deferred += [(t, new_id, c, ref, kept) for c, _tg, ref in later]
        if t.name == schema.cases.name:
            case_id = new_ids[0]
    for t, new_id, col, ref, kept in deferred:
        new_ref = idmap[t.name].get(ref)
        if new_ref is None:
            raise ArchiveError(f"{t.name}.{col} points at a missing {t.name} row")
        s.execute(t.update().where(t.c.id == new_id).values({col: new_ref, **kept}))
    if case_id is None:
        raise ArchiveError("the archive holds no case")
    s.flush()
    return case_id, counts


def _file_row(s: Session, t: Table, row: dict[str, Any], files: dict[str, bytes]) -> int:
    digest = row.get("sha256")
    if not isinstance(digest, str) or digest not in files:
        raise ArchiveError("an original file listed in the archive is missing")
    data = files[digest]
    existing = s.scalar(select(t.c.id).where(t.c.sha256 == digest))
    if existing is not None:
        return int(existing)
    values = dict(row)
    values["data"] = data
    values["size"] = len(data)
    new_id = s.execute(t.insert().values(**values).returning(t.c.id)).scalar_one()
    return int(new_id)


def read_archive(blob: bytes) -> tuple[dict[str, Any], dict[str, Any], dict[str, bytes]]:
    """Parse an archive's zip without touching a store: (manifest, tables, files).

    Raises:
        ArchiveError: for any damaged or foreign input (and nothing else).
    """
    try:
        return _read_zip(blob)
    except ArchiveError:
        raise
    except Exception as exc:
        raise ArchiveError(f"damaged or not a Sourcebook archive ({_why(exc)})") from exc
