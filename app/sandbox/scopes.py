"""Xero's scope rules: legacy (pre 2 March 2026) apps get broad scopes, newer apps granular only."""

from __future__ import annotations

from datetime import UTC, datetime

GRANULAR_CUTOFF = datetime(2026, 3, 2, tzinfo=UTC)
IDENTITY = frozenset({"openid", "profile", "email", "offline_access"})
SHARED = frozenset(
    {
        "accounting.settings",
        "accounting.settings.read",
        "accounting.contacts",
        "accounting.contacts.read",
        "accounting.attachments",
        "accounting.attachments.read",
        "accounting.budgets.read",
        "accounting.journals.read",
    }
)
BROAD_ONLY = frozenset({"accounting.transactions", "accounting.transactions.read", "accounting.reports.read"})
GRANULAR_ONLY = frozenset(
    {
        "accounting.invoices",
        "accounting.invoices.read",
        "accounting.payments",
        "accounting.payments.read",
        "accounting.banktransactions",
        "accounting.banktransactions.read",
        "accounting.manualjournals",
        "accounting.manualjournals.read",
    }
)

DESCRIPTIONS = {
    "openid": "Confirm your identity",
    "profile": "See your name",
    "email": "See your email address",
    "offline_access": "Keep access when you are not using the app",
    "accounting.settings": "View and manage your organisation settings",
    "accounting.settings.read": "View your organisation settings (accounts, tax rates, items)",
    "accounting.contacts": "View and manage your contacts",
    "accounting.contacts.read": "View your contacts",
    "accounting.transactions": "View and manage your business transactions",
    "accounting.transactions.read": "View your business transactions",
    "accounting.invoices": "View and manage your invoices, quotes and items",
    "accounting.invoices.read": "View your invoices, quotes and items",
}


def is_legacy(created_at: datetime) -> bool:
    return created_at < GRANULAR_CUTOFF


def allowed_scopes(created_at: datetime, granular_enabled: bool) -> frozenset[str]:
    if is_legacy(created_at):
        extra = GRANULAR_ONLY if granular_enabled else frozenset()
        return IDENTITY | SHARED | BROAD_ONLY | extra
    return IDENTITY | SHARED | GRANULAR_ONLY


def describe(scope: str) -> str:
    return DESCRIPTIONS.get(scope, scope)


def has_any(granted: list[str], *needed: str) -> bool:
    return any(s in granted for s in needed)
