"""Keyring backends for unit tests of failure handling (the main flows use the real Secret Service)."""

from __future__ import annotations

import threading

import keyring
import keyring.errors
from keyring.backend import KeyringBackend


class MemoryKeyring(KeyringBackend):
    priority = 0  # type: ignore[assignment]  # never chosen (nor chained) by keyring itself

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.values.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.values[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if (service, username) not in self.values:
            raise keyring.errors.PasswordDeleteError("not found")
        del self.values[(service, username)]


class LockedKeyring(MemoryKeyring):
    def get_password(self, service: str, username: str) -> str | None:
        raise keyring.errors.KeyringLocked("Failed to unlock the collection /org/secret/login")

    set_password = get_password  # type: ignore[assignment]


class HangingKeyring(MemoryKeyring):
    """Stands for a Secret Service waiting on an unlock prompt nobody answers."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()

    def get_password(self, service: str, username: str) -> str | None:
        self.release.wait(10)
        return None


class WindowsSizedKeyring(MemoryKeyring):
    """Refuses values over 1,280 characters, as Windows' Credential Manager does (2,560 bytes UTF-16)."""

    def __init__(self, fail_on_write: int | None = None) -> None:
        super().__init__()
        self.writes = 0
        self.fail_on_write = fail_on_write  # the n-th write (1-based) fails, as a crash mid-save would

    def set_password(self, service: str, username: str, password: str) -> None:
        self.writes += 1
        if len(password) > 1280 or self.writes == self.fail_on_write:
            raise keyring.errors.PasswordSetError("The stub received bad data.")
        super().set_password(service, username, password)


def keyring_is_real() -> bool:
    """The real Secret Service (or KWallet) is what keyring would use here."""
    current = keyring.get_keyring()
    names = [type(b).__module__.lower() for b in getattr(current, "backends", None) or [current]]
    return any("secretservice" in name or "kwallet" in name for name in names)
