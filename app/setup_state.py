"""What is set up for one profile, read once from settings + keyring + tokens, and its sentences.

The wizard's start step, the tray's start-up probe, `xero-connect status` and the support summary all
read one `SetupState` and word it with its `describe()` / `problem()`; nothing here asks Xero.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Protocol

from app.app_naming import app_type_label
from app.credentials import fingerprint
from app.errors import NotConfigured, XeroConnectError
from app.settings import Settings
from app.xero.tokenset import TokenSet


class SecretReader(Protocol):
    def client_secret(self) -> str | None: ...

    def token_set(self) -> TokenSet | None: ...


class SetupSource(Protocol):
    """What a setup state is read from: app.model.ConnectionModel (or a page test's stand-in)."""

    settings: Settings

    def clock(self) -> float: ...

    def secrets(self) -> SecretReader: ...

    def keyring_label(self) -> str: ...


@dataclass
class CheckResult:
    """One real call to the chosen organisation that succeeded: who answered, and what is left."""

    organisation: str
    message: str
    day_remaining: int | None
    refresh_days_left: int | None
    short_code: str = ""
    country: str = ""
    base_currency: str = ""

    def details(self) -> list[tuple[str, str]]:
        """The facts under the message, label and value (empty ones left out): step 8's rows."""
        rows = [
            ("Short code", self.short_code),
            ("Country", self.country),
            ("Base currency", self.base_currency),
        ]
        if self.day_remaining is not None:
            rows.append(("Xero API calls left today", f"{self.day_remaining:,}"))
        if self.refresh_days_left is not None:
            rows.append(
                (
                    "Authorisation valid for",
                    f"{self.refresh_days_left} more days without use (every check or draft renews it)",
                )
            )
        return [(label, value) for label, value in rows if value]

    def lines(self) -> list[str]:
        """The message, then the calls left and the authorisation's life: the tray and the CLI."""
        rows = [(label, value) for label, value in self.details() if label in _CHECK_LINES]
        return [self.message, *(f"{label}: {value}" for label, value in rows)]


_CHECK_LINES = ("Xero API calls left today", "Authorisation valid for")


def not_configured_sentence(settings: Settings) -> str:
    flag = " --sandbox" if settings.is_sandbox else ""
    return (
        "Xero Connect is not set up yet; run the setup wizard (xero-connect wizard) or "
        f"xero-connect connect{flag} first."
    )


def keyring_moved_note(saved: str, current: str) -> str:
    """A second sentence when the keyring in use is not the one the secrets were saved in.

    Secrets saved in one backend (say KWallet) are invisible from another (the Secret Service),
    which looks exactly like losing them; naming both lets the user switch back instead.
    """
    if not saved or saved == current:
        return ""
    return (
        f" Xero Connect's secrets were saved in {saved}, but the keyring in use now is {current}; "
        f"in a session that uses {saved} they are still there."
    )


def missing_secret_sentence(note: str) -> str:
    return (
        "The client secret is missing from the system keyring; enter it again in step 4 of the "
        f"setup wizard.{note}"
    )


@dataclass(frozen=True)
class SetupState:
    """What is already in place for one profile; every field is a plain fact, no secret."""

    has_client_id: bool
    has_secret: bool
    has_tokens: bool
    tokens_usable: bool  # False when the refresh token is gone or past Xero's 60-day limit
    has_tenant: bool
    tenant_disconnected: bool = False  # Xero said 403 for it: only a new consent (step 6) brings it back
    keyring_note: str = ""  # with no secret: where it went, when another keyring is in use now
    settings: Settings = field(default_factory=Settings, compare=False)
    # Asked only when a sentence names the keyring: it imports the keyring stack, which the first
    # paint of the wizard does not need.
    read_keyring_label: Callable[[], str] = field(default=lambda: "", compare=False, repr=False)
    tokens: TokenSet | None = None
    # The keyring could not be read (locked, none installed): the error, raised again where it matters.
    keyring_error: Exception | None = field(default=None, compare=False)
    now: float = 0.0
    secret_fingerprint: str = ""  # of the client ID + secret, once both are readable

    def _not_configured(self) -> NotConfigured:
        return NotConfigured(not_configured_sentence(self.settings))

    @property
    def keyring_label(self) -> str:
        """The keyring in use now, as a user recognises it."""
        return self.read_keyring_label()

    def moved_note(self) -> str:
        return keyring_moved_note(self.settings.keyring_backend, self.keyring_label)

    def problem(self) -> str | None:
        """Why the saved authorisation cannot be used, without asking Xero; None when it looks usable.

        Raises what stopped the keyring from being read (or NotConfigured with no client ID).
        """
        if not self.has_client_id:
            raise self._not_configured()
        if self.keyring_error is not None:
            raise self.keyring_error
        s = self.settings
        if self.tokens is None:
            return (
                "Xero Connect is not authorised yet; authorise it in step 6 of the setup wizard."
                + self.moved_note()
            )
        if s.tenant_disconnected:
            return (
                f"{s.tenant_name or 'The chosen organisation'} was disconnected from this app "
                "in Xero; connect it again in step 6 of the setup wizard."
            )
        if s.needs_reauthorisation:
            return (
                "Xero no longer accepts the saved authorisation (it expired or was revoked); authorise "
                "Xero Connect again in step 6 of the setup wizard."
            )
        if not self.tokens.refresh_token or self.tokens.refresh_days_left(self.now) <= 0:
            return (
                "The Xero authorisation has passed Xero's 60-day limit without use; authorise Xero "
                "Connect again in step 6 of the setup wizard."
            )
        return None

    def describe(self) -> dict[str, str]:
        """What is configured, never a secret: `xero-connect status`, one label and value a line."""
        s = self.settings
        out = {
            "Profile": s.profile + (f" ({s.sandbox_url})" if s.is_sandbox else ""),
            "Client ID": s.client_id or "(not set)",
            "App type": app_type_label(s.app_type),
            "Redirect URIs": ", ".join(s.redirect_uris()),
            "Organisation": s.tenant_name or "(not chosen)",
            "Keyring": self.keyring_label,
        }
        if not s.is_configured:
            return out
        if self.keyring_error is not None:
            out["Keyring problem"] = str(self.keyring_error)
            return out
        out["Client secret"] = "stored in the keyring" if self.has_secret else "missing"
        tokens = self.tokens
        if tokens is None:
            out["Authorisation"] = "not authorised yet"
            return out
        remaining = tokens.expires_at - self.now
        out["Access token"] = (
            f"valid for {int(remaining // 60)} more minutes"
            if remaining > 0
            else "expired (renewed automatically on next use)"
        )
        if tokens.refresh_token:
            ends = time.strftime("%d %B %Y", time.localtime(tokens.refresh_expires_at()))
            out["Refresh token"] = f"{tokens.refresh_days_left(self.now)} days left if unused (until {ends})"
        out["Scopes"] = " ".join(tokens.scope)
        if s.xero_user_email:
            out["Xero user"] = s.xero_user_email
        return out

    def fingerprint_line(self) -> str:
        """The support summary's fingerprint line, or why there is none."""
        try:
            if not self.has_client_id:
                raise self._not_configured()
            if self.keyring_error is not None:
                raise self.keyring_error
            if not self.has_secret:
                raise NotConfigured(missing_secret_sentence(self.moved_note()))
        except XeroConnectError as exc:
            return f"Fingerprint: unavailable ({exc})"
        return f"Client ID + secret fingerprint: {self.secret_fingerprint}"

    def support_summary(self) -> str:
        """Everything support needs to help, and nothing secret."""
        s = self.settings
        lines = [
            f"Xero Connect profile: {s.profile}",
            f"Client ID: {s.client_id or '(not set)'}",
            f"App type: {app_type_label(s.app_type)}",
            f"Redirect URIs: {', '.join(s.redirect_uris())}",
            self.fingerprint_line(),
            f"Organisation: {s.tenant_name or '(not chosen)'}",
            f"Keyring: {s.keyring_backend or self.keyring_label}",
            f"Last failed Xero call: {s.last_correlation_id or '(none)'}",
        ]
        return "\n".join(lines)


def read_setup_state(model: SetupSource, now: float | None = None) -> SetupState:
    """Look at settings and the keyring once; a keyring that cannot be read counts as "not stored"."""
    settings = replace(model.settings)  # a snapshot: the state does not change with later edits
    now = model.clock() if now is None else now
    if not settings.client_id:
        return SetupState(
            False,
            False,
            False,
            False,
            bool(settings.tenant_id),
            settings=settings,
            read_keyring_label=model.keyring_label,
            now=now,
        )
    has_secret = False
    secret: str | None = None
    tokens: TokenSet | None = None
    error: Exception | None = None
    try:
        store = model.secrets()
        if settings.app_type != "pkce":
            secret = store.client_secret()
        has_secret = settings.app_type == "pkce" or bool(secret)
        tokens = store.token_set()
    except Exception as exc:  # a locked or missing keyring: said where it matters, never a crash here
        error = exc
    usable = (
        tokens is not None
        and bool(tokens.refresh_token)
        and tokens.refresh_days_left(now) > 0
        and not settings.needs_reauthorisation  # Xero said invalid_grant
    )
    note = "" if has_secret else keyring_moved_note(settings.keyring_backend, model.keyring_label()).strip()
    return SetupState(
        True,
        has_secret,
        tokens is not None,
        usable,
        bool(settings.tenant_id),
        settings.tenant_disconnected,
        note,
        settings=settings,
        read_keyring_label=model.keyring_label,
        tokens=tokens,
        keyring_error=error,
        now=now,
        secret_fingerprint=fingerprint(settings.client_id, secret) if has_secret else "",
    )
