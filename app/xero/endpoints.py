"""The one switch between real Xero and a local sandbox: every URL the program calls comes from here."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

from app.errors import InvalidInput

IPV4_LOOPBACK = "127.0.0.1"  # where the listener and the local sandbox listen
DEFAULT_SANDBOX_URL = f"http://{IPV4_LOOPBACK}:8765"


def is_loopback(url: str) -> bool:
    """True when ``url`` points at this computer: a literal loopback IP (127.0.0.0/8, ::1) or localhost.

    Decided by parsing the host, never by its prefix: http://127.attacker.example is a name anyone can
    point anywhere. A URL with user info or a backslash is refused outright, since parsers disagree
    about where its host starts.
    """
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return False
    if not host or "@" in parts.netloc or "\\" in url:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def require_secure(url: str) -> None:
    """Tokens and secrets go over https, or over http to this computer only (the local sandbox)."""
    scheme = urlsplit(url).scheme.lower()
    if scheme == "https" or (scheme == "http" and is_loopback(url)):
        return
    try:
        where = f"{scheme}://{urlsplit(url).hostname or ''}"
    except ValueError:
        where = "an address that cannot be read"
    raise InvalidInput(
        f"Xero Connect talks to Xero only over https, and over http only to this computer (localhost, "
        f"127.0.0.1 or ::1), but the configured address is {where}; check the Xero or sandbox address "
        "in the settings."
    )


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


CALLBACK_PATH = "/callback"


def redirect_uri(port: int) -> str:
    """The redirect URI an admin registers in Xero for one listener port: localhost, not 127.0.0.1
    (Xero matches the URI exactly, port included)."""
    return f"http://localhost:{port}{CALLBACK_PATH}"
