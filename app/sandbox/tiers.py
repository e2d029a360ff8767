"""Xero's 2026 app tiers: the day limit per organisation, the connection cap and who is certified."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.sandbox.state import SandboxState

DEFAULT_TIER = "starter"
UNCERTIFIED_APPS_PER_ORG = 2


@dataclass(frozen=True)
class Tier:
    key: str
    label: str
    per_day: int  # API calls per organisation per day
    connection_cap: int | None  # organisations x users; None: no published cap (Enterprise)
    certified: bool  # Plus and above must be certified; Starter and Core are not


TIERS: dict[str, Tier] = {
    t.key: t
    for t in (
        Tier("starter", "Starter", 1000, 5, False),
        Tier("core", "Core", 5000, 50, False),
        Tier("plus", "Plus", 5000, 1000, True),
        Tier("advanced", "Advanced", 5000, 10000, True),
        Tier("enterprise", "Enterprise", 5000, None, True),
    )
}


def tier_problem(key: object) -> str | None:
    """Plain-words reason a tier name is refused, or None."""
    if key in TIERS:
        return None
    return f"Tier must be one of: {', '.join(TIERS)}."


def tier_of(app: dict[str, Any]) -> Tier:
    # Apps saved before tiers existed are on Starter, as Xero moved every self-registered app there.
    return TIERS.get(str(app.get("tier") or DEFAULT_TIER), TIERS[DEFAULT_TIER])


def day_limit(state: SandboxState, client_id: str) -> int:
    """The app's day limit per organisation; /sandbox/limits' per_day, when set, overrides every tier."""
    if state.limits.per_day is not None:
        return state.limits.per_day
    app = state.apps.get(client_id)
    return tier_of(app).per_day if app else TIERS[DEFAULT_TIER].per_day


def connections_in_use(state: SandboxState, client_id: str) -> int:
    """Every (user, organisation) connection counts, stale ones too, until it is deleted."""
    return sum(1 for c in state.connections.values() if c["client_id"] == client_id)


def uncertified_apps_on(state: SandboxState, tenant_id: str) -> set[str]:
    """Client ids of uncertified apps that hold a connection to the organisation."""
    return {
        c["client_id"]
        for c in state.connections.values()
        if c["tenantId"] == tenant_id
        and c["client_id"] in state.apps
        and not tier_of(state.apps[c["client_id"]]).certified
    }


def usage(state: SandboxState, app: dict[str, Any]) -> dict[str, Any]:
    """What the control API shows about an app's tier and how much of it is used."""
    tier = tier_of(app)
    return {
        "tier": tier.key,
        "tier_label": tier.label,
        "certified": tier.certified,
        "day_limit": day_limit(state, app["client_id"]),
        "connection_cap": tier.connection_cap,
        "connections_in_use": connections_in_use(state, app["client_id"]),
    }


def would_exceed_cap(state: SandboxState, client_id: str, adding: int = 1) -> bool:
    """Whether `adding` more connections take the app past its tier's cap (at the cap, adding=1 is past)."""
    cap = tier_of(state.apps[client_id]).connection_cap
    return cap is not None and connections_in_use(state, client_id) + adding > cap


def greyed_out(state: SandboxState, client_id: str, tenant_id: str) -> bool:
    """An uncertified app cannot be the third uncertified app an organisation connects."""
    if tier_of(state.apps[client_id]).certified:
        return False
    holding = uncertified_apps_on(state, tenant_id)
    return client_id not in holding and len(holding) >= UNCERTIFIED_APPS_PER_ORG
