"""The shared model: what every wizard page, the tray, the CLI and invoice drafting read and write.

It joins settings (JSON), secrets (keyring), the OAuth flow and the Xero client. It has no Qt import;
its calls may block on the network, so the UI runs them in worker threads.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from app.app_naming import APP_TYPE_LABELS, DESKTOP_APP
from app.credentials import check_credentials, fingerprint, mask
from app.port_holder import program_holding
from app.settings import Settings, config_dir, load_active_profile, load_settings, save_settings
from app.setup_state import (
    CheckResult,
    SetupState,
    keyring_moved_note,
    missing_secret_sentence,
    not_configured_sentence,
    read_setup_state,
)
from app.xero.endpoints import GRANULAR_SCOPES, LEGACY_SCOPES, XeroEndpoints, redirect_uri
from app.xero.errors import (
    InvalidInput,
    InvalidScope,
    NetworkError,
    NotConfigured,
    RedirectUriNotRegistered,
    TenantChoiceNeeded,
    TenantDisconnected,
    XeroConnectError,
)
from app.xero.tokenset import TokenSet

# The network, keyring and OAuth modules are imported where they are first used: the wizard's first
# page needs none of them, and importing them up front doubles the time to a painted window.
if TYPE_CHECKING:
    import requests

    from app.sandbox.server import SandboxServer
    from app.secrets import SecretStore
    from app.tokens import TokenManager
    from app.xero.client import Connection, XeroClient
    from app.xero.http import RetryPolicy
    from app.xero.loopback import LoopbackListener
    from app.xero.oauth import AppCredentials, PendingAuthorization

log = logging.getLogger(__name__)

LEGACY_SCOPE_NOTE = (
    "This Xero app was created before March 2026 and still uses Xero's broad scopes, so Xero Connect "
    "asks for accounting.transactions instead of accounting.invoices."
)


@dataclass
class AuthorizationOutcome:
    tokens: TokenSet
    connections: list[Connection]
    new_tenant_ids: list[str]
    notes: list[str] = field(default_factory=list)  # e.g. a different Xero user than before
    # No organisation was chosen before this consent: none is chosen for the admin; they confirm one.
    first_connect: bool = False

    @property
    def consented_by(self) -> str:
        """Who approved, as Xero's id_token names them: "Jane Doe (jane@example.com)"."""
        name, email = self.tokens.user_name, self.tokens.user_email
        if name and email:
            return f"{name} ({email})"
        return name or email or "a Xero user whose name Xero did not send"

    def consent_summary(self) -> str:
        """The sentence shown after a consent: who approved, for which organisations."""
        added = [c.tenant_name for c in self.connections if c.tenant_id in self.new_tenant_ids]
        names = added or [c.tenant_name for c in self.connections]
        if not names:
            return f"Approved in Xero by {self.consented_by}, for no organisation."
        return f"Approved in Xero by {self.consented_by}, for {', '.join(names)}."

    def confirm_question(self, connection: Connection) -> str:
        """Asked before a first connect uses an organisation the admin has not picked themselves."""
        return (
            f"{self.consent_summary()} Use {connection.tenant_name}? If you did not approve this yourself, "
            "answer no: someone else may have used the approval link."
        )


@dataclass
class DisconnectReport:
    done: list[str]
    problems: list[str]


def sandbox_trial() -> tuple[ConnectionModel, SandboxServer | None]:
    """Step 1's "Try it first on the local sandbox": the sandbox profile made the active one and its
    emulator started in this process when none answers (the server, or None). Not on the GUI thread."""
    from app.embedded_sandbox import ensure_sandbox
    from app.settings import save_active_profile

    model = ConnectionModel("sandbox")
    save_active_profile("sandbox")
    return model, ensure_sandbox(model.settings.sandbox_url)


TRY_SANDBOX_NOTE = (
    "This sets up Xero Connect with real Xero. To try it first without touching real accounts, use the "
    "local sandbox: it runs on this computer and behaves as Xero does."
)


class AuthorizationAttempt:
    """One trip to Xero's consent page, caught by the loopback listener or by a pasted URL."""

    def __init__(
        self,
        model: ConnectionModel,
        pending: PendingAuthorization,
        listener: LoopbackListener[TokenSet] | None,
        notes: list[str],
    ) -> None:
        self.model = model
        self.pending = pending
        self.listener = listener
        self.notes = notes

    @property
    def url(self) -> str:
        return self.pending.url

    @property
    def redirect_uri(self) -> str:
        return self.pending.redirect_uri

    def waiting_hint(self) -> str:
        """What to try while the wait goes on for long, from what reached the listener so far."""
        from app.xero.loopback import NOTHING_ARRIVED, waiting_hint

        seen = self.listener.seen if self.listener is not None else NOTHING_ARRIVED
        return waiting_hint(self.redirect_uri, seen)

    def wait(self) -> AuthorizationOutcome:
        """Block until the browser comes back (run this in a worker thread)."""
        if self.listener is None:
            raise InvalidInput("No listener is running for this attempt; paste the redirect URL instead.")
        try:
            tokens = self.listener.wait()
        finally:
            self.listener.close()
        return self.model._after_authorization(tokens, self.notes)

    def complete_with_pasted_url(self, text: str) -> AuthorizationOutcome:
        from app.xero.oauth import parse_pasted_redirect

        url = parse_pasted_redirect(text, self.pending)
        if self.listener is not None:
            self.listener.cancel()
            self.listener.close()
        tokens = self.model._exchange(self.pending, url)
        return self.model._after_authorization(tokens, self.notes)

    def cancel(self) -> None:
        if self.listener is not None:
            self.listener.cancel()

    def close(self) -> None:
        if self.listener is not None:
            self.listener.close()


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
        self._session = session
        self.clock = clock
        self.listener_timeout = listener_timeout
        self.retry_policy = retry_policy
        self._token_manager: TokenManager | None = None

    # ----- settings and secrets -----
    @property
    def endpoints(self) -> XeroEndpoints:
        return self.settings.endpoints()

    @property
    def session(self) -> requests.Session:
        """The one HTTP session, made on first use (importing requests is slow)."""
        if self._session is None:
            from app.xero.http import make_session

            self._session = make_session()
        return self._session

    @session.setter
    def session(self, session: requests.Session) -> None:
        self._session = session
        self._token_manager = None  # it holds the session it was made with

    @property
    def place(self) -> str:
        """How error sentences name the other end."""
        return f"the Xero sandbox at {self.settings.sandbox_url}" if self.settings.is_sandbox else "Xero"

    def reload(self) -> None:
        self.settings = load_settings(self.profile)
        self._token_manager = None

    def save(self) -> None:
        save_settings(self.settings)

    def secrets(self) -> SecretStore:
        if not self.settings.client_id:
            raise NotConfigured(self._not_configured())
        from app.secrets import SecretStore

        return SecretStore(self.profile, self.settings.client_id)

    def _not_configured(self) -> str:
        return not_configured_sentence(self.settings)

    def save_credentials(self, client_id: str, client_secret: str | None, app_type: str = "web") -> None:
        """Step 4: validate, keep the secret in the keyring and the ID in settings."""
        check = check_credentials(client_id, client_secret or "", needs_secret=app_type == "web")
        if not check.ok:
            raise InvalidInput(" ".join(check.problems))
        if check.client_id != self.settings.client_id:
            self._forget_tenant()
        self.settings.client_id = check.client_id
        self.settings.app_type = app_type
        from app.secrets import SecretStore

        store = SecretStore(self.profile, check.client_id)
        if app_type == "web":
            store.save_client_secret(check.client_secret)
        from app.secrets import backend_label

        self.settings.keyring_backend = backend_label()
        self.save()
        self._token_manager = None

    def check_secret(self, client_id: str | None = None, client_secret: str | None = None) -> bool | None:
        """Before the browser opens: WrongSecret when Xero refuses the secret (the given one, else the
        saved one), True when Xero knows it, None when there is nothing to go by (carry on as before)."""
        from app.xero.oauth import AppCredentials

        if client_id is None:
            return self._check_secret(self.credentials())
        check = check_credentials(client_id, client_secret or "")
        if not check.ok:  # a malformed ID or secret is step 4's own sentence, not Xero's
            return None
        return self._check_secret(AppCredentials(check.client_id, check.client_secret))

    def _check_secret(self, creds: AppCredentials) -> bool | None:
        from app.xero.oauth import check_client_secret

        verdict = check_client_secret(self.endpoints, creds, self.session)
        log.info(
            "client secret check before consent: %s",
            {True: "accepted", None: "no answer to go by"}.get(verdict),
        )
        return verdict

    def credentials(self) -> AppCredentials:
        from app.xero.oauth import AppCredentials

        store = self.secrets()
        if self.settings.app_type == "pkce":
            return AppCredentials(self.settings.client_id, None)
        secret = store.client_secret()
        if not secret:
            raise NotConfigured(missing_secret_sentence(self.keyring_moved_note()))
        return AppCredentials(self.settings.client_id, secret)

    def keyring_label(self) -> str:
        """The keyring in use now, as a user recognises it."""
        from app.secrets import backend_label

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

    # ----- authorisation (steps 6 and 7) -----
    def scopes(self) -> tuple[str, ...]:
        return tuple(self.settings.scopes) or GRANULAR_SCOPES

    def begin_authorization(self, use_listener: bool = True) -> AuthorizationAttempt:
        """Prepare the consent URL, check it with Xero first, and start the loopback listener."""
        creds = self.credentials()
        self._check_secret(creds)  # a wrong secret is named now, not after the whole trip through the browser
        ports = list(self.settings.redirect_ports)
        from app.xero.loopback import LoopbackListener, find_free_port, ports_busy_error
        from app.xero.oauth import preflight_authorization, start_authorization

        port = find_free_port(ports) if use_listener else ports[0]
        if port is None:
            raise ports_busy_error(ports)
        callback_uri = redirect_uri(port)
        log.info("authorisation starting: profile %s, redirect URI %s", self.profile, callback_uri)
        notes: list[str] = []
        busy = _busy_ports_note(ports[: ports.index(port)], callback_uri) if use_listener else ""
        if busy:
            notes.append(busy)
        pending = start_authorization(self.endpoints, creds, callback_uri, self.scopes())
        try:
            preflight_authorization(pending, self.session)
        except RedirectUriNotRegistered as exc:
            if busy:  # the cause is the busy port as much as the missing URI: name both
                raise RedirectUriNotRegistered(f"{busy} {exc}") from None
            raise
        except InvalidScope:
            if self.settings.scopes:
                raise
            # An app created before March 2026 may only know the broad scopes: try them once.
            legacy = start_authorization(self.endpoints, creds, callback_uri, LEGACY_SCOPES)
            preflight_authorization(legacy, self.session)
            pending = legacy
            self.settings.scopes = list(LEGACY_SCOPES)
            self.save()
            notes.append(LEGACY_SCOPE_NOTE)
        listener: LoopbackListener[TokenSet] | None = None
        if use_listener:
            listener = LoopbackListener(
                [port],
                pending.state,
                lambda url: self._exchange(pending, url),
                timeout=self.listener_timeout,
            )
            listener.start()
        return AuthorizationAttempt(self, pending, listener, notes)

    def _exchange(self, pending: PendingAuthorization, callback_url: str) -> TokenSet:
        """Swap the code for tokens and store them before the browser is told it worked."""
        from app.xero.http import once_more_after_rate_limit
        from app.xero.oauth import exchange_code

        tokens = once_more_after_rate_limit(
            lambda: exchange_code(
                self.endpoints, self.credentials(), pending, callback_url, self.session, now=self.clock()
            ),
            self.policy(),
            "exchanging the authorization code",
        )
        self.secrets().save_token_set(tokens)
        self._token_manager = None
        return tokens

    def _after_authorization(self, tokens: TokenSet, notes: list[str]) -> AuthorizationOutcome:
        previous_user = self.settings.xero_userid
        first_connect = not self.settings.tenant_id
        if previous_user and tokens.xero_userid and tokens.xero_userid != previous_user:
            notes.append(
                f"This authorisation was given by a different Xero user ({tokens.user_email or 'unknown'}) "
                f"than before ({self.settings.xero_user_email or 'unknown'}); check this is intended."
            )
        self.settings.needs_reauthorisation = False
        self.settings.xero_userid = tokens.xero_userid or ""
        self.settings.xero_user_email = tokens.user_email or ""
        connections = self.tenants(tokens.auth_event_id)
        log.info(
            "authorised with scopes %s; %d organisation(s) connected",
            " ".join(tokens.scope),
            len(connections),
        )
        new_ids = [c.tenant_id for c in connections if c.auth_event_id == tokens.auth_event_id]
        if self.settings.tenant_id not in {c.tenant_id for c in connections}:
            self._forget_tenant()
        else:
            self.settings.tenant_disconnected = False  # consented again: the organisation is back
        # A first connect never chooses by itself: an approval link that leaked (it is in the browser's
        # command line) lets another user consent with their own organisation. The admin confirms it.
        self.save()
        return AuthorizationOutcome(tokens, connections, new_ids, notes, first_connect=first_connect)

    def tenants(self, auth_event_id: str | None = None) -> list[Connection]:
        """Organisations the token reaches; those added by this consent first."""
        connections = [
            c for c in self.client(require_tenant=False).connections() if c.tenant_type == "ORGANISATION"
        ]
        event = auth_event_id or self.token_manager().current().auth_event_id
        return sorted(connections, key=lambda c: (c.auth_event_id != event, c.tenant_name.lower()))

    def choose_tenant(self, connection: Connection) -> None:
        self.settings.tenant_disconnected = False
        self.settings.tenant_id = connection.tenant_id
        self.settings.tenant_name = connection.tenant_name
        self.settings.connection_id = connection.id
        self.save()

    def _forget_tenant(self) -> None:
        self.settings.tenant_disconnected = False
        self.settings.tenant_id = ""
        self.settings.tenant_name = ""
        self.settings.connection_id = ""

    # ----- using the connection -----
    def token_manager(self) -> TokenManager:
        if self._token_manager is None:
            from app.tokens import TokenManager

            self._token_manager = TokenManager(
                self.endpoints,
                self.credentials,
                self.secrets(),
                config_dir() / f"{self.profile}.refresh.lock",
                self.session,
                clock=self.clock,
                retry_policy=self.policy,
            )
        return self._token_manager

    def client(self, require_tenant: bool = True) -> XeroClient:
        if not self.settings.is_configured:
            raise NotConfigured(self._not_configured())
        if require_tenant and not self.settings.tenant_id:
            raise TenantChoiceNeeded(
                "No Xero organisation is chosen yet; choose one in step 7 of the setup wizard or with "
                "xero-connect connect --tenant NAME."
            )
        from app.xero.client import XeroClient

        return XeroClient(
            self.endpoints,
            self.token_manager(),
            self.settings.tenant_id or None,
            session=self.session,
            policy=self.policy(),
            on_authorisation=self._note_authorisation,
            on_failed_call=self._note_failed_call,
        )

    def policy(self) -> RetryPolicy:
        """The retry policy of every call to Xero (tests give one that moves the sandbox clock)."""
        if self.retry_policy is None:
            from app.xero.http import RetryPolicy

            self.retry_policy = RetryPolicy()
        return self.retry_policy

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
                from app.xero.oauth import revoke_refresh_token

                revoke_refresh_token(self.endpoints, self.credentials(), tokens.refresh_token, self.session)
                done.append("Revoked the authorisation in Xero.")
            except XeroConnectError as exc:
                problems.append(f"The authorisation could not be revoked in Xero: {exc}")
        store.delete_all()
        done.append("Deleted the client secret and tokens from the system keyring.")
        self._forget_tenant()
        self.settings.client_id = ""
        self.settings.xero_userid = ""
        self.settings.xero_user_email = ""
        self.save()
        self._token_manager = None
        return DisconnectReport(done, problems)


def _busy_ports_note(busy: list[int], used_uri: str) -> str:
    """Why a later redirect URI is in use: "Port 53682 is in use by <program>, so …"."""
    if not busy:
        return ""
    so = f", so Xero Connect listens at {used_uri} instead."
    from app.xero.loopback import join_ports

    holders = [program_holding(port) for port in busy]
    if len(busy) == 1:
        return f"Port {busy[0]} is in use by {holders[0] or 'another program'}{so}"
    pairs = zip(busy, holders, strict=True)
    named = [f"{port} ({holder})" if holder else str(port) for port, holder in pairs]
    return f"Ports {join_ports(named)} are in use by other programs{so}"
