"""Faults at the token endpoint (code exchange and refresh) and at /connections, over real loopback HTTP.

Every fault is injected through the sandbox's control API. Nothing sleeps: waits of the retry policy are
recorded, and a 30-second stall meets a 1-second client read timeout.
"""

from __future__ import annotations

import pytest

from app.errors import XeroConnectError
from app.model import ConnectionModel
from app.secrets import SecretStore
from app.ui.steps import AUTHORIZE, VERIFY, start_page_for
from app.xero.errors import (
    GrantInvalid,
    NetworkError,
    RateLimited,
    ReauthorisationNeeded,
    TenantDisconnected,
    XeroUnavailable,
)
from app.xero.http import RetryPolicy, make_session
from tests.helpers.fault_proxy import FaultProxy
from tests.helpers.flows import authorize, new_model
from tests.helpers.sandbox import set_auto_consent

pytestmark = pytest.mark.usefixtures("real_keyring")
TOKEN = "/connect/token"
CONNECTIONS = "/connections"

# kind -> fault body; "delay" is the 30-second stall, cut short by the client's 1-second read timeout.
FAULTS: dict[str, dict[str, object]] = {
    "429": {"kind": "429", "retry_after": 2},
    "500": {"kind": "500"},
    "503": {"kind": "503"},
    "drop": {"kind": "drop"},
    "stall": {"kind": "delay", "delay_seconds": 30},
}


def fault(sandbox, name: str, path_prefix: str, count: int = 1) -> None:
    sandbox.post("faults", {**FAULTS[name], "path_prefix": path_prefix, "count": count})


def counters(sandbox) -> dict:
    return sandbox.control("GET", "counters")


class Recorder:
    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def fast_model(sandbox, app, ports) -> ConnectionModel:
    model = new_model(sandbox, app, ports)
    model.session = make_session(timeout=(2, 1))
    model.retry_policy = RetryPolicy(sleep=Recorder())
    return model


@pytest.fixture
def app_and_model(sandbox, sandbox_app, callback_ports):
    set_auto_consent(sandbox.base_url)
    model = fast_model(sandbox, sandbox_app, callback_ports)
    yield model
    SecretStore("sandbox", sandbox_app.client_id).delete_all()


def test_rate_limit_at_code_exchange_waits_retry_after_and_connects(sandbox, app_and_model):
    # A 429 means the code was not used: it is sent once more after Xero's Retry-After.
    model = app_and_model
    fault(sandbox, "429", TOKEN, count=2)  # the first meets the secret check, which carries on without it
    authorize(model)
    assert model.retry_policy.sleep.waits == [2.0]
    assert model.check_connection().organisation == "Demo Company (UK)"
    assert start_page_for(model) == VERIFY


@pytest.mark.parametrize("name", list(FAULTS))
def test_fault_at_code_exchange_stops_with_a_sentence_and_a_new_attempt_connects(
    sandbox, app_and_model, name
):
    model = app_and_model
    # One more than the exchange needs: the secret check before the browser meets the first and carries on.
    fault(sandbox, name, TOKEN, count=3 if name == "429" else 2)  # a single 429 is waited out
    with pytest.raises(XeroConnectError) as caught:
        authorize(model)
    sentence = str(caught.value)
    assert isinstance(caught.value, (NetworkError, XeroUnavailable, RateLimited)), sentence
    assert "sign-in service" in sentence or "rate limiting" in sentence, sentence
    assert sentence.endswith(".") and "\n" not in sentence
    assert model.secrets().token_set() is None  # nothing half-stored
    assert start_page_for(model) == AUTHORIZE
    # The user starts the authorisation again: it completes and the check works.
    authorize(model)
    assert model.check_connection().organisation == "Demo Company (UK)"
    assert start_page_for(model) == VERIFY


@pytest.mark.parametrize("name", list(FAULTS))
def test_fault_at_refresh_is_retried_or_stops_with_a_sentence_then_the_check_works(
    sandbox, app_and_model, name
):
    model = app_and_model
    authorize(model)
    before = model.secrets().token_set()
    sandbox.post("clock", {"advance_seconds": 1900})  # the access token expired between two calls
    fault(sandbox, name, TOKEN)
    result = model.check_connection()
    assert result.organisation == "Demo Company (UK)"
    if name == "429":  # not processed, so repeated once after Xero's Retry-After
        assert model.retry_policy.sleep.waits == [2.0]
    assert model.secrets().token_set().refresh_token != before.refresh_token
    assert not model.settings.needs_reauthorisation and start_page_for(model) == VERIFY


def test_a_refresh_answered_without_a_refresh_token_keeps_the_old_one_and_its_issue_time(
    sandbox, app_and_model
):
    # Xero always rotates; an answer that does not must neither lose the working token nor restart its
    # 60 days (the issue time is the model's clock, moved with the sandbox's).
    model = app_and_model
    now = [1_900_000_000.0]
    model.clock = lambda: now[0]
    authorize(model)
    before = model.secrets().token_set()
    assert before.refresh_issued_at == now[0]
    now[0] += 1900
    sandbox.post("clock", {"advance_seconds": 1900})  # the access token expired between two calls
    sandbox.post("faults", {"kind": "no_rotation", "path": TOKEN, "count": 1})
    assert model.check_connection().organisation == "Demo Company (UK)"
    kept = model.secrets().token_set()
    assert kept.access_token != before.access_token
    assert (kept.refresh_token, kept.refresh_issued_at) == (before.refresh_token, before.refresh_issued_at)
    assert counters(sandbox)["refreshes"] == 1
    # The kept token still works; the next, rotating answer starts a new token's 60 days.
    now[0] += 1900
    sandbox.post("clock", {"advance_seconds": 1900})
    assert model.check_connection().organisation == "Demo Company (UK)"
    rotated = model.secrets().token_set()
    assert rotated.refresh_token != before.refresh_token and rotated.refresh_issued_at == now[0]


@pytest.mark.parametrize("name", list(FAULTS))
def test_persistent_fault_at_refresh_is_one_sentence_and_keeps_the_refresh_token(
    sandbox, app_and_model, name
):
    model = app_and_model
    authorize(model)
    before = model.secrets().token_set()
    sandbox.post("clock", {"advance_seconds": 1900})
    fault(sandbox, name, TOKEN, count=5)
    with pytest.raises(XeroConnectError) as caught:
        model.check_connection()
    sentence = str(caught.value)
    assert sentence.endswith(".") and "Traceback" not in sentence and before.refresh_token not in sentence
    assert not isinstance(caught.value, ReauthorisationNeeded)
    assert model.secrets().token_set().refresh_token == before.refresh_token
    assert start_page_for(model) == VERIFY  # a passing outage is not a reason to re-authorise
    sandbox.control("DELETE", "faults")
    assert model.check_connection().organisation == "Demo Company (UK)"


@pytest.mark.parametrize("name", list(FAULTS))
def test_fault_at_connections_during_authorisation_is_retried(sandbox, app_and_model, name):
    model = app_and_model
    fault(sandbox, name, CONNECTIONS)
    outcome = authorize(model)
    assert [c.tenant_name for c in outcome.connections] == ["Demo Company (UK)"]
    assert model.settings.tenant_name == "Demo Company (UK)"
    expected_wait = 2 if name == "429" else None
    waits = model.retry_policy.sleep.waits
    assert len(waits) == 1 and (expected_wait is None or waits == [expected_wait])
    assert model.check_connection().organisation == "Demo Company (UK)"


@pytest.mark.parametrize("name", ["500", "503", "drop", "stall"])
def test_persistent_fault_at_connections_is_one_sentence_then_a_retry_works(sandbox, app_and_model, name):
    model = app_and_model
    fault(sandbox, name, CONNECTIONS, count=model.retry_policy.max_attempts)
    with pytest.raises(XeroConnectError) as caught:
        authorize(model)
    assert str(caught.value).endswith(".") and "\n" not in str(caught.value)
    authorize(model)  # tokens were stored; a second consent lists the organisation
    assert model.check_connection().organisation == "Demo Company (UK)"


def test_access_token_expired_between_two_calls_is_renewed_silently(sandbox, app_and_model):
    model = app_and_model
    authorize(model)
    assert model.check_connection().organisation == "Demo Company (UK)"
    refreshes = counters(sandbox)["refreshes"]
    sandbox.post("clock", {"advance_seconds": 1801})
    assert model.check_connection().organisation == "Demo Company (UK)"
    assert counters(sandbox)["refreshes"] == refreshes + 1
    assert start_page_for(model) == VERIFY


@pytest.mark.parametrize("how", ["revoked", "expired"])
def test_dead_refresh_token_is_the_reauthorise_sentence_and_step_6(sandbox, app_and_model, how):
    model = app_and_model
    authorize(model)
    if how == "revoked":
        sandbox.post("revoke", {"refresh_token": model.secrets().token_set().refresh_token})
        sandbox.post("clock", {"advance_seconds": 1900})
    else:
        sandbox.post("clock", {"advance_seconds": 61 * 86400})
    with pytest.raises(ReauthorisationNeeded, match="authorise Xero Connect again"):
        model.check_connection()
    reopened = ConnectionModel("sandbox")
    assert start_page_for(reopened, now=model.clock()) == AUTHORIZE
    assert "step 6" in (reopened.authorisation_problem() or "")


def test_disconnected_tenant_is_the_reconnect_sentence_and_step_6(sandbox, app_and_model):
    """Reconnecting an organisation needs Xero's consent page again (step 6): step 7 only lists
    organisations still connected, and the disconnected one is not among them."""
    model = app_and_model
    authorize(model)
    sandbox.post("disconnect", {"tenant_id": model.settings.tenant_id})
    with pytest.raises(TenantDisconnected, match=r"Demo Company \(UK\).*reconnect it"):
        model.check_connection()
    reopened = ConnectionModel("sandbox")
    assert start_page_for(reopened) == AUTHORIZE
    assert "Demo Company (UK)" in (reopened.authorisation_problem() or "")
    authorize(reopened)  # consent again: the organisation is back and the marker is cleared
    assert reopened.check_connection().organisation == "Demo Company (UK)"
    assert start_page_for(ConnectionModel("sandbox")) == VERIFY


def through_proxy(model: ConnectionModel, proxy: FaultProxy) -> None:
    model.settings.sandbox_url = proxy.base_url
    model.save()


def test_two_passing_401s_never_mark_reauthorisation_and_the_next_check_works(sandbox, app_and_model):
    """A 401 on the call and another after the refresh can be Xero's passing trouble: only
    invalid_grant from the token endpoint proves the grant is dead."""
    model = app_and_model
    with FaultProxy(sandbox.base_url) as proxy:
        through_proxy(model, proxy)
        authorize(model)
        proxy.answer("GET", "/api.xro/2.0/Organisation", 401, '{"Title": "Unauthorized"}', count=2)
        with pytest.raises(ReauthorisationNeeded) as caught:
            model.check_connection()
        assert "try again in a few minutes" in str(caught.value)
        reopened = ConnectionModel("sandbox")
        assert not reopened.settings.needs_reauthorisation
        assert reopened.authorisation_problem() is None and start_page_for(reopened) == VERIFY
        assert model.check_connection().organisation == "Demo Company (UK)"


def test_a_session_without_the_tokens_does_not_mark_reauthorisation(sandbox, app_and_model):
    model = app_and_model
    authorize(model)
    store = model.secrets()
    tokens = store.token_set()
    store.delete_token_set()  # another login session, whose keyring does not hold them
    with pytest.raises(ReauthorisationNeeded):
        ConnectionModel("sandbox").check_connection()
    store.save_token_set(tokens)  # back in the session that has them
    reopened = ConnectionModel("sandbox")
    assert not reopened.settings.needs_reauthorisation and start_page_for(reopened) == VERIFY
    assert reopened.check_connection().organisation == "Demo Company (UK)"


def test_a_successful_check_clears_a_false_reauthorisation_marker(sandbox, app_and_model):
    model = app_and_model
    authorize(model)
    model.settings.needs_reauthorisation = True  # left by an earlier version or a passing fault
    model.save()
    stale = ConnectionModel("sandbox")
    assert start_page_for(stale) == AUTHORIZE
    assert stale.check_connection().organisation == "Demo Company (UK)"
    reopened = ConnectionModel("sandbox")
    assert not reopened.settings.needs_reauthorisation
    assert reopened.authorisation_problem() is None and start_page_for(reopened) == VERIFY


def test_invalid_grant_during_any_call_marks_reauthorisation(sandbox, app_and_model):
    model = app_and_model
    authorize(model)
    sandbox.post("revoke", {"refresh_token": model.secrets().token_set().refresh_token})
    sandbox.post("clock", {"advance_seconds": 1900})
    with pytest.raises(GrantInvalid):
        model.client().invoices(page=1)  # drafting's calls, not only the check
    assert ConnectionModel("sandbox").settings.needs_reauthorisation


@pytest.mark.parametrize("status", [307, 308, 302])
def test_a_redirect_from_the_token_or_revocation_endpoint_is_never_followed(sandbox, app_and_model, status):
    """A redirect must not carry the code and verifier, the refresh token or the client's Basic
    credentials anywhere: not to another origin, not even back to the real endpoint."""
    model = app_and_model
    with FaultProxy(sandbox.base_url) as proxy, FaultProxy(sandbox.base_url) as elsewhere:
        through_proxy(model, proxy)
        moved = {"Location": f"{elsewhere.base_url}/connect/token"}
        proxy.answer("POST", TOKEN, status, headers=moved, count=2)  # the secret check, the code exchange
        with pytest.raises(XeroConnectError, match="redirect") as caught:
            authorize(model)
        assert str(caught.value).endswith(".") and model.secrets().token_set() is None
        authorize(model)
        before = model.secrets().token_set()
        sandbox.post("clock", {"advance_seconds": 1900})
        proxy.answer("POST", TOKEN, status, headers=moved)  # a refresh
        with pytest.raises(XeroConnectError, match="redirect") as refresh:
            model.check_connection()
        assert model.secrets().token_set().refresh_token == before.refresh_token
        assert not isinstance(refresh.value, ReauthorisationNeeded)
        assert model.check_connection().organisation == "Demo Company (UK)"
        revocation = {"Location": f"{elsewhere.base_url}/connect/revocation"}
        proxy.answer("POST", "/connect/revocation", status, headers=revocation)
        report = model.disconnect(lambda _question: True)
        assert report is not None and any("could not be revoked" in p for p in report.problems)
        assert elsewhere.seen == []  # nothing was ever posted to the redirect's target
