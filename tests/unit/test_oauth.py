"""The authorization-code flow: URL, callback checks, token/refresh/revoke bodies, preflight, pasting."""

from __future__ import annotations

import base64
import hashlib
import http.client
import os
import re
import socket
import warnings
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses

from app.errors import InvalidInput, XeroConnectError
from app.xero.endpoints import XeroEndpoints
from app.xero.errors import (
    CallbackError,
    ConsentRefused,
    InvalidScope,
    NetworkError,
    ReauthorisationNeeded,
    RedirectUriNotRegistered,
    SecretRejected,
    UnknownClient,
)
from app.xero.loopback import LoopbackListener
from app.xero.oauth import (
    AppCredentials,
    PendingAuthorization,
    exchange_code,
    parse_pasted_redirect,
    preflight_authorization,
    refresh_token_set,
    revoke_refresh_token,
    start_authorization,
)
from app.xero.tokenset import TokenSet

XERO = XeroEndpoints.real()
SANDBOX = XeroEndpoints.sandbox()
REDIRECT = "http://localhost:53682/callback"
SCOPES = ("openid", "offline_access", "accounting.invoices")
WEB = AppCredentials("CLIENTID1", "very-secret-value")
PKCE = AppCredentials("CLIENTID2", None)
CODE = "the-auth-code-42"
NOW = 1_000_000.0
TOKENS = {
    "access_token": "access-1",
    "refresh_token": "refresh-1",
    "expires_in": 1800,
    "token_type": "Bearer",
    "scope": "accounting.invoices openid offline_access",  # Xero may reorder: must be tolerated
}


def pending_for(creds: AppCredentials = WEB, endpoints: XeroEndpoints = XERO) -> PendingAuthorization:
    return start_authorization(endpoints, creds, REDIRECT, SCOPES)


def callback(**params: str) -> str:
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return f"{REDIRECT}?{query}" if params else REDIRECT


def answer(pending: PendingAuthorization) -> str:
    """The browser's redirect after the user consented."""
    return callback(code=CODE, state=pending.state)


def form(call: responses.Call) -> dict[str, list[str]]:
    body = call.request.body
    return parse_qs(body.decode() if isinstance(body, bytes) else str(body or ""))


def basic(creds: AppCredentials) -> str:
    return "Basic " + base64.b64encode(f"{creds.client_id}:{creds.client_secret}".encode()).decode()


# -- authorization URL ----------------------------------------------------------------------------------


@pytest.mark.parametrize("creds", [WEB, PKCE])
def test_authorization_url_has_every_parameter_and_s256(creds: AppCredentials) -> None:
    pending = pending_for(creds)
    parts = urlsplit(pending.url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == XERO.authorize_url
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}
    assert query["response_type"] == "code"
    assert query["client_id"] == creds.client_id
    assert query["redirect_uri"] == REDIRECT
    assert query["scope"] == " ".join(SCOPES)
    assert query["state"] == pending.state
    assert query["code_challenge_method"] == "S256"
    digest = hashlib.sha256(pending.code_verifier.encode()).digest()
    assert query["code_challenge"] == base64.urlsafe_b64encode(digest).decode().rstrip("=")
    assert re.fullmatch(r"[A-Za-z0-9\-._~]{43,128}", pending.code_verifier)
    assert "client_secret" not in query and "very-secret-value" not in pending.url
    assert (pending.redirect_uri, pending.scopes) == (REDIRECT, SCOPES)


def test_state_and_verifier_are_fresh_each_time() -> None:
    first, second = pending_for(), pending_for()
    assert first.state != second.state
    assert first.code_verifier != second.code_verifier
    assert len(first.state) >= 32


def test_loopback_http_is_allowed_only_around_the_call() -> None:
    os.environ.pop("OAUTHLIB_INSECURE_TRANSPORT", None)
    pending = pending_for(endpoints=SANDBOX)
    assert pending.url.startswith("http://127.0.0.1:8765/identity/connect/authorize?")
    assert "OAUTHLIB_INSECURE_TRANSPORT" not in os.environ


def test_plain_http_to_a_remote_host_is_refused() -> None:
    remote = XeroEndpoints.sandbox("http://xero.example.com")
    with pytest.raises(InvalidInput):
        pending_for(endpoints=remote)
    assert "OAUTHLIB_INSECURE_TRANSPORT" not in os.environ


# -- code exchange --------------------------------------------------------------------------------------


@responses.activate
def test_web_app_exchange_sends_basic_auth_and_verifier() -> None:
    pending = pending_for(WEB)
    responses.post(XERO.token_url, json=TOKENS)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a reordered scope must not warn
        tokens = exchange_code(XERO, WEB, pending, answer(pending), requests.Session(), NOW)
    call = responses.calls[0]
    assert call.request.headers["Authorization"] == basic(WEB)
    assert form(call) == {
        "grant_type": ["authorization_code"],
        "code": [CODE],
        "redirect_uri": [REDIRECT],
        "code_verifier": [pending.code_verifier],
    }
    assert tokens.access_token == "access-1" and tokens.refresh_token == "refresh-1"
    assert tokens.expires_at == NOW + 1800
    assert sorted(tokens.scope) == sorted(SCOPES)


@responses.activate
def test_pkce_app_exchange_sends_client_id_and_no_authorization_header() -> None:
    pending = pending_for(PKCE)
    responses.post(XERO.token_url, json=TOKENS)
    exchange_code(XERO, PKCE, pending, answer(pending), requests.Session())
    call = responses.calls[0]
    assert "Authorization" not in call.request.headers
    assert form(call) == {
        "grant_type": ["authorization_code"],
        "code": [CODE],
        "redirect_uri": [REDIRECT],
        "code_verifier": [pending.code_verifier],
        "client_id": [PKCE.client_id],
    }


@responses.activate
@pytest.mark.parametrize(
    ("status", "error", "expected"),
    [(400, "invalid_client", SecretRejected), (400, "invalid_grant", ReauthorisationNeeded)],
)
def test_token_errors_are_mapped(status: int, error: str, expected: type[Exception]) -> None:
    pending = pending_for(WEB)
    responses.post(XERO.token_url, status=status, json={"error": error})
    with pytest.raises(expected) as caught:
        exchange_code(XERO, WEB, pending, answer(pending), requests.Session())
    message = str(caught.value)
    assert CODE not in message and "very-secret-value" not in message and pending.code_verifier not in message


@responses.activate
def test_connection_failure_is_a_network_error() -> None:
    pending = pending_for(WEB)
    responses.post(XERO.token_url, body=requests.ConnectionError("refused"))
    with pytest.raises(NetworkError, match="Could not reach Xero's sign-in service"):
        exchange_code(XERO, WEB, pending, answer(pending), requests.Session())


@responses.activate
def test_unreadable_token_answer_is_an_error() -> None:
    pending = pending_for(WEB)
    responses.post(XERO.token_url, body="<html>oops</html>")
    with pytest.raises(XeroConnectError, match="cannot read"):
        exchange_code(XERO, WEB, pending, answer(pending), requests.Session())


@responses.activate
@pytest.mark.parametrize(
    "params",
    [
        {"code": CODE, "state": "someone-else"},
        {"code": CODE},
        {"error": "access_denied", "state": "someone-else"},  # state is checked before the error
    ],
)
def test_state_mismatch_raises_before_any_http_call(params: dict[str, str]) -> None:
    pending = pending_for(WEB)
    with pytest.raises(CallbackError) as caught:
        exchange_code(XERO, WEB, pending, callback(**params), requests.Session())
    assert str(caught.value) == (
        "The answer from Xero does not belong to this sign-in attempt (state mismatch); "
        "start the authorisation again."
    )
    assert len(responses.calls) == 0


@responses.activate
def test_access_denied_is_consent_refused() -> None:
    pending = pending_for(PKCE)
    with pytest.raises(ConsentRefused) as caught:
        exchange_code(
            XERO, PKCE, pending, callback(error="access_denied", state=pending.state), requests.Session()
        )
    assert str(caught.value) == (
        "You (or the Xero user) chose Cancel on Xero's consent page, so Xero Connect was not authorised."
    )
    assert len(responses.calls) == 0


@responses.activate
def test_other_callback_error_carries_code_and_description() -> None:
    pending = pending_for(WEB)
    url = callback(error="unsupported_response_type", error_description="Bad+thing", state=pending.state)
    with pytest.raises(CallbackError, match=r"unsupported_response_type: Bad thing"):
        exchange_code(XERO, WEB, pending, url, requests.Session())
    assert len(responses.calls) == 0


@responses.activate
def test_missing_code_is_a_callback_error() -> None:
    pending = pending_for(WEB)
    with pytest.raises(CallbackError, match="no authorization code"):
        exchange_code(XERO, WEB, pending, callback(state=pending.state), requests.Session())


# -- refresh and revoke ---------------------------------------------------------------------------------


@responses.activate
def test_refresh_web_app_body_and_basic_auth() -> None:
    responses.post(XERO.token_url, json={**TOKENS, "refresh_token": "refresh-2"})
    tokens = refresh_token_set(XERO, WEB, "refresh-1", requests.Session(), NOW)
    call = responses.calls[0]
    assert call.request.headers["Authorization"] == basic(WEB)
    assert form(call) == {"grant_type": ["refresh_token"], "refresh_token": ["refresh-1"]}
    assert tokens.refresh_token == "refresh-2" and tokens.refresh_issued_at == NOW


@responses.activate
def test_refresh_pkce_app_body_has_client_id() -> None:
    responses.post(XERO.token_url, json=TOKENS)
    refresh_token_set(XERO, PKCE, "refresh-1", requests.Session())
    call = responses.calls[0]
    assert "Authorization" not in call.request.headers
    assert form(call) == {
        "grant_type": ["refresh_token"],
        "refresh_token": ["refresh-1"],
        "client_id": [PKCE.client_id],
    }


@responses.activate
def test_refresh_without_a_new_refresh_token_says_none_came_back() -> None:
    # The token manager then keeps the one it sent, with its issue time (hardening/test_faults_oauth.py).
    responses.post(XERO.token_url, json={key: v for key, v in TOKENS.items() if key != "refresh_token"})
    tokens = refresh_token_set(XERO, WEB, "refresh-1", requests.Session())
    assert tokens.refresh_token is None and tokens.access_token == TOKENS["access_token"]


@responses.activate
def test_refresh_invalid_grant_needs_reauthorisation() -> None:
    responses.post(XERO.token_url, status=400, json={"error": "invalid_grant"})
    with pytest.raises(ReauthorisationNeeded) as caught:
        refresh_token_set(XERO, PKCE, "refresh-1", requests.Session())
    assert "refresh-1" not in str(caught.value)


@responses.activate
@pytest.mark.parametrize("creds", [WEB, PKCE])
def test_revoke_body_and_client_auth(creds: AppCredentials) -> None:
    responses.post(XERO.revocation_url, status=200)
    revoke_refresh_token(XERO, creds, "refresh-1", requests.Session())
    call = responses.calls[0]
    if creds.is_public:
        assert "Authorization" not in call.request.headers
        assert form(call) == {"token": ["refresh-1"], "client_id": [creds.client_id]}
    else:
        assert call.request.headers["Authorization"] == basic(creds)
        assert form(call) == {"token": ["refresh-1"]}


@responses.activate
def test_revoke_failure_is_mapped() -> None:
    responses.post(XERO.revocation_url, status=400, json={"error": "invalid_client"})
    with pytest.raises(SecretRejected):
        revoke_refresh_token(XERO, WEB, "refresh-1", requests.Session())


# -- preflight ------------------------------------------------------------------------------------------


@responses.activate
@pytest.mark.parametrize(
    ("page", "expected", "fragment"),
    [
        ("Error: unauthorized_client : Invalid redirect_uri", RedirectUriNotRegistered, REDIRECT),
        ("Error: unauthorized_client : Unknown client or client not enabled", UnknownClient, "CLIENTID1"),
        ("Error: invalid_scope", InvalidScope, "accounting.invoices"),
        ("Error: unauthorized_client : Invalid scope for client", InvalidScope, "granular"),
    ],
)
def test_preflight_maps_xero_hosted_error_pages(page: str, expected: type[Exception], fragment: str) -> None:
    pending = pending_for(WEB)
    responses.get(XERO.authorize_url, status=500, body=f"<html><body><h1>{page}</h1></body></html>")
    with pytest.raises(expected) as caught:
        preflight_authorization(pending, requests.Session())
    assert fragment in str(caught.value)


def test_redirect_uri_sentence() -> None:
    pending = pending_for(WEB)
    with responses.RequestsMock() as mock:
        mock.get(XERO.authorize_url, status=500, body="unauthorized_client : Invalid redirect_uri")
        with pytest.raises(RedirectUriNotRegistered) as caught:
            preflight_authorization(pending, requests.Session())
    assert str(caught.value) == (
        f"Xero does not accept the redirect URI {REDIRECT}: add exactly this URI to the app's redirect URIs "
        "in the Xero developer portal (the port is part of the match)."
    )


@responses.activate
def test_preflight_follows_redirects_to_the_error_page() -> None:
    pending = pending_for(WEB)
    responses.get(XERO.authorize_url, status=302, headers={"Location": "/identity/error?id=1"})
    responses.get("https://login.xero.com/identity/error", body="unauthorized_client : Invalid redirect_uri")
    with pytest.raises(RedirectUriNotRegistered):
        preflight_authorization(pending, requests.Session())


@responses.activate
def test_preflight_never_follows_a_redirect_to_our_own_callback() -> None:
    """An auto-consenting sandbox redirects straight back: following it would spend the code."""
    pending = pending_for(WEB)
    responses.get(XERO.authorize_url, status=302, headers={"Location": f"{REDIRECT}?code=x&state=y"})
    preflight_authorization(pending, requests.Session())  # no error: the consent page is usable
    assert len(responses.calls) == 1


@responses.activate
def test_preflight_accepts_the_login_page() -> None:
    responses.get(XERO.authorize_url, body="<html><form>Log in to Xero</form></html>")
    preflight_authorization(pending_for(WEB), requests.Session())  # no error: the consent page is usable
    assert len(responses.calls) == 1


@responses.activate
@pytest.mark.parametrize("failure", [requests.ConnectionError("down"), requests.Timeout("slow")])
def test_preflight_ignores_network_failures(failure: Exception) -> None:
    responses.get(XERO.authorize_url, body=failure)
    preflight_authorization(pending_for(WEB), requests.Session())  # no error: the browser will tell
    assert len(responses.calls) == 1


# -- pasted redirect ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"  {REDIRECT}?code=abc&state=s1 \n", f"{REDIRECT}?code=abc&state=s1"),
        (
            "http://127.0.0.1:53682/callback?code=abc&state=s1#frag",
            "http://127.0.0.1:53682/callback?code=abc&state=s1",
        ),
        ("localhost:53682/callback?error=access_denied&state=s1", f"{REDIRECT}?error=access_denied&state=s1"),
        (
            "HTTP://localhost:53683/callback?code=abc&state=s1",
            "http://localhost:53683/callback?code=abc&state=s1",
        ),
    ],
)
def test_parse_pasted_redirect_accepts(text: str, expected: str) -> None:
    assert parse_pasted_redirect(text, pending_for(WEB)) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("   ", "Paste the whole address"),
        ("https://login.xero.com/identity/connect/authorize?code=abc", "it must start with"),
        ("http://localhost:53682/other?code=abc", "it must start with"),
        ("http://evil.example.com:53682/callback?code=abc", "it must start with"),
        ("https://localhost:53682/callback?code=abc", "it must start with"),
        (f"{REDIRECT}?state=s1", "no authorization code"),
        (REDIRECT, "no authorization code"),
    ],
)
def test_parse_pasted_redirect_rejects(text: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        parse_pasted_redirect(text, pending_for(WEB))


@responses.activate
def test_pasted_redirect_feeds_exchange_code() -> None:
    pending = pending_for(PKCE)
    responses.post(XERO.token_url, json=TOKENS)
    url = parse_pasted_redirect(f" {REDIRECT}?code={CODE}&state={pending.state} ", pending)
    assert exchange_code(XERO, PKCE, pending, url, requests.Session()).access_token == "access-1"


# -- secrets stay out of reprs --------------------------------------------------------------------------


def test_reprs_hide_secrets() -> None:
    pending = pending_for(WEB)
    assert "very-secret-value" not in repr(WEB) and "CLIENTID1" in repr(WEB)
    assert "very-secret-value" not in str(WEB)
    for text in (repr(pending), str(pending)):
        assert pending.state not in text and pending.code_verifier not in text
        assert REDIRECT in text


def test_app_type() -> None:
    assert PKCE.is_public and AppCredentials("id", "").is_public
    assert not WEB.is_public


# -- with the real listener -----------------------------------------------------------------------------


@responses.activate
def test_listener_hands_exchange_code_a_url_it_accepts() -> None:
    """The browser hits the listener; its URL goes straight into exchange_code (token endpoint mocked)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    session = requests.Session()
    responses.post(XERO.token_url, json=TOKENS)
    redirect = f"http://localhost:{port}/callback"
    pending = start_authorization(XERO, PKCE, redirect, SCOPES)

    def on_callback(url: str) -> TokenSet:
        return exchange_code(XERO, PKCE, pending, url, session)

    listener = LoopbackListener([port], pending.state, on_callback)
    listener.start()
    assert listener.redirect_uri == pending.redirect_uri
    with ThreadPoolExecutor(1) as pool:
        future = pool.submit(listener.wait)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        conn.request("GET", f"/callback?code={CODE}&state={pending.state}&scope=openid")
        page = conn.getresponse().read().decode()
        conn.close()
        tokens = future.result(timeout=5)
    assert "Xero Connect is authorised" in page and CODE not in page
    assert tokens.access_token == "access-1"
    assert form(responses.calls[0])["redirect_uri"] == [redirect]
