"""The shared model against the sandbox over loopback, with the real keyring.

Each sentence the connection check can end with is provoked once, through the sandbox.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from app.model import ConnectionModel
from app.secrets import SecretStore
from app.xero.errors import (
    CallbackTimeout,
    ConsentRefused,
    MissingScope,
    NetworkError,
    RateLimited,
    ReauthorisationNeeded,
    RedirectUriNotRegistered,
    SecretRejected,
    TenantDisconnected,
    WrongSecret,
    XeroUnavailable,
)
from app.xero.http import RetryPolicy
from tests.helpers.flows import authorize, new_model
from tests.helpers.sandbox import free_ports, register_app, set_auto_consent

pytestmark = pytest.mark.usefixtures("real_keyring")


@pytest.fixture
def connected(sandbox, sandbox_app, callback_ports) -> Iterator[ConnectionModel]:
    set_auto_consent(sandbox.base_url)
    model = new_model(sandbox, sandbox_app, callback_ports)
    authorize(model)
    yield model
    SecretStore("sandbox", sandbox_app.client_id).delete_all()


def test_authorize_picks_the_single_tenant_and_checks(connected):
    assert connected.settings.tenant_name == "Demo Company (UK)"
    result = connected.check_connection()
    assert result.message == "Connection attempt successful: Demo Company (UK)"
    assert result.base_currency == "GBP" and result.day_remaining is not None
    assert result.refresh_days_left == 60


def test_consent_with_several_organisations_fails_closed_until_chosen(sandbox, sandbox_app, callback_ports):
    tenants = sandbox.control("GET", "tenants")
    set_auto_consent(sandbox.base_url, tenant_ids=[t["tenant_id"] for t in tenants])
    model = new_model(sandbox, sandbox_app, callback_ports)
    outcome = authorize(model)
    assert len(outcome.connections) == 2 and model.settings.tenant_id == ""
    with pytest.raises(Exception, match="No Xero organisation is chosen"):
        model.check_connection()
    nz = next(c for c in outcome.connections if c.tenant_name == "Demo Company (NZ)")
    model.choose_tenant(nz)
    assert ConnectionModel("sandbox").settings.tenant_name == "Demo Company (NZ)"


def test_this_consents_organisations_come_first(sandbox, sandbox_app, callback_ports):
    tenants = {t["name"]: t["tenant_id"] for t in sandbox.control("GET", "tenants")}
    set_auto_consent(sandbox.base_url, tenant_ids=[tenants["Demo Company (UK)"]])
    model = new_model(sandbox, sandbox_app, callback_ports)
    authorize(model)
    set_auto_consent(sandbox.base_url, tenant_ids=[tenants["Demo Company (NZ)"]])
    outcome = authorize(model)
    assert [c.tenant_name for c in outcome.connections] == ["Demo Company (NZ)", "Demo Company (UK)"]
    assert outcome.new_tenant_ids == [tenants["Demo Company (NZ)"]]


def test_a_different_xero_user_on_reconsent_is_pointed_out(sandbox, connected):
    set_auto_consent(sandbox.base_url, user_email="someone.else@demo-company.example")
    outcome = authorize(connected)
    assert any("different Xero user" in note for note in outcome.notes)


def test_expired_access_token_is_renewed_and_the_rotated_token_stored(sandbox, connected):
    before = connected.secrets().token_set()
    sandbox.post("clock", {"advance_seconds": 1900})  # the sandbox says 401 TokenExpired
    assert connected.check_connection().organisation == "Demo Company (UK)"
    after = connected.secrets().token_set()
    assert after.refresh_token != before.refresh_token


def test_revoked_refresh_token_means_reauthorise(sandbox, connected):
    sandbox.post("revoke", {"refresh_token": connected.secrets().token_set().refresh_token})
    sandbox.post("clock", {"advance_seconds": 1900})  # the next call must renew, and cannot
    with pytest.raises(ReauthorisationNeeded, match="authorise Xero Connect again"):
        connected.check_connection()
    assert ConnectionModel("sandbox").settings.needs_reauthorisation  # the wizard opens on step 6
    authorize(connected)
    assert not connected.settings.needs_reauthorisation
    assert connected.check_connection().organisation == "Demo Company (UK)"


def test_unused_refresh_token_dies_after_60_days(sandbox, connected):
    sandbox.post("clock", {"advance_seconds": 61 * 86400})
    with pytest.raises(ReauthorisationNeeded):
        connected.check_connection()


def test_disconnected_tenant_is_named(sandbox, connected):
    sandbox.post("disconnect", {"tenant_id": connected.settings.tenant_id})
    with pytest.raises(TenantDisconnected, match=r"Demo Company \(UK\)"):
        connected.check_connection()


def test_xero_unavailable_after_retries(sandbox, connected):
    waits: list[float] = []
    connected.retry_policy = RetryPolicy(sleep=waits.append)  # record the backoff instead of waiting
    sandbox.post("faults", {"kind": "503", "count": 10})
    with pytest.raises(XeroUnavailable, match="unavailable right now"):
        connected.check_connection()
    assert len(waits) == connected.retry_policy.max_attempts - 1


def test_daily_rate_limit_names_the_limit_and_when(sandbox, connected):
    sandbox.post("faults", {"kind": "429", "count": 1, "problem": "day", "retry_after": 36000})
    starter = r"limit of calls per day \(1,000 for an app on Xero.s Starter tier.*in about 10 hours"
    with pytest.raises(RateLimited, match=starter):
        connected.check_connection()


def test_sandbox_down_is_a_network_sentence(sandbox, connected):
    sandbox.stop()
    with pytest.raises(NetworkError, match="Could not reach the Xero sandbox"):
        connected.check_connection()


def test_wrong_secret_is_rejected_at_the_exchange(sandbox, sandbox_app, callback_ports):
    set_auto_consent(sandbox.base_url)
    wrong = type(sandbox_app)(sandbox_app.client_id, "x" * 48, sandbox_app.redirect_uris, sandbox.base_url)
    model = new_model(sandbox, wrong, callback_ports)
    with pytest.raises(SecretRejected):
        authorize(model)
    assert model.secrets().token_set() is None


def test_consent_cancelled(sandbox, sandbox_app, callback_ports):
    set_auto_consent(sandbox.base_url, decision="deny")
    model = new_model(sandbox, sandbox_app, callback_ports)
    with pytest.raises(ConsentRefused):
        authorize(model)


def test_unregistered_redirect_uri_is_caught_before_the_browser(sandbox, sandbox_app):
    model = new_model(sandbox, sandbox_app, free_ports(1))  # a port the app did not register
    with pytest.raises(RedirectUriNotRegistered, match=r"http://localhost:\d+/callback"):
        model.begin_authorization()


def test_missing_scope_is_named(sandbox, sandbox_app, callback_ports):
    set_auto_consent(sandbox.base_url)
    model = new_model(
        sandbox,
        sandbox_app,
        callback_ports,
        scopes=["openid", "profile", "email", "offline_access", "accounting.contacts"],
    )
    authorize(model)
    with pytest.raises(MissingScope):
        model.check_connection()


def test_legacy_app_falls_back_to_broad_scopes_and_says_why(sandbox, callback_ports):
    set_auto_consent(sandbox.base_url)
    app = register_app(sandbox.base_url, callback_ports, created_at="2025-06-01T00:00:00Z")
    model = new_model(sandbox, app, callback_ports)
    outcome = authorize(model)
    assert "accounting.transactions" in outcome.tokens.scope
    assert any("before March 2026" in note for note in outcome.notes)
    assert model.check_connection().organisation == "Demo Company (UK)"


def test_pkce_app_without_secret(sandbox, callback_ports):
    set_auto_consent(sandbox.base_url)
    app = register_app(sandbox.base_url, callback_ports, integration_type="mobile")
    assert app.client_secret is None
    model = new_model(sandbox, app, callback_ports)
    authorize(model)
    sandbox.post("clock", {"advance_seconds": 1900})
    assert model.check_connection().organisation == "Demo Company (UK)"


def test_no_answer_times_out_with_the_uri_to_register(sandbox, sandbox_app, callback_ports):
    model = new_model(sandbox, sandbox_app, callback_ports)
    model.listener_timeout = 0.5
    attempt = model.begin_authorization()
    with pytest.raises(CallbackTimeout, match=attempt.redirect_uri):
        attempt.wait()


def test_disconnect_is_respected_when_declined_and_complete_when_confirmed(sandbox, connected):
    assert connected.disconnect(lambda question: False) is None
    assert connected.secrets().token_set() is not None
    report = connected.disconnect(lambda question: "Disconnect" in question)
    assert report is not None and not report.problems
    connections = sandbox.control("GET", "counters")
    assert connections["requests_total"] > 0
    assert ConnectionModel("sandbox").settings.client_id == ""


def counters(sandbox) -> dict:
    return sandbox.control("GET", "counters")


def test_a_wrong_secret_is_found_before_any_consent_and_the_right_one_goes_on(
    sandbox, sandbox_app, callback_ports
):
    """Xero authenticates the client before it looks at the grant: client_credentials tells a wrong
    secret (invalid_client) from a right one (unauthorized_client) with no user and nothing created."""
    set_auto_consent(sandbox.base_url)
    model = new_model(sandbox, sandbox_app, callback_ports)
    wrong = sandbox_app.client_secret[:-4] + "abcd"
    with pytest.raises(WrongSecret) as refused:
        model.check_secret(sandbox_app.client_id, wrong)
    assert "client secret is wrong" in str(refused.value) and wrong not in str(refused.value)
    assert model.check_secret(sandbox_app.client_id, sandbox_app.client_secret) is True
    assert model.check_secret("not an id", wrong) is None  # malformed: step 4's own sentence, not Xero's

    model.save_credentials(sandbox_app.client_id, wrong)
    before = counters(sandbox)
    with pytest.raises(WrongSecret):
        model.begin_authorization()  # before the browser: no consent page asked for
    after = counters(sandbox)
    assert after["token_requests"] == before["token_requests"] + 1
    assert not any("authorize" in name for name in after["by_endpoint"])
    assert model.secrets().token_set() is None
    model.secrets().delete_all()

    model.save_credentials(sandbox_app.client_id, sandbox_app.client_secret)
    assert authorize(model).connections
    model.secrets().delete_all()


def test_the_secret_check_carries_on_when_there_is_nothing_to_go_by(sandbox, callback_ports):
    pkce = register_app(sandbox.base_url, callback_ports, integration_type="mobile")
    model = new_model(sandbox, pkce, callback_ports)
    assert model.check_secret() is None  # no secret to check
    model.settings.sandbox_url = f"http://127.0.0.1:{free_ports(1)[0]}"  # nobody answers there
    web = "0123456789ABCDEF0123456789ABCDEF", "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN_-012345"
    assert model.check_secret(*web) is None
    model.secrets().delete_all()
