"""Keeps a valid access token: refresh before expiry and once after a 401, single-flight everywhere.

Order matters with Xero's rotating refresh tokens: the new token set is written to the keyring before
the new access token is handed out, so a crash can never leave us holding only a dead refresh token.
If Xero's answer to a refresh is lost, the old refresh token is still in the keyring and Xero accepts
it again for 30 minutes (its grace period), so retrying with it is safe.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

import requests
from filelock import FileLock, Timeout

from app.errors import XeroConnectError
from app.secrets import SecretStore
from app.xero.endpoints import XeroEndpoints
from app.xero.errors import ReauthorisationNeeded
from app.xero.http import RetryPolicy
from app.xero.oauth import AppCredentials, refresh_token_set
from app.xero.tokenset import TokenSet

log = logging.getLogger(__name__)
LOCK_TIMEOUT = 60.0
_thread_locks: dict[str, threading.Lock] = {}
_thread_locks_guard = threading.Lock()


def _thread_lock(path: Path) -> threading.Lock:
    """One lock per lock file, shared by every manager in this process (wizard, tray, drafting)."""
    with _thread_locks_guard:
        return _thread_locks.setdefault(str(path), threading.Lock())


class TokenManager:
    """An AccessTokenProvider backed by the keyring, safe across threads and processes."""

    def __init__(
        self,
        endpoints: XeroEndpoints,
        credentials: Callable[[], AppCredentials],
        store: SecretStore,
        lock_path: Path,
        session: requests.Session,
        clock: Callable[[], float] = time.time,
        retry_policy: Callable[[], RetryPolicy] = RetryPolicy,
    ) -> None:
        self.endpoints = endpoints
        self.retry_policy = retry_policy  # asked at each refresh: the owner may swap its policy
        self._credentials = credentials
        self.store = store
        self.lock_path = lock_path
        self.session = session
        self.clock = clock
        self._cached: TokenSet | None = None
        self._lock = _thread_lock(lock_path)
        self.refresh_count = 0

    def current(self) -> TokenSet:
        if self._cached is None:
            self._cached = self.store.token_set()
        if self._cached is None:
            raise ReauthorisationNeeded(
                "Xero Connect is not authorised yet; authorise it in step 6 of the setup wizard."
            )
        return self._cached

    def access_token(self) -> str:
        tokens = self.current()
        if tokens.access_expired(self.clock()):
            tokens = self._refresh(rejected=tokens.access_token)
        return tokens.access_token

    def refresh_after_401(self, rejected: str) -> str:
        return self._refresh(rejected=rejected).access_token

    def refresh_now(self) -> TokenSet:
        """A deliberate refresh (keep-alive of the 60-day refresh token)."""
        return self._refresh(rejected=self.current().access_token)

    def _refresh(self, rejected: str) -> TokenSet:
        self.lock_path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock:
            try:
                with FileLock(str(self.lock_path), timeout=LOCK_TIMEOUT):
                    return self._refresh_locked(rejected)
            except Timeout:
                raise XeroConnectError(
                    "Another Xero Connect window is renewing the Xero authorisation and did not finish; "
                    "try again in a minute."
                ) from None

    def _refresh_locked(self, rejected: str) -> TokenSet:
        # Another thread or process may have refreshed while we waited for the lock.
        stored = self.store.token_set()
        if stored is None or not stored.refresh_token:
            raise ReauthorisationNeeded(
                "Xero Connect has no saved Xero authorisation; authorise it again with the setup wizard."
            )
        if stored.access_token != rejected and not stored.access_expired(self.clock()):
            log.info("another window or process already renewed the access token; using it")
            self._cached = stored
            return stored
        fresh = refresh_token_set(
            self.endpoints,
            self._credentials(),
            stored.refresh_token,
            self.session,
            now=self.clock(),
            # Waited holding the refresh lock: well inside what another process waits for it.
            policy=self.retry_policy().for_sign_in(longest_wait=LOCK_TIMEOUT / 2),
        )
        if not fresh.id_token:
            fresh.id_token = stored.id_token
        if not fresh.refresh_token:  # not rotated: the token sent still works, and its 60 days run on
            fresh.refresh_token = stored.refresh_token
            fresh.refresh_issued_at = stored.refresh_issued_at
        self.store.save_token_set(fresh)  # before anyone uses the new access token
        log.info(
            "access token renewed; the rotated refresh token is stored (valid %d days if unused)",
            fresh.refresh_days_left(self.clock()),
        )
        self._cached = fresh
        self.refresh_count += 1
        return fresh
