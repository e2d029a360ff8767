"""Typed errors whose message is a sentence the user can act on: their base, and those not about Xero.

Xero's own answers are in ``app/xero/errors.py``. The UI and the CLI show ``str(error)`` as it is; they
never write their own wording. No message may contain a secret, a token or an authorization code.
"""

from __future__ import annotations

import errno


class XeroConnectError(Exception):
    """Base of every error the core raises; ``str()`` is a complete sentence for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Cancelled(XeroConnectError):
    pass


class PortsBusy(XeroConnectError):
    pass


class NotConfigured(XeroConnectError):
    pass


class KeyringUnavailable(XeroConnectError):
    pass


class InvalidInput(XeroConnectError):
    pass


class DraftingLocked(XeroConnectError):
    """Another drafting run for the same organisation holds its lock; nothing was sent."""


class FileProblem(XeroConnectError, OSError):
    """A local file or folder cannot be read or written; the sentence names it (an OSError too, so
    callers that guard file access keep working)."""


def file_problem(what: str, path: object, exc: OSError, fix: str = "") -> FileProblem:
    """``what`` failed at ``path``: the path and the system's reason, which alone never says where."""
    reason = exc.strerror or type(exc).__name__
    hint = fix or _FILE_HINTS.get(exc.errno or 0, "check the folder and try again")
    return FileProblem(f"{what} {path} ({reason}); {hint}.")


_FILE_HINTS = {
    errno.ENOSPC: "free some space on that disk, then try again",
    errno.EROFS: "that disk is read-only; make it writable or point Xero Connect at another folder",
    errno.EACCES: "check that the folder belongs to you and is writable, then try again",
    errno.EFBIG: "it reached the file size limit set here (ulimit -f); raise that limit, then try again",
}
if hasattr(errno, "EDQUOT"):  # not on Windows
    _FILE_HINTS[errno.EDQUOT] = "you are over your disk quota; free some space, then try again"
