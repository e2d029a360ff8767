"""The one switch between real Xero and a local sandbox: every URL the program calls comes from here."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_SANDBOX_URL = "http://127.0.0.1:8765"

# Scopes for apps created on or after 2 March 2026 (granular scopes only).
GRANULAR_SCOPES: tuple[str, ...] = (
    "openid",
    "profile",
    "email",
    "offline_access",
    "accounting.settings.read",
    "accounting.contacts",
    "accounting.invoices",
)
# The broad equivalent for apps created before March 2026 that have not moved to granular scopes.
LEGACY_SCOPES: tuple[str, ...] = (
    "openid",
    "profile",
    "email",
    "offline_access",
    "accounting.settings.read",
    "accounting.contacts",
    "accounting.transactions",
)


@dataclass(frozen=True)
class XeroEndpoints:
    """Base URLs of Xero's identity service, its API and its developer portal."""

    name: str
    authorize_url: str
    token_url: str
    revocation_url: str
    connections_url: str
    api_base: str
    portal_url: str

    @property
    def is_sandbox(self) -> bool:
        return self.name == "sandbox"

    @classmethod
    def real(cls) -> XeroEndpoints:
        return cls(
            name="xero",
            authorize_url="https://login.xero.com/identity/connect/authorize",
            token_url="https://identity.xero.com/connect/token",
            revocation_url="https://identity.xero.com/connect/revocation",
            connections_url="https://api.xero.com/connections",
            api_base="https://api.xero.com/api.xro/2.0",
            portal_url="https://developer.xero.com/app/manage",
        )

    @classmethod
    def sandbox(cls, base_url: str = DEFAULT_SANDBOX_URL) -> XeroEndpoints:
        """The local sandbox serves every Xero host from one loopback origin."""
        base = base_url.rstrip("/")
        return cls(
            name="sandbox",
            authorize_url=f"{base}/identity/connect/authorize",
            token_url=f"{base}/connect/token",
            revocation_url=f"{base}/connect/revocation",
            connections_url=f"{base}/connections",
            api_base=f"{base}/api.xro/2.0",
            portal_url=f"{base}/app/manage",
        )

    @property
    def sandbox_base(self) -> str:
        """Origin of the sandbox (its control API lives under /sandbox/ there)."""
        return self.connections_url.rsplit("/connections", 1)[0]
