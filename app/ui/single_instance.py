"""One tray per user, config folder and profile: a later start hands over to the running one and exits.

Autostart at login plus a click on the launcher would otherwise put two icons in the tray, each with
its own checks and keep-alive renewing the same refresh token; and the launcher's "Setup wizard"
action would open a second wizard beside the tray's. The running tray listens on a local socket in a
folder private to the user (app.instance_socket). A later start connects, checks that the listener
runs as this user, asks it to show its window or to open its wizard, and exits only when it answers
as a Xero Connect tray does: a socket squatted by anything else never makes the tray or wizard quit.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QEventLoop, QObject, QTimer, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

from app.instance_socket import peer_is_this_user

log = logging.getLogger(__name__)

SHOW = b"show\n"
WIZARD = b"wizard\n"
ANSWER = b"xero-connect: ok\n"  # what a running tray says back once it took the request
CONNECT_TIMEOUT_MS = 500  # a running instance answers at once; a stale socket is refused at once
READ_TIMEOUT_MS = 200  # the request follows the connect at once; the GUI thread waits no longer
ANSWER_TIMEOUT_MS = 3000  # a tray busy for a moment still answers; a silent squatter costs this once


def hand_over(address: str, request: bytes = SHOW) -> bool:
    """Send ``request`` to a running tray; True only when a tray of this user took it."""
    socket = QLocalSocket()
    socket.connectToServer(address)
    if not socket.waitForConnected(CONNECT_TIMEOUT_MS):
        return False
    try:
        if not peer_is_this_user(int(socket.socketDescriptor()), address):
            log.warning("the single-instance socket %s is held by another user; ignoring it", address)
            return False
        socket.write(request)
        socket.waitForBytesWritten(CONNECT_TIMEOUT_MS)
        answered = _answer(socket).startswith(ANSWER)
        if not answered:
            log.warning("something other than a Xero Connect tray listens at %s; ignoring it", address)
        return answered
    finally:
        socket.abort()


def _answer(socket: QLocalSocket) -> bytes:
    """Up to ANSWER_TIMEOUT_MS for the tray's answer, with events flowing meanwhile: a blocking wait
    would starve a server of this very process (one start claiming twice, as the tests do)."""
    loop = QEventLoop()
    socket.readyRead.connect(loop.quit)
    socket.disconnected.connect(loop.quit)
    QTimer.singleShot(ANSWER_TIMEOUT_MS, loop.quit)
    if socket.bytesAvailable() < len(ANSWER):
        loop.exec()
    return bytes(socket.readAll().data())


def claim(address: str) -> InstanceServer | None:
    """This start's server, or None when a running tray took the hand-over (and shows its window)."""
    if hand_over(address):
        return None
    server = InstanceServer()
    if not server.server.listen(address):
        if hand_over(address):  # another start got there between our two steps
            server.deleteLater()
            return None
        # A socket file left by a crashed tray, or held by something that is not a tray of this user:
        # the folder is ours, so take its place.
        QLocalServer.removeServer(address)
        if not server.server.listen(address):
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
            if request.strip() in (WIZARD.strip(), SHOW.strip()):
                connection.write(ANSWER)
                connection.waitForBytesWritten(READ_TIMEOUT_MS)
            connection.disconnectFromServer()
            connection.deleteLater()
            if WIZARD.strip() in request:
                self.wizard_requested.emit()
            elif SHOW.strip() in request:
                self.show_requested.emit()

    def close(self) -> None:
        self.server.close()
