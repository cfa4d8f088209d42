"""Window settings kept between runs (QSettings): geometry, dock layout, last case."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QByteArray, QSettings

ORGANISATION = "Sourcebook"
APPLICATION = "Sourcebook"
LAYOUT_VERSION = 1  # bump when the docks change, so an old saved layout is ignored


def make_settings(path: str | None = None) -> QSettings:
    """The user's settings, or an INI file at ``path`` (tests and benchmarks)."""
    if path:
        return QSettings(path, QSettings.Format.IniFormat)
    return QSettings(
        QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANISATION, APPLICATION
    )


class WindowSettings:
    """Typed access to what the window remembers.

    Attributes:
        qsettings: The underlying store.
    """

    def __init__(self, qsettings: QSettings) -> None:
        self.qsettings = qsettings

    def _bytes(self, key: str) -> QByteArray | None:
        v: Any = self.qsettings.value(key)
        return v if isinstance(v, QByteArray) and not v.isEmpty() else None

    @property
    def geometry(self) -> QByteArray | None:
        """Saved window geometry."""
        return self._bytes("window/geometry")

    @property
    def state(self) -> QByteArray | None:
        """Saved dock and toolbar layout."""
        return self._bytes("window/state")

    def header(self, pane: str) -> QByteArray | None:
        """Saved column widths and order of a pane's table."""
        return self._bytes(f"panes/{pane}/header")

    @property
    def last_case(self) -> int | None:
        """Id of the case open when the window last closed."""
        v: Any = self.qsettings.value("case/last")
        try:
            return int(v) if v is not None else None
        except (TypeError, ValueError):
            return None

    def save_window(self, geometry: QByteArray, state: QByteArray) -> None:
        """Remember geometry and layout."""
        self.qsettings.setValue("window/geometry", geometry)
        self.qsettings.setValue("window/state", state)

    def save_header(self, pane: str, state: QByteArray) -> None:
        """Remember a table's column widths."""
        self.qsettings.setValue(f"panes/{pane}/header", state)

    def save_case(self, case_id: int) -> None:
        """Remember the open case."""
        self.qsettings.setValue("case/last", case_id)

    def sync(self) -> None:
        """Write to disk now."""
        self.qsettings.sync()
