"""Opening an encrypted store from the window: the passphrase is asked, a wrong one said so."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from PySide6.QtWidgets import QInputDialog, QLineEdit

from models.db import ENV_PASSPHRASE, ENV_PASSPHRASE_FILE, StoreError
from services.container import Services
from services.demo import build_demo
from ui import app as ui_app

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")  # the offscreen plugin's notice

SECRET = "a long walk to Hasaka"


@pytest.fixture
def encrypted_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv(ENV_PASSPHRASE, raising=False)
    monkeypatch.delenv(ENV_PASSPHRASE_FILE, raising=False)
    path = tmp_path / "secret-case.db"
    svc = Services.open(str(path), SECRET, auto_backup=False)
    build_demo(svc)
    svc.close()
    return path


@pytest.fixture
def keep_hook() -> Any:
    hook = sys.excepthook
    yield
    sys.excepthook = hook


def test_the_window_asks_again_after_a_wrong_passphrase(
    qtbot: Any, encrypted_store: Path, settings_path: str, keep_hook: None
) -> None:
    asked: list[tuple[str, str]] = []
    answers = iter(["not it", SECRET])

    def ask(name: str, problem: str) -> str | None:
        asked.append((name, problem))
        return next(answers)

    window = ui_app.open_window_asking(str(encrypted_store), settings_path, ask=ask)
    qtbot.addWidget(window)
    try:
        assert asked == [
            ("secret-case.db", ""),
            ("secret-case.db", "Wrong passphrase for secret-case.db"),
        ]
        assert window.isVisible() and window.svc.store.encrypted
        assert window.quotes.model.rowCount() == 8  # the sample case, read through the key
    finally:
        window.close()
        window.svc.close()
    # The passphrase went nowhere: not into the settings the window saved.
    assert SECRET.encode() not in Path(settings_path).read_bytes()


def test_giving_up_leaves_the_error_that_names_the_file(
    encrypted_store: Path, settings_path: str, keep_hook: None
) -> None:
    with pytest.raises(StoreError, match="secret-case.db is encrypted"):
        ui_app.open_window_asking(str(encrypted_store), settings_path, ask=lambda *_: None)


def test_a_plain_store_that_fails_is_not_asked_about(
    tmp_path: Path, settings_path: str, keep_hook: None
) -> None:
    asked: list[str] = []
    with pytest.raises(StoreError, match="folder does not exist"):
        ui_app.open_window_asking(
            str(tmp_path / "missing" / "x.db"), settings_path, ask=lambda *a: asked.append(a)
        )
    assert asked == []


def test_the_passphrase_is_typed_into_a_password_field(
    qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: dict[str, Any] = {}

    def get_text(parent: Any, title: str, label: str, mode: Any) -> tuple[str, bool]:
        seen.update(title=title, label=label, mode=mode)
        return SECRET, True

    monkeypatch.setattr(QInputDialog, "getText", get_text)
    assert ui_app.ask_passphrase("secret-case.db", "Wrong passphrase for secret-case.db") == SECRET
    assert seen["mode"] == QLineEdit.EchoMode.Password
    assert seen["label"].startswith("Wrong passphrase for secret-case.db.")
    assert "secret-case.db is encrypted" in seen["label"]
    monkeypatch.setattr(QInputDialog, "getText", lambda *a: ("", False))
    assert ui_app.ask_passphrase("secret-case.db") is None
