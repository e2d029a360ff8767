"""The tray's state icons, shared by the tray and its status window."""

from __future__ import annotations

from PySide6.QtGui import QIcon

from app.resources import resource_path

ICONS = resource_path("icons")


def state_icon(state: str) -> QIcon:
    """The icon of a tray state ("connected", "attention", "unset")."""
    return QIcon(str(ICONS / f"tray-{state}.svg"))
