"""Simulate a newer Sourcebook: the shipped migrations plus one more revision on top."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import models.db
from models.db import head_revision

EXTRA_REVISION = "9999_test_extra"
EXTRA_TABLE = "zz_test_extra"


def install_newer_migrations(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """Point models.db at a copy of the migrations with one extra revision; returns the old head.

    A store created before this call is then "older" than the running code, exactly as a store
    written by the previous release is older than the next one.
    """
    old_head = head_revision()
    target = tmp_path / "migrations"
    shutil.copytree(models.db.MIGRATIONS_DIR, target, ignore=shutil.ignore_patterns("__pycache__"))
    (target / "versions" / f"{EXTRA_REVISION}.py").write_text(
        f'''"""Test-only revision on top of the shipped ones."""

import sqlalchemy as sa
from alembic import op

revision = "{EXTRA_REVISION}"
down_revision = "{old_head}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("{EXTRA_TABLE}", sa.Column("id", sa.Integer, primary_key=True))


def downgrade() -> None:
    op.drop_table("{EXTRA_TABLE}")
''',
        encoding="utf-8",
    )
    monkeypatch.setattr(models.db, "MIGRATIONS_DIR", target)
    monkeypatch.setattr(models.db, "HEAD_REVISION", EXTRA_REVISION)  # what a release would ship
    assert head_revision() == EXTRA_REVISION
    return old_head
