"""Starting the window: fonts, palette, error hook, services, the main window.

``python main.py`` calls :func:`run_app`.
"""

from __future__ import annotations

import logging
import sys
import traceback
from types import TracebackType
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QFontDatabase, QPalette
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow, QMessageBox

log = logging.getLogger(__name__)

UI_FONT = "Noto Sans"
UI_FONT_SIZE = 10  # points


def register_fonts() -> list[str]:
    """Register the bundled Latin and Arabic fonts; returns the family names now available."""
    from services.fonts import font_files

    families: list[str] = []
    try:
        files = font_files().all()
    except FileNotFoundError as exc:
        log.warning("bundled fonts missing: %s", exc)
        return families
    for path in files:
        fid = QFontDatabase.addApplicationFont(str(path))
        if fid >= 0:
            families.extend(QFontDatabase.applicationFontFamilies(fid))
    return families


def dark_palette() -> QPalette:
    """Fusion's colours for a dark system theme."""
    p = QPalette()
    role, group = QPalette.ColorRole, QPalette.ColorGroup
    colours = {
        role.Window: QColor(45, 45, 48),
        role.WindowText: QColor(230, 230, 230),
        role.Base: QColor(30, 30, 32),
        role.AlternateBase: QColor(40, 40, 44),
        role.ToolTipBase: QColor(60, 60, 64),
        role.ToolTipText: QColor(230, 230, 230),
        role.PlaceholderText: QColor(150, 150, 150),
        role.Text: QColor(230, 230, 230),
        role.Button: QColor(53, 53, 56),
        role.ButtonText: QColor(230, 230, 230),
        role.BrightText: QColor(255, 90, 90),
        role.Light: QColor(80, 80, 84),
        role.Midlight: QColor(66, 66, 70),
        role.Mid: QColor(50, 50, 54),
        role.Dark: QColor(25, 25, 27),
        role.Shadow: QColor(0, 0, 0),
        role.Highlight: QColor(42, 130, 218),
        role.HighlightedText: QColor(255, 255, 255),
        role.Link: QColor(110, 170, 255),
        role.LinkVisited: QColor(170, 140, 255),
    }
    for r, c in colours.items():
        p.setColor(r, c)
    for r in (role.WindowText, role.Text, role.ButtonText):
        p.setColor(group.Disabled, r, QColor(120, 120, 120))
    return p


def apply_color_scheme(app: QApplication, scheme: Qt.ColorScheme | None = None) -> None:
    """Use light or dark colours as the system does (``scheme``: what it reports now)."""
    if scheme is None:
        scheme = app.styleHints().colorScheme()
    if scheme == Qt.ColorScheme.Dark:
        app.setPalette(dark_palette())
    else:
        app.setPalette(app.style().standardPalette())


_SET_UP = "sourcebook_set_up"  # a QApplication property: fonts, style and palette are done


def setup_application(argv: list[str] | None = None) -> QApplication:
    """The QApplication with names, bundled fonts and the system palette (set up once)."""
    app = QApplication.instance()
    if app is None:
        app = QApplication(argv if argv is not None else sys.argv[:1])
    assert isinstance(app, QApplication)
    if app.property(_SET_UP):
        return app
    app.setProperty(_SET_UP, True)
    app.setOrganizationName("Sourcebook")
    app.setApplicationName("Sourcebook")
    app.setApplicationDisplayName("Sourcebook")
    families = register_fonts()
    if UI_FONT in families:
        font = QFont(UI_FONT, UI_FONT_SIZE)
        # Arabic falls back to the bundled Noto Sans Arabic rather than whatever the system has.
        QFont.insertSubstitution(UI_FONT, "Noto Sans Arabic")
        app.setFont(font)
    # Fusion looks the same on every platform; its colours follow the system's light or dark
    # scheme, now and whenever the user switches.
    app.setStyle("Fusion")
    apply_color_scheme(app)
    app.styleHints().colorSchemeChanged.connect(lambda scheme: apply_color_scheme(app, scheme))
    return app


def install_excepthook(show: Any) -> None:
    """Turn unexpected exceptions into one plain sentence (``show(text)``); log the details."""

    def hook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        log.error("unexpected error:\n%s", "".join(traceback.format_exception(kind, exc, tb)))
        from services.errors import DomainError

        text = (
            exc.message
            if isinstance(exc, DomainError)
            else f"Something went wrong ({kind.__name__}: {exc}). Your work is saved."
        )
        try:
            show(text)
        except RuntimeError:  # the window is already gone (the application is quitting)
            log.error("%s", text)

    sys.excepthook = hook


def startup_frame(settings_path: str | None = None) -> QMainWindow:
    """An empty window where the main window will appear, shown while the store opens.

    Importing the store's libraries and opening a big case takes a moment; the frame shows at
    once, at the saved size and place, and says what is happening.
    """
    from ui.settings import WindowSettings, make_settings

    frame = QMainWindow()
    frame.setWindowTitle("Sourcebook")
    saved = WindowSettings(make_settings(settings_path)).geometry
    if saved is None or not frame.restoreGeometry(saved):
        frame.resize(1400, 860)
    label = QLabel("Opening the case file…")
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    frame.setCentralWidget(label)
    return frame


def open_window(
    db: str | None = None, settings_path: str | None = None, passphrase: str | None = None
) -> Any:
    """Open the store ``db`` and show the main window on the last case; returns the window.

    ``passphrase`` opens an encrypted store (else the environment's, see ``models.db``).

    Raises:
        StoreError, DomainError: the store cannot be opened (the message says why).
    """
    setup_application()
    from services.container import Services, release_gc
    from ui.main_window import MainWindow
    from ui.settings import WindowSettings, make_settings
    from ui.workers import run_task

    # The backup made on opening (when the store changed since the last one) and the
    # background reads of the case start once the window has painted, so that neither delays
    # the first picture nor competes with it for the processor.
    services = Services.open(db, passphrase, auto_backup=False)
    window = MainWindow(
        services, WindowSettings(make_settings(settings_path)), defer_background=True
    )
    install_excepthook(window.show_error)
    window.show()

    def backed_up(_: Any) -> None:
        if not window.closing:
            window.show_backup()

    def backup_failed(exc: BaseException) -> None:
        if not window.closing:
            window.show_error(f"The automatic backup failed: {exc}")

    window.run_after_first_paint(release_gc)  # held by main.run_window for the start
    window.run_after_first_paint(
        lambda: run_task(services.backups.start_automatic, backed_up, backup_failed, write=True)
    )
    return window


def ask_passphrase(file_name: str, problem: str = "") -> str | None:
    """Ask for the passphrase of the encrypted store ``file_name``; None if the user cancels.

    The answer is typed into a password field (never shown) and kept only in memory.
    """
    from PySide6.QtWidgets import QInputDialog, QLineEdit

    prompt = f"{file_name} is encrypted. Passphrase:"
    if problem:
        prompt = f"{problem}.\n\n{prompt}"
    text, ok = QInputDialog.getText(
        None, "Sourcebook — encrypted case file", prompt, QLineEdit.EchoMode.Password
    )
    return text if ok and text else None


def open_window_asking(
    db: str | None = None,
    settings_path: str | None = None,
    ask: Any = ask_passphrase,
) -> Any:
    """:func:`open_window`, asking for the passphrase while an encrypted store will not open.

    ``ask(file_name, problem)`` returns the passphrase typed, or None when the user gives up;
    then the last error is raised. Without encryption, errors are raised at once.

    Raises:
        StoreError, DomainError: the store cannot be opened (the message says why).
    """
    from models.db import StoreError, resolve_url, sqlite_file, store_is_encrypted

    passphrase: str | None = None
    while True:
        try:
            return open_window(db, settings_path, passphrase=passphrase)
        except StoreError as exc:
            if not store_is_encrypted(db):
                raise
            path = sqlite_file(resolve_url(db))
            name = path.name if path is not None else "The case file"
            tried = passphrase is not None or "wrong passphrase" in str(exc)
            problem = f"Wrong passphrase for {name}" if tried else ""
            passphrase = ask(name, problem)
            if passphrase is None:
                raise


def run_app(db: str | None = None, settings_path: str | None = None) -> int:
    """Open the store ``db`` and run the window until it closes; returns the exit status."""
    app = setup_application()
    frame = startup_frame(settings_path)
    frame.show()
    frame.repaint()
    app.processEvents()
    from models.db import StoreError
    from services.errors import DomainError

    try:
        window = open_window_asking(db, settings_path)
    except (StoreError, DomainError) as exc:
        frame.close()
        QMessageBox.critical(None, "Sourcebook", f"The case file could not be opened: {exc}")
        return 2
    frame.close()
    try:
        return int(app.exec())
    finally:
        from ui.workers import write_pool

        write_pool().waitForDone(60_000)  # a backup still running finishes first
        window.svc.close()
