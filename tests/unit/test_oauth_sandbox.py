"""The whole sign-in against the local sandbox: listener, auto-consent, code exchange, refresh, revoke."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor

import pytest
import requests

from app.xero.endpoints import GRANULAR_SCOPES, LEGACY_SCOPES, XeroEndpoints
from app.xero.errors import (
    ConsentRefused,
    InvalidScope,
    RedirectUriNotRegistered,
    SecretRejected,
    UnknownClient,
)
from app.xero.loopback import LoopbackListener
from app.xero.oauth import (
    AppCredentials,
    PendingAuthorization,
    exchange_code,
    preflight_authorization,
    refresh_token_set,
    revoke_refresh_token,
    start_authorization,
)
from app.xero.tokenset import TokenSet
from tests.helpers.sandbox import Sandbox, free_ports


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(port=0, auto_consent=True) as server:
        yield server


@pytest.fixture
def session() -> Iterator[requests.Session]:
    with requests.Session() as s:
        s.trust_env = False  # no proxy between us and loopback
        yield s


def register(server: Sandbox, kind: str, redirect_uri: str) -> AppCredentials:
    app = server.app(name="CRM invoicing test", integration_type=kind, redirect_uris=[redirect_uri])
    return AppCredentials(app["client_id"], app["client_secret"])


def browse(pending: PendingAuthorization, session: requests.Session) -> requests.Response:
    """What the browser does: open the authorize URL and follow Xero's redirect back to the listener."""
    return session.get(pending.url, timeout=10)


def sign_in(
    server: Sandbox, kind: str, session: requests.Session
) -> tuple[XeroEndpoints, AppCredentials, TokenSet, str]:
    endpoints = XeroEndpoints.sandbox(server.base_url)
    port = free_ports(1)[0]
    redirect_uri = f"http://localhost:{port}/callback"
    creds = register(server, kind, redirect_uri)
    pending = start_authorization(endpoints, creds, redirect_uri, GRANULAR_SCOPES)
    with (
        LoopbackListener(
            [port],
            pending.state,
            lambda url: exchange_code(endpoints, creds, pending, url, session),
            timeout=10,
        ) as listener,
        ThreadPoolExecutor(1) as pool,
    ):
        listener.start()
        future: Future[TokenSet] = pool.submit(listener.wait)
        preflight_authorization(pending, session)  # auto-consent redirects back: must not be followed
        assert not future.done()
        page = browse(pending, session)
        tokens = future.result(timeout=10)
    return endpoints, creds, tokens, page.text


@pytest.mark.parametrize("kind", ["web", "mobile"])
def test_full_sign_in_refresh_and_revoke(sandbox: Sandbox, session: requests.Session, kind: str) -> None:
    endpoints, creds, tokens, page = sign_in(sandbox, kind, session)
    assert creds.is_public == (kind == "mobile")
    assert "Xero Connect is authorised" in page
    assert tokens.access_token and tokens.refresh_token
    assert "offline_access" in tokens.scope

    renewed = refresh_token_set(endpoints, creds, tokens.refresh_token, session)
    assert renewed.access_token != tokens.access_token
    assert renewed.refresh_token
    revoke_refresh_token(endpoints, creds, renewed.refresh_token, session)


def test_consent_cancelled(sandbox: Sandbox, session: requests.Session) -> None:
    sandbox.post("consent", {"decision": "deny"})
    with pytest.raises(ConsentRefused):
        sign_in(sandbox, "web", session)


def test_wrong_secret_is_rejected(sandbox: Sandbox, session: requests.Session) -> None:
    endpoints = XeroEndpoints.sandbox(sandbox.base_url)
    redirect_uri = "http://localhost:53682/callback"
    creds = register(sandbox, "web", redirect_uri)
    pending = start_authorization(endpoints, creds, redirect_uri, GRANULAR_SCOPES)
    location = session.get(pending.url, allow_redirects=False, timeout=5).headers["Location"]
    wrong = AppCredentials(creds.client_id, "not-the-secret")
    with pytest.raises(SecretRejected):
        exchange_code(endpoints, wrong, pending, location, session)


def test_preflight_reads_the_sandbox_error_pages(sandbox: Sandbox, session: requests.Session) -> None:
    endpoints = XeroEndpoints.sandbox(sandbox.base_url)
    creds = register(sandbox, "web", "http://localhost:53682/callback")
    stranger = AppCredentials("NOSUCHCLIENT", None)
    cases: list[tuple[AppCredentials, str, tuple[str, ...], type[Exception]]] = [
        (creds, "http://localhost:53999/callback", GRANULAR_SCOPES, RedirectUriNotRegistered),
        (stranger, "http://localhost:53682/callback", GRANULAR_SCOPES, UnknownClient),
        (creds, "http://localhost:53682/callback", LEGACY_SCOPES, InvalidScope),
    ]
    for app, redirect_uri, scopes, expected in cases:
        pending = start_authorization(endpoints, app, redirect_uri, scopes)
        with pytest.raises(expected):
            preflight_authorization(pending, session)
