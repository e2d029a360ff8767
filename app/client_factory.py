"""What talks to Xero for one profile: the HTTP session, the retry policy, the token manager, clients.

The token manager holds the session and credentials it was made with, so it is made once and
`invalidate()` is the one place that drops it: new credentials or tokens, another session, settings
read again, a disconnect.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from app.xero.endpoints import XeroEndpoints

# The network, keyring and OAuth modules are imported where they are first used: the wizard's first
# page needs none of them, and importing them up front doubles the time to a painted window.
if TYPE_CHECKING:
    import requests

    from app.secrets import SecretStore
    from app.tokens import TokenManager
    from app.xero.client import XeroClient
    from app.xero.http import RetryPolicy
    from app.xero.oauth import AppCredentials


class ClientFactory:
    def __init__(
        self,
        endpoints: Callable[[], XeroEndpoints],
        credentials: Callable[[], AppCredentials],
        secrets: Callable[[], SecretStore],
        lock_path: Callable[[], Path],
        *,
        session: requests.Session | None = None,
        clock: Callable[[], float] = time.time,
        retry_policy: RetryPolicy | None = None,
    ) -> None:
        self._endpoints = endpoints
        self._credentials = credentials
        self._secrets = secrets
        self._lock_path = lock_path
        self._session = session
        self.clock = clock
        self.retry_policy = retry_policy
        self._token_manager: TokenManager | None = None

    def invalidate(self) -> None:
        """Forget the token manager; the next call makes one from what is saved now."""
        self._token_manager = None

    @property
    def session(self) -> requests.Session:
        """The one HTTP session, made on first use (importing requests is slow)."""
        if self._session is None:
            from app.xero.http import make_session  # network stack: loaded on first use

            self._session = make_session()
        return self._session

    @session.setter
    def session(self, session: requests.Session) -> None:
        self._session = session
        self.invalidate()  # the token manager holds the session it was made with

    def policy(self) -> RetryPolicy:
        """The retry policy of every call to Xero (tests give one that moves the sandbox clock)."""
        if self.retry_policy is None:
            from app.xero.http import RetryPolicy  # network stack: loaded on first use

            self.retry_policy = RetryPolicy()
        return self.retry_policy

    def token_manager(self) -> TokenManager:
        if self._token_manager is None:
            from app.tokens import TokenManager  # network stack: loaded on first use

            self._token_manager = TokenManager(
                self._endpoints(),
                self._credentials,
                self._secrets(),
                self._lock_path(),
                self.session,
                clock=self.clock,
                retry_policy=self.policy,
            )
        return self._token_manager

    def api_client(
        self,
        tenant_id: str | None,
        on_authorisation: Callable[[bool], None],
        on_failed_call: Callable[[str], None],
    ) -> XeroClient:
        from app.xero.client import XeroClient  # network stack: loaded on first use

        return XeroClient(
            self._endpoints(),
            self.token_manager(),
            tenant_id,
            session=self.session,
            policy=self.policy(),
            on_authorisation=on_authorisation,
            on_failed_call=on_failed_call,
        )
