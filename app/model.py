"""The shared model: what every wizard page, the tray, the CLI and invoice drafting read and write.

A small facade over one profile's settings (JSON) and secrets (keyring), with its three parts: the
authorisation flow (app/authorization.py), the clients that talk to Xero (app/client_factory.py) and
the setup state with its sentences (app/setup_state.py). It has no Qt import; its calls may block on
the network, so the UI runs them in worker threads.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from app.app_naming import APP_TYPE_LABELS, DESKTOP_APP
from app.authorization import AuthorizationAttempt, AuthorizationFlow
from app.client_factory import ClientFactory
from app.credentials import check_credentials, fingerprint, mask
from app.errors import InvalidInput, NotConfigured, XeroConnectError
from app.settings import (
    Settings,
    config_dir,
    load_active_profile,
    load_settings,
    save_active_profile,
    save_settings,
)
from app.setup_state import (
    CheckResult,
    SetupState,
    keyring_moved_note,
    missing_secret_sentence,
    not_configured_sentence,
    read_setup_state,
)
from app.xero.endpoints import XeroEndpoints
from app.xero.errors import (
    NetworkError,
    TenantChoiceNeeded,
    TenantDisconnected,
)

# The network, keyring and OAuth modules load on first use (app/client_factory.py says why).
if TYPE_CHECKING:
    import requests

    from app.sandbox.server import SandboxServer
    from app.secrets import SecretStore
    from app.tokens import TokenManager
    from app.xero.client import Connection, XeroClient
    from app.xero.http import RetryPolicy
    from app.xero.oauth import AppCredentials

log = logging.getLogger(__name__)


@dataclass
class DisconnectReport:
    done: list[str]
    problems: list[str]


def sandbox_trial() -> tuple[ConnectionModel, SandboxServer | None]:
    """Step 1's "Try it first on the local sandbox": the sandbox profile made the active one and its
    emulator started in this process when none answers (the server, or None). Not on the GUI thread."""
    from app.embedded_sandbox import ensure_sandbox  # the emulator: for this trial only

    model = ConnectionModel("sandbox")
    save_active_profile("sandbox")
    return model, ensure_sandbox(model.settings.sandbox_url)


TRY_SANDBOX_NOTE = (
    "This sets up Xero Connect with real Xero. To try it first without touching real accounts, use the "
    "local sandbox: it runs on this computer and behaves as Xero does."
)


class ConnectionModel:
    """Settings + secrets + OAuth + client for one profile ("xero" or "sandbox")."""

    def __init__(
        self,
        profile: str | None = None,
        *,
        session: requests.Session | None = None,
        clock: Callable[[], float] = time.time,
        listener_timeout: float = 300.0,
        retry_policy: RetryPolicy | None = None,
    ) -> None:
        self.profile = profile or load_active_profile()
        self.settings: Settings = load_settings(self.profile)
        self.clock = clock
        self.listener_timeout = listener_timeout
        self.clients = ClientFactory(
            lambda: self.endpoints,
            self.credentials,
            self.secrets,
            lambda: config_dir() / f"{self.profile}.refresh.lock",
            session=session,
            clock=lambda: self.clock(),  # the model's clock, even when a test replaces it later
            retry_policy=retry_policy,
        )
        self.authorization = AuthorizationFlow(self)

    # ----- settings and secrets -----
    @property
    def endpoints(self) -> XeroEndpoints:
        return self.settings.endpoints()

    @property
    def session(self) -> requests.Session:
        return self.clients.session

    @session.setter
    def session(self, session: requests.Session) -> None:
        self.clients.session = session

    @property
    def retry_policy(self) -> RetryPolicy | None:
        return self.clients.retry_policy

    @retry_policy.setter
    def retry_policy(self, policy: RetryPolicy | None) -> None:
        self.clients.retry_policy = policy

    @property
    def place(self) -> str:
        """How error sentences name the other end."""
        return f"the Xero sandbox at {self.settings.sandbox_url}" if self.settings.is_sandbox else "Xero"

    def reload(self) -> None:
        self.settings = load_settings(self.profile)
        self.clients.invalidate()

    def save(self) -> None:
        save_settings(self.settings)

    def secrets(self) -> SecretStore:
        if not self.settings.client_id:
            raise NotConfigured(self._not_configured())
        from app.secrets import SecretStore  # keyring stack: loaded on first use

        return SecretStore(self.profile, self.settings.client_id)

    def _not_configured(self) -> str:
        return not_configured_sentence(self.settings)

    def save_credentials(self, client_id: str, client_secret: str | None, app_type: str = "web") -> None:
        """Step 4: validate, keep the secret in the keyring and the ID in settings."""
        check = check_credentials(client_id, client_secret or "", needs_secret=app_type == "web")
        if not check.ok:
            raise InvalidInput(" ".join(check.problems))
        if check.client_id != self.settings.client_id:
            self.settings.forget_tenant()
        self.settings.client_id = check.client_id
        self.settings.app_type = app_type
        from app.secrets import SecretStore  # keyring stack: loaded on first use

        store = SecretStore(self.profile, check.client_id)
        if app_type == "web":
            store.save_client_secret(check.client_secret)
        self.settings.keyring_backend = self.keyring_label()
        self.save()
        self.clients.invalidate()

    def credentials(self) -> AppCredentials:
        from app.xero.oauth import AppCredentials  # network stack: loaded on first use

        store = self.secrets()
        if self.settings.app_type == "pkce":
            return AppCredentials(self.settings.client_id, None)
        secret = store.client_secret()
        if not secret:
            raise NotConfigured(missing_secret_sentence(self.keyring_moved_note()))
        return AppCredentials(self.settings.client_id, secret)

    def keyring_label(self) -> str:
        """The keyring in use now, as a user recognises it."""
        from app.secrets import backend_label  # keyring stack: loaded on first use

        return backend_label()

    def keyring_moved_note(self) -> str:
        """A second sentence when the keyring in use is not the one the secrets were saved in."""
        return keyring_moved_note(self.settings.keyring_backend, self.keyring_label())

    def fingerprint(self) -> str:
        creds = self.credentials()
        return fingerprint(creds.client_id, creds.client_secret)

    def setup_state(self, now: float | None = None) -> SetupState:
        """What is in place, read once from settings and the keyring (call it off the GUI thread)."""
        return read_setup_state(self, now)

    def support_summary(self) -> str:
        """Everything support needs to help, and nothing secret."""
        return self.setup_state().support_summary()

    def masked_client_id(self) -> str:
        return mask(self.settings.client_id)

    def masked_client_secret(self) -> str:
        """The stored secret masked for display (reads the keyring: call it off the GUI thread)."""
        if self.settings.app_type == "pkce":
            return f"(none: {APP_TYPE_LABELS[DESKTOP_APP]})"
        return mask(self.credentials().client_secret or "")

    def _note_failed_call(self, line: str) -> None:
        """The last failed call's Xero-Correlation-Id goes into the support summary."""
        self.settings.last_correlation_id = line
        try:
            self.save()
        except OSError:  # the failure itself is the user's concern; the log still has the id
            log.warning("the last Xero-Correlation-Id could not be saved with the settings")

    def _note_authorisation(self, alive: bool) -> None:
        """Keep ``needs_reauthorisation`` true exactly while Xero's last word was invalid_grant.

        Set only on that evidence (a 401 can be passing, a keyring may lack the tokens in one session
        only) and cleared by any call Xero answered, so a false alarm never sticks.
        """
        if self.settings.needs_reauthorisation != (not alive):
            self.settings.needs_reauthorisation = not alive
            self.save()

    # ----- authorisation (steps 6 and 7: app/authorization.py) -----
    def check_secret(self, client_id: str | None = None, client_secret: str | None = None) -> bool | None:
        """Before the browser opens: WrongSecret when Xero refuses the secret (the given one, else the
        saved one), True when Xero knows it, None when there is nothing to go by (carry on as before)."""
        return self.authorization.check_secret(client_id, client_secret)

    def scopes(self) -> tuple[str, ...]:
        return self.authorization.scopes()

    def begin_authorization(self, use_listener: bool = True) -> AuthorizationAttempt:
        """Prepare the consent URL, check it with Xero first, and start the loopback listener."""
        return self.authorization.begin(use_listener)

    def tenants(self, auth_event_id: str | None = None) -> list[Connection]:
        """Organisations the token reaches; those added by this consent first."""
        return self.authorization.tenants(auth_event_id)

    def choose_tenant(self, connection: Connection) -> None:
        self.authorization.choose_tenant(connection)

    # ----- using the connection -----
    def token_manager(self) -> TokenManager:
        return self.clients.token_manager()

    def client(self, require_tenant: bool = True) -> XeroClient:
        if not self.settings.is_configured:
            raise NotConfigured(self._not_configured())
        if require_tenant and not self.settings.tenant_id:
            raise TenantChoiceNeeded(
                "No Xero organisation is chosen yet; choose one in step 7 of the setup wizard or with "
                "xero-connect connect --tenant NAME."
            )
        return self.clients.api_client(
            self.settings.tenant_id or None, self._note_authorisation, self._note_failed_call
        )

    def policy(self) -> RetryPolicy:
        """The retry policy of every call to Xero (tests give one that moves the sandbox clock)."""
        return self.clients.policy()

    def check_connection(self) -> CheckResult:
        """Step 8 and the tray's "Check connection": one real call to the chosen organisation."""
        client = self.client()
        try:
            org = client.organisation()
        except NetworkError:
            if self.settings.is_sandbox:  # on this computer: no network to check, just not running
                raise NetworkError(
                    f"Could not reach {self.place}: it is not running. Start Xero Connect again (it starts "
                    "its own sandbox), or run xero-connect sandbox in a terminal."
                ) from None
            raise NetworkError(f"Could not reach {self.place}; check the network connection.") from None
        except TenantDisconnected:
            if not self.settings.tenant_disconnected:
                self.settings.tenant_disconnected = True
                self.save()
            raise TenantDisconnected(
                f"Xero refused access to {self.settings.tenant_name or 'the chosen organisation'}: it was "
                "disconnected from this app or the user lost access; reconnect it with the setup wizard."
            ) from None
        name = str(org.get("Name") or self.settings.tenant_name)
        log.info("connection check succeeded for %s (%s calls left today)", name, client.limits.day_remaining)
        if name and name != self.settings.tenant_name:
            self.settings.tenant_name = name
            self.save()
        tokens = self.token_manager().current()
        return CheckResult(
            organisation=name,
            message=f"Connection attempt successful: {name}",
            day_remaining=client.limits.day_remaining,
            refresh_days_left=tokens.refresh_days_left(self.clock()) if tokens.refresh_token else None,
            short_code=str(org.get("ShortCode") or ""),
            country=str(org.get("CountryCode") or ""),
            base_currency=str(org.get("BaseCurrency") or ""),
        )

    def status(self) -> dict[str, str]:
        """What is configured, never a secret."""
        return self.setup_state().describe()

    def disconnect_question(self) -> str:
        """The confirmation every front end asks before disconnect (no I/O)."""
        if not self.settings.is_configured:
            raise NotConfigured(self._not_configured())
        what = self.settings.tenant_name or "Xero"
        return (
            f"Disconnect Xero Connect from {what}? The connection is removed in Xero, the authorisation "
            "is revoked and the client secret and tokens are deleted from this computer."
        )

    def authorisation_problem(self) -> str | None:
        """Why the saved authorisation cannot be used, without asking Xero; None when it looks usable.

        Reads the keyring: call it off the GUI thread.
        """
        return self.setup_state().problem()

    def disconnect(self, confirm: Callable[[str], bool]) -> DisconnectReport | None:
        """Remove the organisation's connection, revoke the refresh token and delete the secrets.

        Returns None (and changes nothing) when the user does not confirm.
        """
        if not confirm(self.disconnect_question()):
            return None
        what = self.settings.tenant_name or "Xero"
        done: list[str] = []
        problems: list[str] = []
        store = self.secrets()
        tokens = store.token_set()
        if tokens is not None and self.settings.connection_id:
            try:
                self.client().delete_connection(self.settings.connection_id)
                done.append(f"Removed the connection to {what} in Xero.")
            except XeroConnectError as exc:
                problems.append(f"The connection could not be removed in Xero: {exc}")
        if tokens is not None and tokens.refresh_token:
            try:
                from app.xero.oauth import revoke_refresh_token  # network stack: loaded on first use

                revoke_refresh_token(self.endpoints, self.credentials(), tokens.refresh_token, self.session)
                done.append("Revoked the authorisation in Xero.")
            except XeroConnectError as exc:
                problems.append(f"The authorisation could not be revoked in Xero: {exc}")
        store.delete_all()
        done.append("Deleted the client secret and tokens from the system keyring.")
        self.settings.forget_tenant()
        self.settings.client_id = ""
        self.settings.xero_userid = ""
        self.settings.xero_user_email = ""
        self.save()
        self.clients.invalidate()
        return DisconnectReport(done, problems)
