"""Fixtures for the window tests: synchronous workers, a temp settings file, the demo case."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from services.container import Services
from services.demo import build_demo
from ui import workers
from ui.main_window import MainWindow
from ui.settings import WindowSettings, make_settings


@pytest.fixture(autouse=True)
def synchronous_workers() -> Iterator[None]:
    """Run worker tasks in the calling thread (STYLE §5: a fake pool)."""
    workers.use_synchronous_pools(True)
    yield
    workers.use_synchronous_pools(False)


@pytest.fixture
def settings_path(tmp_path: Path) -> str:
    """A settings file of this test only."""
    return str(tmp_path / "settings.ini")


@pytest.fixture
def demo(sqlite_services: Services) -> Any:
    """The demo case in a fresh store."""
    return build_demo(sqlite_services)


@pytest.fixture
def make_window(
    qtbot: Any, sqlite_services: Services, settings_path: str
) -> Callable[[], MainWindow]:
    """Build a main window over the test store (each call is a fresh start)."""

    def make() -> MainWindow:
        w = MainWindow(sqlite_services, WindowSettings(make_settings(settings_path)))
        w.confirm = lambda question: True
        qtbot.addWidget(w)
        return w

    return make


@pytest.fixture
def window(make_window: Callable[[], MainWindow], demo: Any) -> MainWindow:
    """A shown window on the demo case."""
    w = make_window()
    w.show()
    return w
