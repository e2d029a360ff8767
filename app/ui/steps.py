"""Where the setup wizard should open, decided without Qt so the tray and the CLI can ask too.

The page ids are the step numbers the administrator sees ("Step 6 of 8 – …"), so a support call can say
"go to step 6" and mean the same page everywhere.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass
from typing import Any

NAVIGATE = 1
CREATE_APP = 2
GENERATE_SECRET = 3
RECORD_CREDENTIALS = 4
CONFIRM_VALUES = 5
AUTHORIZE = 6
PICK_TENANT = 7
VERIFY = 8
ALL_STEPS = (
    NAVIGATE,
    CREATE_APP,
    GENERATE_SECRET,
    RECORD_CREDENTIALS,
    CONFIRM_VALUES,
    AUTHORIZE,
    PICK_TENANT,
    VERIFY,
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


def read_setup_state(model: Any, now: float | None = None) -> SetupState:
    """Look at settings and the keyring; a keyring that cannot be read counts as "not stored"."""
    settings = model.settings
    if not settings.client_id:
        return SetupState(False, False, False, False, bool(settings.tenant_id))
    has_secret = has_tokens = usable = False
    try:
        store = model.secrets()
        has_secret = settings.app_type == "pkce" or bool(store.client_secret())
        tokens = store.token_set()
    except Exception:
        tokens = None
    if tokens is not None:
        has_tokens = True
        now = time.time() if now is None else now
        usable = (
            bool(tokens.refresh_token)
            and tokens.refresh_days_left(now) > 0
            and not getattr(settings, "needs_reauthorisation", False)  # Xero said invalid_grant
        )
    note = ""
    if not has_secret and hasattr(model, "keyring_moved_note"):
        with contextlib.suppress(Exception):  # only a hint: never a reason to fail
            note = model.keyring_moved_note().strip()
    return SetupState(
        True,
        has_secret,
        has_tokens,
        usable,
        bool(settings.tenant_id),
        bool(getattr(settings, "tenant_disconnected", False)),
        note,
    )


def start_page_for_state(state: SetupState) -> int:
    if not state.has_client_id:
        return NAVIGATE
    if not state.has_secret:
        return RECORD_CREDENTIALS
    if not state.has_tokens or not state.tokens_usable or state.tenant_disconnected:
        return AUTHORIZE
    if not state.has_tenant:
        return PICK_TENANT
    return VERIFY


def start_page_for(model: Any, now: float | None = None) -> int:
    """The step to open on: 1 for a new setup, 6 to (re)authorise, 7 to pick, 8 when all is set."""
    return start_page_for_state(read_setup_state(model, now))
