"""Command-line fixtures: a store holding the sample case, copied fresh for each test."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from services.container import Services
from services.demo import build_demo


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite store holding the sample case (case 1, source 1), built once."""
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    svc = Services.open(str(path), auto_backup=False)
    build_demo(svc)
    svc.close()
    return path


@pytest.fixture
def demo_db(demo_template: Path, tmp_path: Path) -> Path:
    """A fresh copy of the demo store for one test."""
    path = tmp_path / "store.db"
    shutil.copyfile(demo_template, path)
    return path
