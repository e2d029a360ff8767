"""Steps 6 and 7: one trip to Xero's consent page, what came back, and the organisation chosen.

`AuthorizationFlow` runs for one `ConnectionModel` (its settings, secrets and clients), which it knows
only as the `FlowHost` it needs, so neither module imports the other's; it has no Qt import and its
calls may block on the network, so the UI runs them in worker threads.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from app.credentials import check_credentials
from app.errors import InvalidInput
from app.port_holder import program_holding
from app.xero.endpoints import GRANULAR_SCOPES, LEGACY_SCOPES, redirect_uri
from app.xero.errors import InvalidScope, RedirectUriNotRegistered
from app.xero.tokenset import TokenSet

# The network and OAuth modules load where they are first used (app/client_factory.py says why).
if TYPE_CHECKING:
    import requests

    from app.client_factory import ClientFactory
    from app.secrets import SecretStore
    from app.settings import Settings
    from app.tokens import TokenManager
    from app.xero.client import Connection, XeroClient
    from app.xero.endpoints import XeroEndpoints
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


class AuthorizationAttempt:
    """One trip to Xero's consent page, caught by the loopback listener or by a pasted URL."""

    def __init__(
        self,
        flow: AuthorizationFlow,
        pending: PendingAuthorization,
        listener: LoopbackListener[TokenSet] | None,
        notes: list[str],
    ) -> None:
        self.flow = flow
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
        from app.xero.loopback import NOTHING_ARRIVED, waiting_hint  # network stack: loaded on first use

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
        return self.flow.after_authorization(tokens, self.notes)

    def complete_with_pasted_url(self, text: str) -> AuthorizationOutcome:
        from app.xero.oauth import parse_pasted_redirect  # network stack: loaded on first use

        url = parse_pasted_redirect(text, self.pending)
        if self.listener is not None:
            self.listener.cancel()
            self.listener.close()
        tokens = self.flow.exchange(self.pending, url)
        return self.flow.after_authorization(tokens, self.notes)

    def cancel(self) -> None:
        if self.listener is not None:
            self.listener.cancel()

    def close(self) -> None:
        if self.listener is not None:
            self.listener.close()


class FlowHost(Protocol):
    """What the flow uses of its ConnectionModel: one profile's settings, secrets and clients."""

    profile: str
    settings: Settings
    clients: ClientFactory
    clock: Callable[[], float]
    listener_timeout: float

    @property
    def endpoints(self) -> XeroEndpoints: ...

    @property
    def session(self) -> requests.Session: ...

    def save(self) -> None: ...

    def credentials(self) -> AppCredentials: ...

    def secrets(self) -> SecretStore: ...

    def policy(self) -> RetryPolicy: ...

    def token_manager(self) -> TokenManager: ...

    def client(self, require_tenant: bool = True) -> XeroClient: ...


class AuthorizationFlow:
    """Check the secret, start a consent trip, swap its code for tokens, list and choose organisations."""

    def __init__(self, model: FlowHost) -> None:
        self.model = model

    def check_secret(self, client_id: str | None = None, client_secret: str | None = None) -> bool | None:
        """Before the browser opens: WrongSecret when Xero refuses the secret (the given one, else the
        saved one), True when Xero knows it, None when there is nothing to go by (carry on as before)."""
        from app.xero.oauth import AppCredentials  # network stack: loaded on first use

        if client_id is None:
            return self._check_secret(self.model.credentials())
        check = check_credentials(client_id, client_secret or "")
        if not check.ok:  # a malformed ID or secret is step 4's own sentence, not Xero's
            return None
        return self._check_secret(AppCredentials(check.client_id, check.client_secret))

    def _check_secret(self, creds: AppCredentials) -> bool | None:
        from app.xero.oauth import check_client_secret  # network stack: loaded on first use

        verdict = check_client_secret(self.model.endpoints, creds, self.model.session)
        log.info(
            "client secret check before consent: %s",
            {True: "accepted", None: "no answer to go by"}.get(verdict),
        )
        return verdict

    def scopes(self) -> tuple[str, ...]:
        return tuple(self.model.settings.scopes) or GRANULAR_SCOPES

    def begin(self, use_listener: bool = True) -> AuthorizationAttempt:
        """Prepare the consent URL, check it with Xero first, and start the loopback listener."""
        creds = self.model.credentials()
        self._check_secret(creds)  # a wrong secret is named now, not after the whole trip through the browser
        ports = list(self.model.settings.redirect_ports)
        # network stack: loaded on first use
        from app.xero.loopback import LoopbackListener, find_free_port, ports_busy_error
        from app.xero.oauth import preflight_authorization, start_authorization

        port = find_free_port(ports) if use_listener else ports[0]
        if port is None:
            raise ports_busy_error(ports)
        callback_uri = redirect_uri(port)
        log.info("authorisation starting: profile %s, redirect URI %s", self.model.profile, callback_uri)
        notes: list[str] = []
        busy = _busy_ports_note(ports[: ports.index(port)], callback_uri) if use_listener else ""
        if busy:
            notes.append(busy)
        pending = start_authorization(self.model.endpoints, creds, callback_uri, self.scopes())
        try:
            preflight_authorization(pending, self.model.session)
        except RedirectUriNotRegistered as exc:
            if busy:  # the cause is the busy port as much as the missing URI: name both
                raise RedirectUriNotRegistered(f"{busy} {exc}") from None
            raise
        except InvalidScope:
            if self.model.settings.scopes:
                raise
            # An app created before March 2026 may only know the broad scopes: try them once.
            legacy = start_authorization(self.model.endpoints, creds, callback_uri, LEGACY_SCOPES)
            preflight_authorization(legacy, self.model.session)
            pending = legacy
            self.model.settings.scopes = list(LEGACY_SCOPES)
            self.model.save()
            notes.append(LEGACY_SCOPE_NOTE)
        listener: LoopbackListener[TokenSet] | None = None
        if use_listener:
            listener = LoopbackListener(
                [port],
                pending.state,
                lambda url: self.exchange(pending, url),
                timeout=self.model.listener_timeout,
            )
            listener.start()
        return AuthorizationAttempt(self, pending, listener, notes)

    def exchange(self, pending: PendingAuthorization, callback_url: str) -> TokenSet:
        """Swap the code for tokens and store them before the browser is told it worked."""
        from app.xero.oauth import exchange_code  # network stack: loaded on first use

        policy = self.model.policy().for_sign_in()
        tokens = exchange_code(
            self.model.endpoints,
            self.model.credentials(),
            pending,
            callback_url,
            self.model.session,
            self.model.clock(),
            policy,
        )
        self.model.secrets().save_token_set(tokens)
        self.model.clients.invalidate()
        return tokens

    def after_authorization(self, tokens: TokenSet, notes: list[str]) -> AuthorizationOutcome:
        previous_user = self.model.settings.xero_userid
        first_connect = not self.model.settings.tenant_id
        if previous_user and tokens.xero_userid and tokens.xero_userid != previous_user:
            notes.append(
                f"This authorisation was given by a different Xero user ({tokens.user_email or 'unknown'}) "
                f"than before ({self.model.settings.xero_user_email or 'unknown'}); check this is intended."
            )
        self.model.settings.needs_reauthorisation = False
        self.model.settings.xero_userid = tokens.xero_userid or ""
        self.model.settings.xero_user_email = tokens.user_email or ""
        connections = self.tenants(tokens.auth_event_id)
        log.info(
            "authorised with scopes %s; %d organisation(s) connected",
            " ".join(tokens.scope),
            len(connections),
        )
        new_ids = [c.tenant_id for c in connections if c.auth_event_id == tokens.auth_event_id]
        if self.model.settings.tenant_id not in {c.tenant_id for c in connections}:
            self.model.settings.forget_tenant()
        else:
            self.model.settings.tenant_disconnected = False  # consented again: the organisation is back
        # A first connect never chooses by itself: an approval link that leaked (it is in the browser's
        # command line) lets another user consent with their own organisation. The admin confirms it.
        self.model.save()
        return AuthorizationOutcome(tokens, connections, new_ids, notes, first_connect=first_connect)

    def tenants(self, auth_event_id: str | None = None) -> list[Connection]:
        """Organisations the token reaches; those added by this consent first."""
        connections = [
            c
            for c in self.model.client(require_tenant=False).connections()
            if c.tenant_type == "ORGANISATION"
        ]
        event = auth_event_id or self.model.token_manager().current().auth_event_id
        return sorted(connections, key=lambda c: (c.auth_event_id != event, c.tenant_name.lower()))

    def choose_tenant(self, connection: Connection) -> None:
        self.model.settings.tenant_disconnected = False
        self.model.settings.tenant_id = connection.tenant_id
        self.model.settings.tenant_name = connection.tenant_name
        self.model.settings.connection_id = connection.id
        self.model.save()


def _busy_ports_note(busy: list[int], used_uri: str) -> str:
    """Why a later redirect URI is in use: "Port 53682 is in use by <program>, so …"."""
    if not busy:
        return ""
    so = f", so Xero Connect listens at {used_uri} instead."
    from app.xero.loopback import join_ports  # network stack: loaded on first use

    holders = [program_holding(port) for port in busy]
    if len(busy) == 1:
        return f"Port {busy[0]} is in use by {holders[0] or 'another program'}{so}"
    pairs = zip(busy, holders, strict=True)
    named = [f"{port} ({holder})" if holder else str(port) for port, holder in pairs]
    return f"Ports {join_ports(named)} are in use by other programs{so}"
