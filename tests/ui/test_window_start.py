"""What a window start loads: only the modules the first picture needs.

Extraction, importing, archives and the suggested-quotes pane cost a tenth of a second or more
to import; the window imports them when the journalist first uses them, not at every start.
"""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from services.container import Services, hold_gc, release_gc
from services.demo import build_demo

ROOT = Path(__file__).resolve().parents[2]

LATER = (
    "services.extract.service",
    "services.extract.review",
    "services.imports",
    "services.archive",
    "services.brief.service",
    "ui.panes.review_pane",
)


def _demo_store(tmp_path: Path) -> Path:
    db = tmp_path / "case.db"
    svc = Services.open(str(db), auto_backup=False)
    build_demo(svc)
    svc.close()
    return db


def _run_child(code: str, *args: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run ``code`` in a fresh interpreter off screen; its last line of output, as JSON."""
    proc = subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen", **(env or {})},
        cwd=ROOT,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


CHILD = """
import json, sys
from ui.app import open_window, setup_application
app = setup_application()
window = open_window(sys.argv[1], sys.argv[2])
app.processEvents()
shown = window.quotes.model.rowCount()
before = sorted(m for m in json.loads(sys.argv[3]) if m in sys.modules)
window.review_pane  # Source > Suggest quotes builds it
window.svc.extraction, window.svc.imports
after = sorted(m for m in json.loads(sys.argv[3]) if m in sys.modules)
print(json.dumps({"quotes": shown, "before": before, "after": after}))
window.close()
window.svc.close()
"""


def test_a_window_start_leaves_the_heavy_modules_for_later(tmp_path: Path) -> None:
    db = _demo_store(tmp_path)
    got = _run_child(CHILD, str(db), str(tmp_path / "s.ini"), json.dumps(LATER))
    assert got["quotes"] > 0  # the window opened on the demo case, its quotes listed
    assert got["before"] == []
    assert set(got["after"]) >= {
        "ui.panes.review_pane",
        "services.extract.service",
        "services.imports",
    }


BEFORE_QT = """
import json, sys
from services.container import STARTUP_MODULES


class ReachedQt(Exception):
    pass


report = {}


class StopAtQt:
    # Records what is loaded when the window first asks for Qt, then stops the start there.
    def find_spec(self, name, path=None, target=None):
        if name == "PySide6":
            report["missing"] = sorted(m for m in STARTUP_MODULES if m not in sys.modules)
            raise ReachedQt
        return None


sys.meta_path.insert(0, StopAtQt())
import main
try:
    main.run_window(sys.argv[1])
except ReachedQt:
    report["stopped_at_qt"] = True
print(json.dumps(report))
"""


def test_python_main_imports_the_data_layer_before_qt(tmp_path: Path) -> None:
    """PySide6 makes every later first import read its module's source: the data layer comes
    first (services.container.import_startup_modules)."""
    got = _run_child(BEFORE_QT, str(tmp_path / "case.db"))
    assert got["stopped_at_qt"] is True
    assert got["missing"] == []  # every startup module was loaded before Qt was asked for


START_AND_PAINT = """
import gc, json, sys
import main
from ui import app as ui_app

opened = ui_app.open_window
report = {}


def probe(*args, **kwargs):
    window = opened(*args, **kwargs)
    report["collector_on_before_paint"] = gc.isenabled()

    def painted():
        report["collector_on_after_paint"] = gc.isenabled()
        report["frozen"] = gc.get_freeze_count()
        window.close()

    window.run_after_first_paint(painted)
    return window


ui_app.open_window = probe
status = main.run_window(sys.argv[1])
print(json.dumps({"status": status, **report}))
"""


def test_the_collector_is_held_for_the_start_and_back_after_the_first_paint(
    tmp_path: Path,
) -> None:
    """main.run_window holds Python's cyclic collector while the window starts, then sets the
    start's objects aside (gc.freeze) and turns it back on once the window has painted."""
    db = _demo_store(tmp_path)
    home = tmp_path / "home"  # QSettings, the last case and the backups stay in the test's folder
    env = {
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
    }
    got = _run_child(START_AND_PAINT, str(db), env=env)
    assert got["status"] == 0
    assert got["collector_on_before_paint"] is False
    assert got["collector_on_after_paint"] is True
    assert got["frozen"] > 10_000  # the modules, classes and mappers of the start


def test_releasing_the_collector_without_holding_it_changes_nothing() -> None:
    """Tests and other callers open windows without main.run_window: nothing is frozen then."""
    frozen = gc.get_freeze_count()
    release_gc()
    assert gc.isenabled()
    assert gc.get_freeze_count() == frozen


def test_a_collector_the_caller_turned_off_stays_off() -> None:
    gc.disable()
    try:
        hold_gc()
        release_gc()
        assert not gc.isenabled()
    finally:
        gc.enable()


FIRST_PAINT = """
import json, sys
from PySide6.QtCore import QEvent, QObject, QPoint, Qt, QTimer
from PySide6.QtTest import QTest
from ui.app import open_window, setup_application

ORM = ("sqlalchemy.orm", "models.entities", "services.quotes", "services.people")
app = setup_application()
report = {}


def loaded():
    return sorted(m for m in ORM if m in sys.modules)


class FirstPaint(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint and "at_paint" not in report:
            report["at_paint"] = loaded()
            report["rows"] = {n: p.proxy.rowCount() for n, p in window.panes.items()}
            QTimer.singleShot(0, click_a_person)  # before the window's own after-paint work
        return False


def click_a_person():
    report["before_click"] = loaded()
    pane = window.people
    row = next(r for r in range(pane.proxy.rowCount()) if pane.id_at(r) == int(sys.argv[3]))
    rect = pane.view.visualRect(pane.proxy.index(row, 0))
    QTest.mouseClick(pane.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    quotes = window.quotes.model
    while quotes.canFetchMore():
        quotes.fetchMore()
    report["speakers"] = sorted({q.speaker_id for q in quotes.loaded()})
    report["card"] = window.card.label.text()


def done():
    report["after"] = loaded()
    entities = sys.modules["models.entities"]
    report["configured"] = entities.Quote.__mapper__.configured
    window.close()
    app.quit()


window = open_window(sys.argv[1], sys.argv[2])
painter = FirstPaint()
window.installEventFilter(painter)
window.run_after_first_paint(done)
app.exec()
print(json.dumps(report))
window.svc.close()
"""


def test_the_window_paints_its_panes_before_the_orm_is_imported_and_works_at_once(
    store_url: str, tmp_path: Path
) -> None:
    """The first pages are read with Core (services.lists): the ORM, the mapped classes and the
    services of edits are imported after the first paint, one per turn of the event loop. A
    person clicked before then is shown as at any other time (what it needs is imported on
    demand), and once the window has settled the mappers are configured. On SQLite and on
    PostgreSQL."""
    svc = Services.open(store_url, auto_backup=False)
    case = build_demo(svc)
    person = svc.people.find(case.id, "Siyamend Ali")
    assert person is not None
    theirs = {q.speaker_id for q in svc.quotes.list(case.id, speaker_id=person.id)}
    svc.close()
    got = _run_child(FIRST_PAINT, store_url, str(tmp_path / "s.ini"), str(person.id))
    assert got["at_paint"] == [] and got["before_click"] == []
    assert all(n > 0 for n in got["rows"].values()), got["rows"]
    assert got["speakers"] == sorted(theirs) == [person.id]
    assert "Siyamend Ali" in got["card"]
    assert got["after"] == [
        "models.entities",
        "services.people",
        "services.quotes",
        "sqlalchemy.orm",
    ]
    assert got["configured"] is True
