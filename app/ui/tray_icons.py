"""The tray's state icons, shared by the tray and its status window."""

from __future__ import annotations

from enum import StrEnum

from PySide6.QtGui import QIcon

from app.resources import resource_path

ICONS = resource_path("icons")


class TrayState(StrEnum):
    """What the tray says about the connection (its icon is icons/tray-<state>.svg)."""

    CONNECTED = "connected"
    ATTENTION = "attention"  # a check failed, or none has run yet
    UNSET = "unset"  # no client ID: not set up


def state_icon(state: TrayState) -> QIcon:
    """The icon of a tray state."""
    return QIcon(str(ICONS / f"tray-{state}.svg"))
