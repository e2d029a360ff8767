"""One tray per user, config folder and profile: a later start hands over to the running one and exits.

Autostart at login plus a click on the launcher would otherwise put two icons in the tray, each with
its own checks and keep-alive renewing the same refresh token; and the launcher's "Setup wizard"
action would open a second wizard beside the tray's. The running tray listens on a local socket (a
Unix socket private to the user, or a named pipe on Windows). A later start connects, asks it to show
its window or to open its wizard, and quits.
"""

from __future__ import annotations

import hashlib
import logging
import os
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

log = logging.getLogger(__name__)

SHOW = b"show\n"
WIZARD = b"wizard\n"
CONNECT_TIMEOUT_MS = 500  # a running instance answers at once; a stale socket is refused at once
READ_TIMEOUT_MS = 200  # the request follows the connect at once; the GUI thread waits no longer


def instance_name(config_dir: Path, profile: str) -> str:
    """Short and filesystem-safe, the same for every start of this user, folder and profile.

    The user is part of it because /tmp and Windows' pipe names are shared by all users.
    """
    user = str(os.getuid()) if hasattr(os, "getuid") else os.environ.get("USERNAME", "")
    key = f"{user}|{config_dir.expanduser().resolve()}|{profile}".encode()
    return f"xero-connect-{profile}-{hashlib.sha256(key).hexdigest()[:16]}"


def hand_over(name: str, request: bytes = SHOW) -> bool:
    """Send ``request`` to a running instance; False when none is listening."""
    socket = QLocalSocket()
    socket.connectToServer(name)
    if not socket.waitForConnected(CONNECT_TIMEOUT_MS):
        return False
    socket.write(request)
    socket.waitForBytesWritten(CONNECT_TIMEOUT_MS)
    socket.disconnectFromServer()
    return True


def claim(name: str) -> InstanceServer | None:
    """This start's server, or None when a running instance took the hand-over (and shows its window)."""
    if hand_over(name):
        return None
    server = InstanceServer()
    if not server.server.listen(name):
        if hand_over(name):  # another start got there between our two steps
            server.deleteLater()
            return None
        # A socket file left by a crashed instance (nobody answers on it): take its place.
        QLocalServer.removeServer(name)
        if not server.server.listen(name):
            log.warning("a second start will not find this one: %s", server.server.errorString())
    return server


class InstanceServer(QObject):
    """Listens for later starts; the signals fire in the GUI thread when one asks."""

    show_requested = Signal()
    wizard_requested = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.server = QLocalServer(self)
        self.server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self.server.newConnection.connect(self._accept)

    def _accept(self) -> None:
        # Read at once: a start writes its request right after connecting. No slot keeps the connection
        # (a Python reference to a Qt-owned socket outliving it can crash at garbage collection).
        while (connection := self.server.nextPendingConnection()) is not None:
            if connection.bytesAvailable() or connection.waitForReadyRead(READ_TIMEOUT_MS):
                request = bytes(connection.readAll().data())
            else:
                request = b""
            connection.disconnectFromServer()
            connection.deleteLater()
            if WIZARD.strip() in request:
                self.wizard_requested.emit()
            elif SHOW.strip() in request:
                self.show_requested.emit()

    def close(self) -> None:
        self.server.close()
