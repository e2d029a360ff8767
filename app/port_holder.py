"""Which program holds a local TCP port, where the OS tells (Linux /proc); no Qt, no network.

Only used to name the cause of a busy callback port in a sentence: "in use by another program (name)".
It reads /proc/net/tcp{,6} for the listening socket's inode and looks for it among the processes' open
files. Processes of other users are not readable without privileges; then the answer is None.
"""

from __future__ import annotations

import os
from pathlib import Path

LISTEN = "0A"  # the TCP state column of /proc/net/tcp


def _listening_inodes(port: int) -> set[str]:
    inodes: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text(encoding="ascii").splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if len(fields) > 9 and fields[3] == LISTEN and int(fields[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(fields[9])
    return inodes


def program_holding(port: int) -> str | None:
    """The name of a process listening on ``port`` on this computer, or None when it cannot be told."""
    inodes = _listening_inodes(port)
    if not inodes:
        return None
    wanted = {f"socket:[{inode}]" for inode in inodes}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
            if any(os.readlink(f"/proc/{pid}/fd/{fd}") in wanted for fd in fds):
                return Path(f"/proc/{pid}/comm").read_text(encoding="utf-8").strip() or None
        except OSError:
            continue  # gone, or another user's
    return None
