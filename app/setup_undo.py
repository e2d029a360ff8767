"""What Cancel puts back in a setup wizard opened on a working connection (no Qt).

The wizard's steps save as they go: step 6 needs the new secret in the keyring to authorise. So a
wizard opened on a working connection first notes what was in place, the settings and the client
secret and token set saved for that client ID, and Cancel restores them. Entries a new client ID got
in the keyring stay (nothing uses them once the settings name the old ID again). Reading and restoring
touch the keyring, which can block: callers run them in a worker.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Protocol

from app.settings import Settings, save_settings
from app.setup_state import SecretReader, SetupState
from app.xero.tokenset import TokenSet


class SecretKeeper(SecretReader, Protocol):
    """The keyring store, as far as putting a setup back needs it."""

    def save_client_secret(self, secret: str) -> None: ...

    def save_token_set(self, tokens: TokenSet) -> None: ...


class UndoModel(Protocol):
    """What undoing a setup needs of the model: app.model.ConnectionModel (or the page tests' fake)."""

    settings: Settings

    def secrets(self) -> SecretKeeper: ...

    def reload(self) -> None: ...


def is_working(state: SetupState | None) -> bool:
    """A SetupState of a connection that works as it is: worth protecting from Cancel."""
    return bool(
        state
        and state.has_client_id
        and state.has_secret
        and state.has_tokens
        and state.tokens_usable
        and state.has_tenant
        and not state.tenant_disconnected
    )


@dataclass
class SetupSnapshot:
    settings: Settings
    secret: str | None = None
    tokens: TokenSet | None = None  # the one saved for settings.client_id
    keyring_read: bool = False

    @classmethod
    def of(cls, model: UndoModel) -> SetupSnapshot:
        """The settings as they are now; read_keyring adds the secret and the token set."""
        return cls(copy.deepcopy(model.settings))

    def read_keyring(self, model: UndoModel) -> None:
        store = model.secrets()
        self.secret = store.client_secret()
        self.tokens = store.token_set()
        self.keyring_read = True

    def settings_changed(self, model: UndoModel) -> bool:
        return bool(model.settings != self.settings)

    def restore(self, model: UndoModel) -> None:
        """The settings, then the old client ID's secret and token set, as they were."""
        save_settings(copy.deepcopy(self.settings))
        model.reload()
        if not self.keyring_read:
            return
        store = model.secrets()
        if self.secret:
            store.save_client_secret(self.secret)
        if self.tokens is not None:
            store.save_token_set(self.tokens)

    def cancel_question(self) -> str:
        name = self.settings.tenant_name or "your organisation"
        return (
            f"Discard the changes made in this setup? Xero Connect then keeps working with {name} "
            "exactly as before you opened the wizard."
        )

    def keep_question(self) -> str:
        name = self.settings.tenant_name or "your organisation"
        return (
            f"Xero Connect is authorised anew in this setup. Keep the new authorisation, or go back to "
            f"the setup that worked with {name} before you opened the wizard?"
        )


def restore_failed(reason: str) -> str:
    return f"The previous setup could not be put back completely: {reason}"
