"""Where the setup wizard should open (from app.setup_state), decided without Qt.

The page ids are the step numbers the administrator sees ("Step 6 of 8 – …"), so a support call can say
"go to step 6" and mean the same page everywhere.
"""

from __future__ import annotations

from typing import Final

from app.setup_state import SetupSource, SetupState, read_setup_state

NAVIGATE: Final = 1
CREATE_APP: Final = 2
GENERATE_SECRET: Final = 3
RECORD_CREDENTIALS: Final = 4
CONFIRM_VALUES: Final = 5
AUTHORIZE: Final = 6
PICK_TENANT: Final = 7
VERIFY: Final = 8
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


def start_page_for(model: SetupSource, now: float | None = None) -> int:
    """The step to open on: 1 for a new setup, 6 to (re)authorise, 7 to pick, 8 when all is set."""
    return start_page_for_state(read_setup_state(model, now))
