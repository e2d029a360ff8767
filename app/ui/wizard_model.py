"""What the setup wizard's pages use of the model: app.model.ConnectionModel, or the page tests' fake.

The pages are typed against this Protocol, so a stand-in that lacks a member fails mypy, not a user.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from app.settings import Settings
from app.setup_state import CheckResult
from app.setup_undo import SecretKeeper
from app.xero.endpoints import XeroEndpoints

if TYPE_CHECKING:
    from app.authorization import AuthorizationAttempt
    from app.xero.client import Connection


class WizardModel(Protocol):
    settings: Settings
    profile: str
    listener_timeout: float  # seconds step 6 waits for the browser to come back

    @property
    def endpoints(self) -> XeroEndpoints: ...

    def clock(self) -> float: ...

    def save(self) -> None: ...

    def secrets(self) -> SecretKeeper: ...

    def reload(self) -> None: ...

    def keyring_label(self) -> str: ...

    # steps 4 and 5
    def check_secret(self, client_id: str | None = None, client_secret: str | None = None) -> bool | None: ...

    def save_credentials(self, client_id: str, client_secret: str | None, app_type: str = "web") -> None: ...

    def masked_client_id(self) -> str: ...

    def masked_client_secret(self) -> str: ...

    def fingerprint(self) -> str: ...

    def support_summary(self) -> str: ...

    # steps 6 to 8
    def scopes(self) -> tuple[str, ...]: ...

    def begin_authorization(self, use_listener: bool = True) -> AuthorizationAttempt: ...

    def tenants(self, auth_event_id: str | None = None) -> list[Connection]: ...

    def choose_tenant(self, connection: Connection) -> None: ...

    def check_connection(self) -> CheckResult: ...
