"""Where the wizard opens on an existing setup: pure logic, no Qt, no keyring."""

from __future__ import annotations

from app.setup_state import SetupState, read_setup_state
from app.ui import steps
from app.ui.steps import start_page_for, start_page_for_state
from tests.helpers.fakes import FakeModel, FakeStore, fake_tokens


def model(client_id="", secret=None, tokens=None, tenant="", broken=False, app_type="web") -> FakeModel:
    m = FakeModel(store=FakeStore(secret=secret, tokens=tokens, broken=broken))
    m.settings.client_id = client_id
    m.settings.tenant_id = tenant
    m.settings.app_type = app_type
    return m


def test_new_setup_starts_at_step_1():
    assert start_page_for(model()) == steps.NAVIGATE


def test_client_id_without_secret_asks_for_credentials():
    assert start_page_for(model("ID")) == steps.RECORD_CREDENTIALS


def test_credentials_without_tokens_go_to_authorisation():
    assert start_page_for(model("ID", "secret")) == steps.AUTHORIZE


def test_pkce_app_needs_no_secret():
    assert start_page_for(model("ID", app_type="pkce")) == steps.AUTHORIZE


def test_revoked_or_expired_refresh_token_goes_to_authorisation():
    assert start_page_for(model("ID", "secret", fake_tokens(refresh_token=None), "T")) == steps.AUTHORIZE
    assert start_page_for(model("ID", "secret", fake_tokens(days_left=0), "T")) == steps.AUTHORIZE


def test_tokens_without_tenant_go_to_the_picker():
    assert start_page_for(model("ID", "secret", fake_tokens())) == steps.PICK_TENANT


def test_everything_set_goes_to_verification():
    assert start_page_for(model("ID", "secret", fake_tokens(), "T")) == steps.VERIFY


def test_unreadable_keyring_asks_for_credentials_again_instead_of_crashing():
    assert start_page_for(model("ID", broken=True, tenant="T")) == steps.RECORD_CREDENTIALS


def test_state_table():
    assert start_page_for_state(SetupState(False, True, True, True, True)) == steps.NAVIGATE
    assert start_page_for_state(SetupState(True, True, True, False, True)) == steps.AUTHORIZE


def test_a_missing_secret_carries_the_keyring_note_and_a_present_one_none():
    moved = FakeModel(store=FakeStore())
    moved.settings.client_id = "ID"
    moved.settings.keyring_backend = "KWallet"  # saved there; the fake's keyring in use is another one
    state = read_setup_state(moved)
    assert not state.has_secret and state.keyring_note.startswith("Xero Connect's secrets were saved in")
    moved.store.secret = "secret"
    assert read_setup_state(moved).keyring_note == ""
