"""OAuth 2.0 authorization-code flow against Xero (or the sandbox), with PKCE for every app type.

oauthlib builds the authorization URL and the form bodies; the HTTP itself goes through the
``requests.Session`` the caller passes in, so the one session factory's timeouts and adapters apply.
Token answers are read here (not by oauthlib) so failures go through ``map_token_error`` and a
scope list that differs from the request (Xero may reorder it) is not treated as a problem.
"""

from __future__ import annotations

import hmac
import os
import secrets
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit, urlunsplit

import requests
from oauthlib.oauth2 import WebApplicationClient
from requests.auth import HTTPBasicAuth

from app.errors import InvalidInput, XeroConnectError
from app.text import printable
from app.xero.endpoints import IPV4_LOOPBACK, XeroEndpoints, require_secure
from app.xero.errors import (
    CallbackError,
    ConsentRefused,
    InvalidScope,
    RedirectUriNotRegistered,
    UnknownClient,
    WrongSecret,
    map_token_error,
)
from app.xero.http import RetryPolicy, send
from app.xero.tokenset import TokenSet

VERIFIER_LENGTH = 64  # PKCE allows 43-128 unreserved characters
PREFLIGHT_TIMEOUT = 15.0  # seconds: the probe is a courtesy and must not hold up the sign-in
PREFLIGHT_MAX_HOPS = 5
CALLBACK_HOSTS = frozenset({"localhost", IPV4_LOOPBACK})
SIGN_IN_SERVICE = "Xero's sign-in service"

STATE_MISMATCH = (
    "The answer from Xero does not belong to this sign-in attempt (state mismatch); "
    "start the authorisation again."
)
CONSENT_REFUSED = (
    "You (or the Xero user) chose Cancel on Xero's consent page, so Xero Connect was not authorised."
)

_env_lock = threading.Lock()


@dataclass(frozen=True)
class AppCredentials:
    """The Xero app's client ID, and its secret for a "Web app" (None for a "Mobile or desktop app")."""

    client_id: str
    client_secret: str | None = field(default=None, repr=False)

    @property
    def is_public(self) -> bool:
        """A PKCE-only app has no secret and must name itself with client_id in the body."""
        return not self.client_secret

    def __repr__(self) -> str:
        secret = "***" if self.client_secret else None
        return f"AppCredentials(client_id={self.client_id!r}, client_secret={secret})"


@dataclass(frozen=True)
class PendingAuthorization:
    """One sign-in attempt between the browser trip and the code exchange; state and verifier are one-time."""

    url: str = field(repr=False)  # carries the state
    state: str = field(repr=False)
    code_verifier: str = field(repr=False)
    redirect_uri: str
    scopes: tuple[str, ...]


# -- transport -------------------------------------------------------------------------------------------


@contextmanager
def _oauthlib_transport(url: str) -> Iterator[None]:
    """oauthlib refuses http:// URLs; lift that only for loopback and only around one call."""
    require_secure(url)
    if urlsplit(url).scheme.lower() == "https":
        yield
        return
    with _env_lock:
        previous = os.environ.get("OAUTHLIB_INSECURE_TRANSPORT")
        os.environ["OAUTHLIB_INSECURE_TRANSPORT"] = "1"
        try:
            yield
        finally:
            if previous is None:
                del os.environ["OAUTHLIB_INSECURE_TRANSPORT"]
            else:
                os.environ["OAUTHLIB_INSECURE_TRANSPORT"] = previous


def _post_form(
    session: requests.Session,
    url: str,
    creds: AppCredentials,
    body: str,
    policy: RetryPolicy | None = None,
    replayable: bool = False,
) -> requests.Response:
    """POST a form with the app's client authentication: HTTP Basic for a web app, none for PKCE.

    Sent with ``policy`` (the caller's :meth:`RetryPolicy.for_sign_in`; None: one attempt). A
    rate-limited form was not processed, so it is repeated after Retry-After; ``replayable`` says
    whether one that may have reached Xero can be sent again."""
    require_secure(url)
    auth = None if creds.is_public else HTTPBasicAuth(creds.client_id, creds.client_secret or "")
    headers = {
        "Accept": "application/json",
        "Content-Type": "application/x-www-form-urlencoded;charset=UTF-8",
    }
    response = send(
        session,
        "POST",
        url,
        policy=policy or RetryPolicy(max_attempts=1),
        replayable=replayable,
        what=SIGN_IN_SERVICE,
        data=body,
        headers=headers,
        auth=auth,
        # Never followed: a 307 would post the refresh token (or the code and verifier) once more,
        # to wherever the Location says.
        allow_redirects=False,
    )
    if 300 <= response.status_code < 400:
        response.close()
        raise XeroConnectError(
            f"{SIGN_IN_SERVICE} answered with a redirect (HTTP {response.status_code}) to another address; "
            "Xero Connect does not send the authorisation anywhere else. Check the Xero or sandbox address "
            "in the settings and try again."
        )
    return response


def _read_token_response(response: requests.Response, now: float | None) -> TokenSet:
    if not response.ok:
        raise map_token_error(response)
    try:
        body = response.json()
    except ValueError:
        body = None
    try:
        if not isinstance(body, dict):
            raise ValueError("not a JSON object")
        if not body.get("access_token"):
            raise ValueError("no access_token")
        return TokenSet.from_response(body, now=now)
    except ValueError as exc:  # from_response names the field of the wrong shape
        raise XeroConnectError(
            f"{SIGN_IN_SERVICE} sent an answer Xero Connect cannot read ({exc}); try again in a few minutes."
        ) from None


# -- authorization --------------------------------------------------------------------------------------


def start_authorization(
    endpoints: XeroEndpoints, creds: AppCredentials, redirect_uri: str, scopes: Sequence[str]
) -> PendingAuthorization:
    """Build the browser URL with a fresh state and a PKCE S256 challenge (also for web apps)."""
    if not creds.client_id.strip():
        raise InvalidInput("Enter the app's client ID from the Xero developer portal first.")
    client = WebApplicationClient(creds.client_id)
    state = secrets.token_urlsafe(32)
    verifier = client.create_code_verifier(VERIFIER_LENGTH)
    challenge = client.create_code_challenge(verifier, "S256")
    with _oauthlib_transport(endpoints.authorize_url):
        url = client.prepare_request_uri(
            endpoints.authorize_url,
            redirect_uri=redirect_uri,
            scope=list(scopes),
            state=state,
            code_challenge=challenge,
            code_challenge_method="S256",
        )
    return PendingAuthorization(url, state, verifier, redirect_uri, tuple(scopes))


def _query_params(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


def _check_callback(params: Mapping[str, str], pending: PendingAuthorization) -> str:
    """Return the code, or raise the sentence for a foreign, refused or failed answer."""
    state = params.get("state", "")
    if not hmac.compare_digest(state.encode(), pending.state.encode()):
        raise CallbackError(STATE_MISMATCH)
    error = params.get("error")
    if error == "access_denied":
        raise ConsentRefused(CONSENT_REFUSED)
    if error:
        # Shown to the user and printed to a terminal: no control characters (an ESC sequence could
        # rewrite the screen), whitespace collapsed, and the length of what the URL carried capped.
        description = " ".join(printable(params.get("error_description", "")).split())[:300]
        code_name = " ".join(printable(error).split())[:100]
        detail = f"{code_name}: {description}" if description else code_name
        raise CallbackError(
            f"Xero answered with an error instead of an authorisation ({detail}); "
            "check the app's settings in the Xero developer portal and start the authorisation again."
        )
    code = params.get("code")
    if not code:
        raise CallbackError(
            "The answer from Xero carries no authorization code; start the authorisation again."
        )
    return code


def exchange_code(
    endpoints: XeroEndpoints,
    creds: AppCredentials,
    pending: PendingAuthorization,
    callback_url: str,
    session: requests.Session,
    now: float | None = None,
    policy: RetryPolicy | None = None,
) -> TokenSet:
    """Check the browser's answer (state first) and trade its code for a token set (a code is used
    once, so a request that may have reached Xero is not repeated)."""
    code = _check_callback(_query_params(callback_url), pending)
    body = WebApplicationClient(creds.client_id).prepare_request_body(
        code=code,
        redirect_uri=pending.redirect_uri,
        code_verifier=pending.code_verifier,
        include_client_id=creds.is_public,
    )
    response = _post_form(session, endpoints.token_url, creds, body, policy)
    return _read_token_response(response, now)


def check_client_secret(
    endpoints: XeroEndpoints, creds: AppCredentials, session: requests.Session
) -> bool | None:
    """Ask Xero whether the secret is right, before any browser or consent: a token request with a grant
    a web app may not use (client_credentials). Xero authenticates the client first, so a wrong secret
    answers ``invalid_client`` (raised as WrongSecret) and a right one ``unauthorized_client`` (True).
    No user is involved and nothing is created. None: no answer to go by (a PKCE app, no network, any
    other reply); the caller carries on as before."""
    if creds.is_public:
        return None
    try:
        body = urlencode({"grant_type": "client_credentials"})
        response = _post_form(session, endpoints.token_url, creds, body)
    except XeroConnectError:
        return None
    try:
        answer = response.json() if not response.ok else {}
    except ValueError:
        answer = {}
    finally:
        response.close()
    error = str(answer.get("error") or "") if isinstance(answer, dict) else ""
    if error == "invalid_client":
        raise WrongSecret()
    if error == "unauthorized_client" or response.ok:  # ok: a Custom Connection; its token is not kept
        return True
    return None


def refresh_token_set(
    endpoints: XeroEndpoints,
    creds: AppCredentials,
    refresh_token: str,
    session: requests.Session,
    now: float | None = None,
    policy: RetryPolicy | None = None,
) -> TokenSet:
    """Trade a refresh token for a new token set. Xero rotates the refresh token every time; an answer
    without one has ``refresh_token`` None (the caller keeps the token it sent, and its issue time).
    A lost answer may be repeated: Xero accepts the same refresh token again for 30 minutes."""
    body = WebApplicationClient(creds.client_id).prepare_refresh_body(
        refresh_token=refresh_token, client_id=creds.client_id, include_client_id=creds.is_public
    )
    response = _post_form(session, endpoints.token_url, creds, body, policy, replayable=True)
    return _read_token_response(response, now)


def revoke_refresh_token(
    endpoints: XeroEndpoints, creds: AppCredentials, refresh_token: str, session: requests.Session
) -> None:
    """Revoke the refresh token; Xero then removes all of this user's connections to the app."""
    fields: dict[str, Any] = {"token": refresh_token}
    if creds.is_public:
        fields["client_id"] = creds.client_id
    response = _post_form(session, endpoints.revocation_url, creds, urlencode(fields))
    if not response.ok:
        raise map_token_error(response)


# -- preflight ------------------------------------------------------------------------------------------


def _hosted_error(text: str, pending: PendingAuthorization) -> XeroConnectError | None:
    """Recognise Xero's hosted error page; order matters (it prefixes them all with unauthorized_client)."""
    lowered = text.lower()
    if "invalid redirect_uri" in lowered:
        return RedirectUriNotRegistered(
            f"Xero does not accept the redirect URI {pending.redirect_uri}: add exactly this URI to the "
            "app's redirect URIs in the Xero developer portal (the port is part of the match)."
        )
    if "invalid_scope" in lowered or "invalid scope" in lowered:
        return InvalidScope(
            f"Xero refused the requested permissions ({' '.join(pending.scopes)}) for this app. Apps created "
            "since March 2026 need granular scopes (accounting.invoices instead of accounting.transactions); "
            "check the app's scopes in the Xero developer portal and try again."
        )
    if "unknown client" in lowered or "unauthorized_client" in lowered:
        client_id = _query_params(pending.url).get("client_id", "")
        return UnknownClient(
            f"Xero does not know the client ID {client_id}; copy it again from the app's configuration page."
        )
    return None


def _is_redirect_target(url: str, redirect_uri: str) -> bool:
    got, want = urlsplit(url), urlsplit(redirect_uri)
    return (got.hostname, got.port, got.path) == (want.hostname, want.port, want.path)


def preflight_authorization(pending: PendingAuthorization, session: requests.Session) -> None:
    """Open the authorize URL without a browser and raise if Xero shows its hosted error page.

    Redirects are followed by hand so that one pointing back at our own redirect URI (an
    auto-consenting sandbox) is never requested: that would spend the code and end the listener.
    A network failure is swallowed, since the real browser may still get through.
    """
    url = pending.url
    try:
        for _ in range(PREFLIGHT_MAX_HOPS):
            response = session.get(
                url, headers={"Accept": "text/html"}, allow_redirects=False, timeout=PREFLIGHT_TIMEOUT
            )
            if not response.is_redirect:
                break
            url = urljoin(url, response.headers["Location"])
            if _is_redirect_target(url, pending.redirect_uri):
                return None
        else:
            return None
        text = response.text
    except requests.RequestException:
        return None
    error = _hosted_error(text, pending)
    if error is not None:
        raise error
    return None


# -- manual fallback ------------------------------------------------------------------------------------


def parse_pasted_redirect(text: str, pending: PendingAuthorization) -> str:
    """Accept the final address pasted from the browser when the listener cannot be used."""
    pasted = text.strip()
    if not pasted:
        raise InvalidInput(
            f"Paste the whole address from the browser's address bar; it starts with {pending.redirect_uri}."
        )
    if "://" not in pasted:  # some browsers hide the scheme in the address bar
        pasted = f"{urlsplit(pending.redirect_uri).scheme}://{pasted}"
    parts = urlsplit(pasted)
    want = urlsplit(pending.redirect_uri)
    if (parts.scheme.lower(), parts.path) != (want.scheme, want.path) or (
        (parts.hostname or "") not in CALLBACK_HOSTS
    ):
        raise InvalidInput(
            f"That address is not Xero's answer to Xero Connect: it must start with {pending.redirect_uri}. "
            "Copy the whole address from the browser's address bar after Xero redirected."
        )
    params = parse_qs(parts.query)
    if "code" not in params and "error" not in params:
        raise InvalidInput(
            "That address has no authorization code in it: copy the whole address, including everything "
            "after the question mark, from the browser's address bar."
        )
    return urlunsplit((parts.scheme.lower(), parts.netloc, parts.path, parts.query, ""))


__all__ = [
    "AppCredentials",
    "PendingAuthorization",
    "exchange_code",
    "parse_pasted_redirect",
    "preflight_authorization",
    "refresh_token_set",
    "revoke_refresh_token",
    "start_authorization",
]
