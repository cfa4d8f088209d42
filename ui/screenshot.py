"""Save a picture of the window on the demo case (for docs/window.png).

Run on a real X server, for example::

    xvfb-run -a -s "-screen 0 1600x1000x24" python -m ui.screenshot docs/window.png

The demo case is built into a temporary store; the window opens with fresh settings and opens
a quote in the reader; the card shows its speaker, whose aliases include an Arabic one.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

WIDTH, HEIGHT = 1600, 1000  # pixels
PERSON = "Mazloum Abdi"  # the card shows his Arabic name
SETTLE = 800  # ms for the window to lay itself out before the picture is taken


def main(argv: list[str] | None = None) -> int:
    """Build the demo store, open the window, save the picture to ``argv[0]``."""
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0] if args else "docs/window.png")
    from PySide6.QtCore import QTimer

    from services.container import Services
    from services.demo import build_demo
    from ui.app import setup_application
    from ui.main_window import MainWindow
    from ui.settings import WindowSettings, make_settings

    app = setup_application()
    with tempfile.TemporaryDirectory() as tmp:
        svc = Services.open(str(Path(tmp) / "demo.db"), auto_backup=False)
        case = build_demo(svc)
        svc.backups.backup_now()
        window = MainWindow(svc, WindowSettings(make_settings(str(Path(tmp) / "s.ini"))))
        window.resize(WIDTH, HEIGHT)
        window.show()
        person = svc.people.find(case.id, PERSON)
        assert person is not None
        quotes = svc.quotes.list(case.id, speaker_id=person.id)
        window.select_item("quote", quotes[0].id)  # the card shows who said it
        window.people.select_id(person.id)

        def shoot() -> None:
            window.show_backup()
            app.processEvents()
            out.parent.mkdir(parents=True, exist_ok=True)
            window.grab().save(str(out))
            window.close()
            app.quit()

        QTimer.singleShot(SETTLE, shoot)
        app.exec()
        svc.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
