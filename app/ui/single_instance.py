"""One tray per user, config folder and profile: a second start hands over to the running one and exits.

Autostart at login plus a click on the launcher would otherwise put two icons in the tray, each with
its own checks and keep-alive renewing the same refresh token. The running tray listens on a local
socket (a Unix socket private to the user, or a named pipe on Windows); a second start connects,
asks it to show its window, and quits.
"""

from __future__ import annotations

import getpass
import hashlib
import logging
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

log = logging.getLogger(__name__)

SHOW = b"show\n"
CONNECT_TIMEOUT_MS = 500  # a running instance answers at once; a stale socket is refused at once
READ_TIMEOUT_MS = 200  # the request follows the connect at once; the GUI thread waits no longer


def instance_name(config_dir: Path, profile: str) -> str:
    """Short and filesystem-safe, the same for every start of this user, folder and profile."""
    try:
        user = getpass.getuser()
    except (OSError, KeyError):  # no user name in the environment or the password database
        user = ""
    key = f"{user}|{config_dir.expanduser().resolve()}|{profile}"
    return "xero-connect-" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


def hand_over(name: str) -> bool:
    """Ask a running instance to show its window; False when none is listening."""
    socket = QLocalSocket()
    socket.connectToServer(name)
    if not socket.waitForConnected(CONNECT_TIMEOUT_MS):
        return False
    socket.write(SHOW)
    socket.waitForBytesWritten(CONNECT_TIMEOUT_MS)
    socket.disconnectFromServer()
    return True


def claim(name: str) -> InstanceServer | None:
    """This start's server, or None when a running instance took the hand-over (and shows its window)."""
    if hand_over(name):
        return None
    server = InstanceServer(name)
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
    """Listens for later starts; ``show_requested`` fires in the GUI thread when one arrives."""

    show_requested = Signal()

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name
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
            if SHOW.strip() in request:
                self.show_requested.emit()

    def close(self) -> None:
        self.server.close()
