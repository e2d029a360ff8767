"""What a user's consent does: connect the ticked organisations and mint a single-use code."""

from __future__ import annotations

import secrets
import uuid
from typing import Any
from urllib.parse import urlencode

from app.sandbox.fmt import conn_stamp, stable_id
from app.sandbox.state import SandboxState
from app.sandbox.tiers import greyed_out, would_exceed_cap


def user_id(email: str) -> str:
    return stable_id("user", email.strip().lower())


def with_params(uri: str, params: dict[str, str | None]) -> str:
    joiner = "&" if "?" in uri else "?"
    return uri + joiner + urlencode({k: v for k, v in params.items() if v is not None})


# Xero's words when an app is at its tier's connection cap (shown on its hosted page, before sign-in).
CERTIFICATION_NEEDED = (
    "{app} needs to complete certification before they can connect to more Xero organisations."
)
GREYED_OUT = (
    "This organisation already has two uncertified apps connected, the most Xero allows; "
    "an adviser or admin can disconnect one under Settings > Connected apps."
)


def new_tenants(state: SandboxState, client_id: str, email: str, tenant_ids: list[str]) -> list[str]:
    """The tenants this consent would add as connections (a reconnect reuses the user's connection)."""
    uid = user_id(email)
    held = {
        c["tenantId"]
        for c in state.connections.values()
        if c["client_id"] == client_id and c["user_id"] == uid
    }
    return [t for t in dict.fromkeys(tenant_ids) if t not in held]


def refusal(state: SandboxState, client_id: str, email: str, tenant_ids: list[str]) -> str | None:
    """Why Xero would refuse to connect these tenants for this app, or None."""
    adding = new_tenants(state, client_id, email, tenant_ids)
    if any(greyed_out(state, client_id, t) for t in adding):
        return GREYED_OUT
    if adding and would_exceed_cap(state, client_id, len(adding)):
        return CERTIFICATION_NEEDED.format(app=state.apps[client_id]["name"])
    return None


def connect(state: SandboxState, client_id: str, email: str, tenant_ids: list[str]) -> str:
    """Create or refresh connections; all tenants of this consent share one new authEventId."""
    event = str(uuid.uuid4())
    uid = user_id(email)
    stamp = conn_stamp(state.clock.now())
    with state.lock:
        for tenant in tenant_ids:
            existing = next(
                (
                    c
                    for c in state.connections.values()
                    if c["client_id"] == client_id and c["user_id"] == uid and c["tenantId"] == tenant
                ),
                None,
            )
            if existing:
                existing.update(authEventId=event, updatedDateUtc=stamp)
                continue
            conn_id = str(uuid.uuid4())
            state.connections[conn_id] = {
                "id": conn_id,
                "authEventId": event,
                "tenantId": tenant,
                "tenantType": "ORGANISATION",
                "tenantName": state.tenant_name(tenant),
                "createdDateUtc": stamp,
                "updatedDateUtc": stamp,
                "client_id": client_id,
                "user_id": uid,
            }
    return event


def allow(state: SandboxState, request: dict[str, Any], email: str, tenant_ids: list[str]) -> str:
    """Connect tenants, store a code, and return the redirect location carrying it."""
    event = connect(state, request["client_id"], email, tenant_ids)
    code = secrets.token_urlsafe(32)
    with state.lock:
        state.codes[code] = {
            **request,
            "user_email": email.strip().lower(),
            "auth_event_id": event,
            "issued_at": state.clock.time(),
            "used": False,
        }
    return with_params(
        request["redirect_uri"],
        {
            "code": code,
            "scope": " ".join(request["scopes"]),
            "state": request.get("state"),
            "session_state": secrets.token_urlsafe(24),
        },
    )


def deny(request: dict[str, Any]) -> str:
    return with_params(request["redirect_uri"], {"error": "access_denied", "state": request.get("state")})
