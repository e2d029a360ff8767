"""POST /connect/token and /connect/revocation: client auth, code exchange, rotation with grace."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

from app.sandbox import jwt
from app.sandbox.consent import user_id
from app.sandbox.state import SandboxState
from app.sandbox.web import Request, Response, json_response, oauth_error

CODE_TTL = 300
ACCESS_TTL = 1800
ID_TTL = 300
GRACE = 30 * 60
IDLE_DEATH = 60 * 86400
VERIFIER = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")
# Grant types Xero's identity service (IdentityServer) knows; an app may use only those of its type. The
# sandbox has no Custom Connections, so no app may use client_credentials.
KNOWN_GRANTS = (
    "authorization_code",
    "refresh_token",
    "client_credentials",
    "password",
    "urn:ietf:params:oauth:grant-type:device_code",
)
ALLOWED_GRANTS = ("authorization_code", "refresh_token")


def resource_audience(issuer: str) -> str:
    """Access tokens name Xero's API resources as audience (https://identity.xero.com/resources)."""
    return f"{issuer}/resources"


def token_hash(token: str) -> str:
    """Refresh tokens are stored hashed so the state file never holds a usable token."""
    return hashlib.sha256(token.encode()).hexdigest()


def authenticate_client(state: SandboxState, req: Request, form: dict[str, str]) -> dict[str, Any] | None:
    """Basic header or body credentials; a PKCE app identifies itself by client_id alone."""
    client_id, secret = form.get("client_id"), form.get("client_secret")
    header = req.headers.get("authorization", "")
    if header.lower().startswith("basic "):
        try:
            raw = base64.b64decode(header[6:].strip(), validate=True).decode()
            client_id, _, secret = (unquote(p) for p in raw.partition(":"))
        except (ValueError, UnicodeDecodeError):
            return None
    app = state.apps.get(client_id or "")
    if app is None:
        return None
    if app["integration_type"] == "mobile":
        return app
    if not app["client_secret"] or not secret:
        return None
    return app if hmac.compare_digest(app["client_secret"], secret) else None


def _s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def _token_set(state: SandboxState, grant: dict[str, Any], rotate: bool = True) -> dict[str, Any]:
    now = int(state.clock.time())
    base = state.base_url
    uid = grant["user_id"]
    auth_time = int(grant.get("auth_time") or now)  # when the user signed in to consent, kept on refresh
    access = jwt.encode(
        {
            "iss": base,
            "aud": resource_audience(base),
            "nbf": now,
            "exp": now + ACCESS_TTL,
            "iat": now,
            "auth_time": auth_time,
            "client_id": grant["client_id"],
            "sub": uid.replace("-", ""),
            "xero_userid": uid,
            "authentication_event_id": grant["auth_event_id"],
            "global_session_id": grant["global_session_id"],
            "jti": uuid.uuid4().hex,
            "scope": grant["scopes"],
        },
        state.signing_key,
    )
    out: dict[str, Any] = {
        "access_token": access,
        "expires_in": ACCESS_TTL,
        "token_type": "Bearer",
        "scope": " ".join(grant["scopes"]),
    }
    if "openid" in grant["scopes"]:
        local = grant["email"].split("@")[0]
        given, _, family = local.replace("_", ".").partition(".")
        out["id_token"] = jwt.encode(
            {
                "iss": base,
                "aud": grant["client_id"],
                "exp": now + ID_TTL,
                "iat": now,
                "nbf": now,
                "sub": uid.replace("-", ""),
                "xero_userid": uid,
                "email": grant["email"],
                "given_name": given.title(),
                "family_name": family.title() or "User",
                "preferred_username": grant["email"],
                "global_session_id": grant["global_session_id"],
                "auth_time": auth_time,
            },
            state.signing_key,
        )
    if "offline_access" in grant["scopes"] and rotate:
        refresh = secrets.token_hex(32)
        state.refresh_tokens[token_hash(refresh)] = {
            "grant_id": grant["grant_id"],
            "issued_at": state.clock.time(),
            "rotated_at": None,
        }
        out["refresh_token"] = refresh
    return out


def _exchange_code(state: SandboxState, app: dict[str, Any], form: dict[str, str]) -> Response:
    code = state.codes.get(form.get("code", ""))
    if (
        code is None
        or code["used"]
        or code["client_id"] != app["client_id"]
        or state.clock.time() - code["issued_at"] > CODE_TTL
        or form.get("redirect_uri") != code["redirect_uri"]
    ):
        return oauth_error("invalid_grant")
    verifier = form.get("code_verifier")
    if code["code_challenge"] or app["integration_type"] == "mobile":
        if not code["code_challenge"] or not verifier or not VERIFIER.match(verifier):
            return oauth_error("invalid_grant")
        if not hmac.compare_digest(_s256(verifier), code["code_challenge"]):
            return oauth_error("invalid_grant")
    code["used"] = True
    grant = {
        "grant_id": str(uuid.uuid4()),
        "client_id": app["client_id"],
        "email": code["user_email"],
        "user_id": user_id(code["user_email"]),
        "scopes": code["scopes"],
        "auth_event_id": code["auth_event_id"],
        "global_session_id": uuid.uuid4().hex,
        "auth_time": int(code["issued_at"]),
        "revoked": False,
    }
    state.grants[grant["grant_id"]] = grant
    return _ok(_token_set(state, grant))


def _refresh(state: SandboxState, app: dict[str, Any], form: dict[str, str], rotate: bool = True) -> Response:
    state.counters["refreshes"] += 1
    record = state.refresh_tokens.get(token_hash(form.get("refresh_token", "")))
    grant = state.grants.get(record["grant_id"]) if record else None
    now = state.clock.time()
    if record is None or grant is None or grant["revoked"] or grant["client_id"] != app["client_id"]:
        return oauth_error("invalid_grant")
    if now - record["issued_at"] > IDLE_DEATH:
        return oauth_error("invalid_grant")
    if record["rotated_at"] is not None and now - record["rotated_at"] > GRACE:
        return oauth_error("invalid_grant")
    if not rotate:  # a "no_rotation" fault: the token sent stays the grant's, its 60 days unchanged
        return _ok(_token_set(state, grant, rotate=False))
    if record["rotated_at"] is None:
        record["rotated_at"] = now  # the grace period runs from the first rotation
    return _ok(_token_set(state, grant))


def _ok(body: dict[str, Any]) -> Response:
    return json_response(body, 200, {"Cache-Control": "no-store", "Pragma": "no-cache"})


def token(state: SandboxState, req: Request) -> Response:
    """The client is authenticated before the grant is looked at, as Xero's identity service does.

    So a wrong secret answers invalid_client whatever the grant, and a right secret with a grant the app
    may not use answers unauthorized_client: a client can check its secret without a user or consent.
    """
    state.bump("token_requests")
    form = {k: v[0] for k, v in req.form().items()}
    grant_type = form.get("grant_type")
    with state.lock:
        app = authenticate_client(state, req, form)
        if app is None:
            return oauth_error("invalid_client")
        if grant_type not in KNOWN_GRANTS:
            return oauth_error("unsupported_grant_type")
        if grant_type not in ALLOWED_GRANTS:
            return oauth_error("unauthorized_client")
        if grant_type == "authorization_code":
            return _exchange_code(state, app, form)
        return _refresh(state, app, form, rotate=not req.no_rotation)


def revoke_grant(state: SandboxState, grant_id: str) -> None:
    """Kill the grant (every refresh token of its family) and the user's connections for the app."""
    with state.lock:
        grant = state.grants.get(grant_id)
        if grant is None:
            return
        grant["revoked"] = True
        for conn_id, conn in list(state.connections.items()):
            if conn["client_id"] == grant["client_id"] and conn["user_id"] == grant["user_id"]:
                del state.connections[conn_id]


def find_grant_id(state: SandboxState, refresh_token: str) -> str | None:
    record = state.refresh_tokens.get(token_hash(refresh_token))
    return record["grant_id"] if record else None


def revocation(state: SandboxState, req: Request) -> Response:
    form = {k: v[0] for k, v in req.form().items()}
    with state.lock:
        app = authenticate_client(state, req, form)
        if app is None:
            return oauth_error("invalid_client")
        grant_id = find_grant_id(state, form.get("token", ""))
        if grant_id and state.grants[grant_id]["client_id"] == app["client_id"]:
            revoke_grant(state, grant_id)
    return Response(200, b"", {"Cache-Control": "no-store"})


def bearer_claims(state: SandboxState, req: Request) -> dict[str, Any] | str:
    """Access-token claims, or the 401 Detail text Xero would send."""
    header = req.headers.get("authorization", "")
    if not header.lower().startswith("bearer "):
        return "AuthenticationUnsuccessful"
    claims = jwt.decode(header[7:].strip(), state.signing_key)
    if claims is None or "client_id" not in claims or "exp" not in claims:
        return "AuthenticationUnsuccessful"
    if state.clock.time() >= claims["exp"]:
        stamp = datetime.fromtimestamp(claims["exp"], UTC).strftime("%m/%d/%Y %H:%M:%S")
        return f"TokenExpired: token expired at {stamp}"
    return claims
