"""Where the tray's single-instance socket lives, and who is at the other end of it; no Qt here.

The socket is in a folder only this user can enter: $XDG_RUNTIME_DIR/xero-connect (the per-user
runtime folder, 0700 by the XDG spec) or, where that is missing or not private, a folder under the
user's cache folder. Never the shared /tmp: there any local user could take the socket's name first
and answer a later start, which then exits believing the tray already runs. A hand-over also checks
that the process listening runs as this user (Linux tells; elsewhere the socket file's owner must be).
On Windows the socket is a named pipe, private to the user through QLocalServer's access option.
"""

from __future__ import annotations

import hashlib
import os
import socket
import stat
import struct
import sys
from pathlib import Path

from app.errors import XeroConnectError
from app.settings import user_base


class InstanceFolderNotPrivate(XeroConnectError):
    pass


def _user() -> str:
    return str(os.getuid()) if hasattr(os, "getuid") else os.environ.get("USERNAME", "")


def _private_runtime_base() -> Path:
    """$XDG_RUNTIME_DIR when it is this user's own 0700 folder, as the XDG spec promises; else the cache."""
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime:
        try:
            info = os.stat(runtime)
        except OSError:
            info = None
        if info is not None and info.st_uid == os.getuid() and stat.S_IMODE(info.st_mode) & 0o077 == 0:
            return Path(runtime)
    return user_base("XDG_CACHE_HOME", ".cache")


def instance_folder() -> Path:
    """The folder of the socket, created 0700; a looser mode of our own folder is tightened.

    Raises InstanceFolderNotPrivate when the path is a link, not a folder, or another user's.
    """
    folder = _private_runtime_base() / "xero-connect"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    info = folder.lstat()  # not stat(): a link to someone else's folder must not pass
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
        raise InstanceFolderNotPrivate(
            f"{folder} is not a folder of your own, so Xero Connect cannot keep its single-instance "
            "socket private and another start may open a second tray icon; remove it and start Xero "
            "Connect again."
        )
    if stat.S_IMODE(info.st_mode) != 0o700:
        os.chmod(folder, 0o700)
    return folder


def instance_address(config_dir: Path, profile: str) -> str:
    """What QLocalServer listens on for this user, config folder and profile: a socket path, or on
    Windows a pipe name (pipe names are shared by all users, hence the user in it).

    Raises InstanceFolderNotPrivate (see instance_folder).
    """
    key = f"{_user()}|{config_dir.expanduser().resolve()}|{profile}".encode()
    name = f"{profile}-{hashlib.sha256(key).hexdigest()[:16]}"
    if sys.platform == "win32":
        return f"xero-connect-{name}"
    return str(instance_folder() / f"{name}.sock")


def peer_is_this_user(descriptor: int, address: str) -> bool:
    """Whether the process listening at the other end of a connected socket runs as this user."""
    if sys.platform == "win32":
        return True  # the pipe's access list admits this user only
    uid = _peer_uid(descriptor)
    if uid is None:
        try:
            uid = os.stat(address).st_uid  # who created the socket file
        except OSError:
            return False
    return uid == os.getuid()


def _peer_uid(descriptor: int) -> int | None:
    """The peer's uid from SO_PEERCRED (Linux); None where the OS has no such option."""
    if not hasattr(socket, "SO_PEERCRED") or descriptor < 0:
        return None
    with socket.socket(fileno=os.dup(descriptor)) as duplicate:  # closing a duplicate leaves Qt's open
        credentials = duplicate.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    _pid, uid, _gid = struct.unpack("3i", credentials)
    return uid
