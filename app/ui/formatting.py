"""Qt-free wording for the wizard: turns core results into the short lines the pages show."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.authorization import AuthorizationOutcome
    from app.xero.client import Connection

SCOPE_WORDS = {
    "openid": "sign-in identity",
    "profile": "your name",
    "email": "your e-mail address",
    "offline_access": "stay connected (refresh token)",
    "accounting.settings.read": "read organisation settings",
    "accounting.settings": "organisation settings",
    "accounting.contacts": "contacts",
    "accounting.contacts.read": "read contacts",
    "accounting.invoices": "invoices",
    "accounting.transactions": "transactions (including invoices)",
}


def describe_scopes(scopes: list[str] | tuple[str, ...]) -> str:
    """'invoices, contacts, ...' in the order Xero granted them; the scope IDs only where no word is."""
    if not scopes:
        return "none reported by Xero"
    return ", ".join(SCOPE_WORDS.get(s, s) for s in scopes)


def clock_time(epoch: float) -> str:
    return time.strftime("%H:%M", time.localtime(epoch))


def describe_expiry(expires_at: float, now: float | None = None) -> str:
    now = time.time() if now is None else now
    minutes = int((expires_at - now) // 60)
    if minutes <= 0:
        return "The access token has expired; Xero Connect renews it automatically on next use."
    return (
        f"The access token is valid until {clock_time(expires_at)} ({minutes} minutes); Xero Connect "
        "renews it automatically after that."
    )


def describe_organisations(outcome: AuthorizationOutcome) -> str:
    total, new = len(outcome.connections), len(outcome.new_tenant_ids)
    if total == 0:
        return "Xero returned no organisation for this approval; in step 7 you will see how to add one."
    noun = "organisation" if total == 1 else "organisations"
    added = f" ({new} added by this approval)" if new and new != total else ""
    return f"{total} {noun} connected{added}."


def countdown(seconds: float) -> str:
    seconds = max(0, int(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


def tenant_label(connection: Connection, new_ids: set[str] | frozenset[str] = frozenset()) -> str:
    """ "Demo Company (UK) · connected just now" for one this approval added; practices say so."""
    label = connection.tenant_name
    if connection.tenant_type not in ("ORGANISATION", ""):
        label += f" · {connection.tenant_type.lower()}"
    if connection.tenant_id in new_ids:
        label += " · connected just now"
    return label
