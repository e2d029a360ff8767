"""The page tests' fake model: just enough of ConnectionModel (the WizardModel Protocol) for pages
that make no network call, with its keyring store and token sets."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from app.authorization import AuthorizationAttempt
from app.credentials import fingerprint, mask
from app.errors import KeyringUnavailable
from app.settings import Settings
from app.setup_state import CheckResult, read_setup_state
from app.xero.client import Connection
from app.xero.endpoints import GRANULAR_SCOPES, XeroEndpoints
from app.xero.errors import NetworkError
from app.xero.tokenset import REFRESH_TOKEN_LIFETIME, TokenSet


def fake_tokens(refresh_token: str | None = "refresh", days_left: int = 59) -> TokenSet:
    """A real token set whose refresh token has days_left of its 60 days (0: past the limit)."""
    now = time.time()
    issued = now - (REFRESH_TOKEN_LIFETIME - days_left * 86400) - 60
    return TokenSet("access", refresh_token, now + 1800, ["accounting.invoices"], refresh_issued_at=issued)


@dataclass
class FakeStore:
    secret: str | None = None
    tokens: TokenSet | None = None
    broken: bool = False

    def client_secret(self) -> str | None:
        if self.broken:
            raise KeyringUnavailable("The system keyring is locked; unlock it and try again.")
        return self.secret

    def token_set(self) -> TokenSet | None:
        if self.broken:
            raise KeyringUnavailable("The system keyring is locked; unlock it and try again.")
        return self.tokens

    def save_client_secret(self, secret: str) -> None:
        self.secret = secret

    def save_token_set(self, tokens: TokenSet) -> None:
        self.tokens = tokens


NO_XERO = "The page tests' model has no Xero to reach; the sandbox tests (test_wizard_sandbox.py) do."


@dataclass
class FakeModel:
    """ConnectionModel for pages that make no network call: app.ui.wizard_model.WizardModel."""

    settings: Settings = field(default_factory=lambda: Settings(profile="sandbox"))
    store: FakeStore = field(default_factory=FakeStore)
    save_error: str | None = None
    tenant_list: list[Connection] = field(default_factory=list)
    saved: list[tuple[str, str]] = field(default_factory=list)
    listener_timeout: float = 300.0
    profile: str = "sandbox"

    def clock(self) -> float:
        return time.time()

    def keyring_label(self) -> str:
        return "Test keyring"

    @property
    def endpoints(self) -> XeroEndpoints:
        return self.settings.endpoints()

    def save(self) -> None:
        pass

    def reload(self) -> None:
        pass  # the fake's settings are the only copy: nothing on disk to read back

    def secrets(self) -> FakeStore:
        return self.store

    def check_secret(self, client_id: str | None = None, client_secret: str | None = None) -> bool | None:
        return None  # no Xero here: nothing to go by, as when the real check gets no answer

    def save_credentials(self, client_id: str, client_secret: str | None, app_type: str = "web") -> None:
        if self.save_error:
            raise KeyringUnavailable(self.save_error)
        self.saved.append((client_id, client_secret or ""))
        self.settings.client_id = client_id

    def masked_client_id(self) -> str:
        return self.settings.client_id[:4] + "..." if self.settings.client_id else "(not set)"

    def masked_client_secret(self) -> str:
        return mask(self.store.client_secret() or "")

    def fingerprint(self) -> str:
        return fingerprint(self.settings.client_id, self.store.client_secret())

    def support_summary(self) -> str:
        return read_setup_state(self).support_summary()

    def scopes(self) -> tuple[str, ...]:
        return tuple(self.settings.scopes) or GRANULAR_SCOPES

    def begin_authorization(self, use_listener: bool = True) -> AuthorizationAttempt:
        raise NetworkError(NO_XERO)

    def check_connection(self) -> CheckResult:
        raise NetworkError(NO_XERO)

    def tenants(self, auth_event_id: str | None = None) -> list[Connection]:
        return list(self.tenant_list)

    def choose_tenant(self, connection: Connection) -> None:
        self.settings.tenant_id = connection.tenant_id
        self.settings.tenant_name = connection.tenant_name


def connection(name: str, tenant_id: str, event: str = "e1") -> Connection:
    return Connection(f"c-{tenant_id}", tenant_id, name, "ORGANISATION", event, "", "")


def successful_check() -> CheckResult:
    """What step 8 shows after a check of Demo Company (UK) that succeeded."""
    return CheckResult(
        "Demo Company (UK)", "Connection attempt successful: Demo Company (UK)", 4990, 59, "!x", "GB", "GBP"
    )
