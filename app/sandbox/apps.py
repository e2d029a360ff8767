"""App registry rules shared by the portal form and the control API."""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import urlsplit

from app.sandbox.fmt import iso, parse_iso
from app.sandbox.state import SandboxState
from app.sandbox.tiers import DEFAULT_TIER

MAX_REDIRECT_URIS = 50
# Xero's certification checkpoint 1: the app's name cannot include the word "Xero" (trademark).
XERO_IN_NAME = 'App name cannot include the word "Xero".'


def new_client_id() -> str:
    return secrets.token_hex(16).upper()


def new_secret() -> str:
    # token_urlsafe(36) yields exactly 48 chars of A-Z a-z 0-9 - _
    return secrets.token_urlsafe(36)


def redirect_uri_problem(uri: str) -> str | None:
    """Plain-words reason a redirect URI is refused, or None if Xero would accept it."""
    if "*" in uri:
        return f"Redirect URI {uri} must not contain wildcards."
    parts = urlsplit(uri)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return f"Redirect URI {uri} must be a full web address starting with https:// (custom schemes "
        "are not supported)."
    if parts.fragment:
        return f"Redirect URI {uri} must not contain a # fragment."
    if parts.scheme == "http" and parts.hostname != "localhost":
        return f"Redirect URI {uri} must use https (plain http is only allowed for http://localhost)."
    return None


def validate_app(
    name: str, integration_type: str, company_url: str, uris: list[str], allow_xero_in_name: bool = False
) -> list[str]:
    errors = []
    if not name.strip():
        errors.append("App name is required.")
    elif len(name) > 100:
        errors.append("App name must be 100 characters or fewer.")
    elif "xero" in name.casefold() and not allow_xero_in_name:
        errors.append(XERO_IN_NAME)
    if integration_type not in ("web", "mobile"):
        errors.append("Choose an integration type: Web app or Mobile or desktop app.")
    if company_url and not company_url.startswith("https://"):
        errors.append("Company or application URL must start with https://.")
    if not uris:
        errors.append("At least one redirect URI is required.")
    if len(uris) > MAX_REDIRECT_URIS:
        errors.append(f"No more than {MAX_REDIRECT_URIS} redirect URIs are allowed.")
    errors.extend(p for p in (redirect_uri_problem(u) for u in uris) if p)
    return errors


def create_app(
    state: SandboxState,
    name: str,
    integration_type: str,
    redirect_uris: list[str],
    company_url: str = "",
    created_at: str | None = None,
    granular_enabled: bool = False,
    with_secret: bool = False,
    tier: str = DEFAULT_TIER,
) -> dict[str, Any]:
    when = parse_iso(created_at) if created_at else state.clock.now()
    app: dict[str, Any] = {
        "client_id": new_client_id(),
        "client_secret": None,
        "name": name.strip(),
        "integration_type": integration_type,
        "company_url": company_url,
        "redirect_uris": list(redirect_uris),
        "created_at": iso(when),
        "granular_enabled": bool(granular_enabled),
        "tier": tier,
    }
    if with_secret and integration_type == "web":
        app["client_secret"] = new_secret()
    with state.lock:
        state.apps[app["client_id"]] = app
    return app
