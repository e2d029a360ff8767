"""The one door to the OS keyring: the client secret and the token set live there and nowhere else.

There is deliberately no plaintext fallback. A missing, refused or locked keyring becomes a
KeyringUnavailable whose sentence says what to do. Every call has a timeout because a Secret Service
waiting for an unlock prompt would otherwise freeze whoever called it.
"""

from __future__ import annotations

import contextlib
import hashlib
import secrets
import threading
from collections.abc import Callable
from typing import TypeVar

import keyring
import keyring.errors

from app.errors import KeyringUnavailable
from app.xero.tokenset import TokenSet

T = TypeVar("T")

DEFAULT_TIMEOUT = 20.0  # long enough for a desktop unlock prompt, short enough to not look hung
# Windows' Credential Manager holds at most 2,560 bytes (1,280 UTF-16 characters) per entry, and a
# token set (two signed JWTs and a refresh token) is about 1,700 characters in the sandbox and 3,000
# from Xero. Longer values are stored in parts, on every platform, so this path is the tested one.
MAX_ENTRY_CHARS = 1000
MAX_PARTS = 64  # a damaged main entry must not send us reading thousands of keys
PARTS_MARK = "xero-connect-parts:v1:"  # the main entry's value then: PARTS_MARK + "gen:count:digest"
INSTALL_HINT = (
    "On Linux install and start a Secret Service keyring (Debian/Ubuntu: apt install gnome-keyring), "
    "then log in again; Xero Connect never stores secrets in plain files."
)


LOCKED_NO_PROMPT = (
    "The system keyring is locked and could not ask for its password here (its unlock prompt was "
    "dismissed or cannot be shown, e.g. over SSH); unlock it, for example by logging in to the desktop "
    "session, and try again."
)


def _prompt_dismissed(exc: BaseException) -> bool:
    """A Secret Service whose login keyring is locked (or not yet created) needs its unlock prompt.

    When that prompt cannot appear, keyring reports an InitError caused by secretstorage's
    PromptDismissedException: the keyring is there, so "install one" would send the user the wrong way.
    """
    causes = [exc, exc.__cause__, exc.__context__]
    return any(type(cause).__name__ == "PromptDismissedException" for cause in causes if cause is not None)


def _part_key(key: str, generation: str, n: int) -> str:
    return f"{key}#{generation}.{n}"


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()[:16]


def _parse_pointer(value: str | None) -> tuple[str, int, str] | None:
    """(generation, count, digest) when ``value`` points at parts, else None."""
    if not value or not value.startswith(PARTS_MARK):
        return None
    try:
        generation, count, digest = value[len(PARTS_MARK) :].split(":")
        parts = int(count)
    except ValueError:
        return None
    return (generation, parts, digest) if 0 < parts <= MAX_PARTS else None


def backend_name() -> str:
    backend = keyring.get_keyring()
    return f"{type(backend).__module__}.{type(backend).__name__}"


def backend_label() -> str:
    """A name a user recognises, for `status` and the wizard."""
    backend = keyring.get_keyring()
    return str(getattr(backend, "name", type(backend).__name__))


def _check_backend() -> None:
    """Refuse backends that store nowhere (fail, null) or in clear text (keyrings.alt's plaintext)."""
    backend = keyring.get_keyring()
    chain = getattr(backend, "backends", None)
    writer = chain[0] if chain else backend  # keyring's chainer writes to its highest-priority backend
    name = f"{type(writer).__module__}.{type(writer).__name__}".lower()
    if "plaintext" in name:
        raise KeyringUnavailable(f"Only a plain-text keyring is configured. {INSTALL_HINT}")
    if chain == [] or any(word in name for word in (".fail.", ".null.")):
        raise KeyringUnavailable(f"No usable system keyring was found. {INSTALL_HINT}")


def _run_with_timeout(call: Callable[[], T], timeout: float) -> T:
    result: list[T] = []
    failure: list[BaseException] = []

    def target() -> None:
        try:
            result.append(call())
        except BaseException as exc:
            failure.append(exc)

    worker = threading.Thread(target=target, name="keyring-call", daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        raise KeyringUnavailable(
            f"The system keyring did not answer within {timeout:.0f} seconds; it may be locked and "
            "waiting for its password. Unlock it and try again."
        )
    if failure:
        exc = failure[0]
        if isinstance(exc, keyring.errors.KeyringLocked):
            raise KeyringUnavailable("The system keyring is locked; unlock it and try again.") from None
        if _prompt_dismissed(exc):
            raise KeyringUnavailable(LOCKED_NO_PROMPT) from None
        if isinstance(exc, keyring.errors.NoKeyringError | keyring.errors.InitError):
            raise KeyringUnavailable(f"No usable system keyring was found. {INSTALL_HINT}") from None
        if isinstance(exc, keyring.errors.KeyringError):
            # Secret Service errors can quote their request; keep only the class name.
            raise KeyringUnavailable(
                f"The system keyring refused the request ({type(exc).__name__}); unlock it or check "
                "that the keyring service is running, then try again."
            ) from None
        raise exc
    return result[0]


class SecretStore:
    """Client secret and token set of one profile and one client ID."""

    def __init__(self, profile: str, client_id: str, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.service = f"xero-connect/{profile}"
        self.client_id = client_id
        self.timeout = timeout

    def _get(self, key: str) -> str | None:
        _check_backend()
        return _run_with_timeout(lambda: keyring.get_password(self.service, key), self.timeout)

    def _set(self, key: str, value: str) -> None:
        _check_backend()
        _run_with_timeout(lambda: keyring.set_password(self.service, key, value), self.timeout)

    def _delete(self, key: str) -> None:
        _check_backend()

        def delete() -> None:
            with contextlib.suppress(keyring.errors.PasswordDeleteError):  # already gone is fine
                keyring.delete_password(self.service, key)

        _run_with_timeout(delete, self.timeout)

    # A long value is written as parts under a new generation first; the one main entry is switched
    # to them last. A crash in between leaves the previous value whole, which matters for the rotated
    # refresh token. The old generation's parts are deleted after the switch.
    def _set_long(self, key: str, value: str) -> None:
        previous = self._get(key)
        main = value
        if len(value) > MAX_ENTRY_CHARS:
            generation = secrets.token_hex(4)
            parts = [value[i : i + MAX_ENTRY_CHARS] for i in range(0, len(value), MAX_ENTRY_CHARS)]
            for n, part in enumerate(parts):
                self._set(_part_key(key, generation, n), part)
            main = f"{PARTS_MARK}{generation}:{len(parts)}:{_digest(value)}"
        self._set(key, main)
        if previous != main:
            self._delete_parts(key, previous)

    def _get_long(self, key: str) -> str | None:
        """The whole value; None when it is missing or its parts do not add up."""
        for _ in range(3):  # a writer may switch generations between our reads: read again
            value = self._get(key)
            pointer = _parse_pointer(value)
            if pointer is None:
                return value
            generation, count, digest = pointer
            parts = [self._get(_part_key(key, generation, n)) for n in range(count)]
            if None not in parts:
                joined = "".join(parts)  # type: ignore[arg-type]
                if _digest(joined) == digest:
                    return joined
        return None

    def _delete_long(self, key: str) -> None:
        previous = self._get(key)
        self._delete(key)
        self._delete_parts(key, previous)

    def _delete_parts(self, key: str, main_value: str | None) -> None:
        pointer = _parse_pointer(main_value)
        if pointer is not None:
            generation, count, _ = pointer
            for n in range(count):
                self._delete(_part_key(key, generation, n))

    @property
    def _secret_key(self) -> str:
        return f"client_secret:{self.client_id}"

    @property
    def _token_key(self) -> str:
        return f"token_set:{self.client_id}"

    def client_secret(self) -> str | None:
        return self._get(self._secret_key)

    def save_client_secret(self, secret: str) -> None:
        self._set(self._secret_key, secret)

    def token_set(self) -> TokenSet | None:
        text = self._get_long(self._token_key)
        if not text:
            return None
        try:
            return TokenSet.from_json(text)
        except (ValueError, TypeError, KeyError):
            return None  # unreadable entry: treat as not authorised rather than crash

    def save_token_set(self, tokens: TokenSet) -> None:
        self._set_long(self._token_key, tokens.to_json())

    def delete_token_set(self) -> None:
        self._delete_long(self._token_key)

    def delete_all(self) -> None:
        self._delete_long(self._token_key)
        self._delete(self._secret_key)
