"""Answers no well-behaved Xero gives: the wrong shape, a Retry-After that is not a number of seconds.

A bounded proxy on 127.0.0.1 (tests/helpers/fault_proxy.py) stands in front of the sandbox and gives them;
everything else is the real sandbox. Each is a sentence, never a traceback, and nothing is lost.
"""

from __future__ import annotations

import json

import pytest

from app.errors import XeroConnectError
from app.model import ConnectionModel
from app.ui.steps import VERIFY, start_page_for
from app.xero.errors import AnswerTooLarge, RateLimited, ValidationFailed
from app.xero.http import RetryPolicy, make_session
from tests.helpers.fault_proxy import FaultProxy
from tests.helpers.flows import authorize, new_model
from tests.helpers.sandbox import set_auto_consent

pytestmark = pytest.mark.usefixtures("real_keyring")
ORGANISATION = "/api.xro/2.0/Organisation"
INVOICES = "/api.xro/2.0/Invoices"
TOKEN = "/connect/token"


class Recorder:
    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture
def proxied(sandbox, sandbox_app, callback_ports):
    set_auto_consent(sandbox.base_url)
    with FaultProxy(sandbox.base_url) as proxy:
        model = new_model(sandbox, sandbox_app, callback_ports)
        model.settings.sandbox_url = proxy.base_url
        model.session = make_session(timeout=(2, 5))
        model.retry_policy = RetryPolicy(sleep=Recorder())
        model.save()
        authorize(model)
        yield model, proxy
    model.secrets().delete_all()


def assert_sentence(error: BaseException) -> None:
    text = str(error)
    assert isinstance(error, XeroConnectError), repr(error)
    assert text.endswith(".") and "\n" not in text and "Traceback" not in text, text


@pytest.mark.parametrize(
    "body",
    [
        '{"Organisations": "x"}',
        "[1]",
        '{"Organisations": [1]}',
        '"x"',
        "5",
        '{"Organisations": {"Name": "x"}}',
    ],
)
def test_an_organisation_answer_of_the_wrong_shape_is_a_sentence(proxied, body):
    model, proxy = proxied
    proxy.answer("GET", ORGANISATION, 200, body)
    with pytest.raises(XeroConnectError) as caught:
        model.check_connection()
    assert_sentence(caught.value)
    assert "cannot read" in str(caught.value)
    assert start_page_for(ConnectionModel("sandbox")) == VERIFY  # nothing marked, nothing lost
    assert model.check_connection().organisation == "Demo Company (UK)"


@pytest.mark.parametrize("body", ["[1]", '{"x": 1}', '[{"tenantId": 5}, 2]'])
def test_a_connections_answer_of_the_wrong_shape_is_a_sentence(proxied, body):
    model, proxy = proxied
    proxy.answer("GET", "/connections", 200, body)
    with pytest.raises(XeroConnectError) as caught:
        model.tenants()
    assert_sentence(caught.value)
    assert [c.tenant_name for c in model.tenants()] == ["Demo Company (UK)"]


INVOICE = {
    "Type": "ACCREC",
    "Contact": {"Name": "Odd Answers Ltd"},
    "Reference": "ODD-1",
    "LineItems": [{"Description": "x", "Quantity": 1, "UnitAmount": 1, "AccountCode": "200"}],
}


@pytest.mark.parametrize("body", ['{"Invoices": "abc"}', '{"Invoices": [1, 2]}', '{"Invoices": {"a": 1}}'])
def test_a_batch_answer_of_the_wrong_shape_is_a_sentence(proxied, body):
    model, proxy = proxied
    proxy.answer("PUT", INVOICES, 200, body)
    with pytest.raises(XeroConnectError) as caught:
        model.client().put_invoices([INVOICE])
    assert_sentence(caught.value)


@pytest.mark.parametrize(
    "elements", ["[1]", '"x"', '[{"ValidationErrors": "abc"}]', '[{"ValidationErrors": [3]}]']
)
def test_a_validation_answer_with_odd_elements_is_a_sentence(proxied, elements):
    model, proxy = proxied
    body = '{"Type": "ValidationException", "Message": "A validation exception occurred", "Elements": %s}'
    proxy.answer("PUT", INVOICES, 400, body % elements)
    with pytest.raises(ValidationFailed) as caught:
        model.client().put_invoices([INVOICE])
    assert_sentence(caught.value)


@pytest.mark.parametrize(
    "field",
    [
        {"scope": 5},
        {"scope": [1, 2]},
        {"expires_in": "soon"},
        {"expires_in": 1e400},
        {"refresh_token": 7},
        {"access_token": ["x"]},
    ],
)
def test_a_token_answer_of_the_wrong_shape_is_a_sentence_and_keeps_the_refresh_token(proxied, sandbox, field):
    model, proxy = proxied
    before = model.secrets().token_set()
    body = {
        "access_token": "eyJ.a.b",
        "refresh_token": "r",
        "expires_in": 1800,
        "token_type": "Bearer",
        "scope": "openid",
        **field,
    }
    proxy.answer("POST", TOKEN, 200, json.dumps(body))
    with pytest.raises(XeroConnectError) as caught:
        model.token_manager().refresh_now()
    assert_sentence(caught.value)
    assert "cannot read" in str(caught.value)
    assert model.secrets().token_set().refresh_token == before.refresh_token
    assert model.check_connection().organisation == "Demo Company (UK)"


@pytest.mark.parametrize("value", ["nan", "1e400", "-inf", "inf", "Wed, 21 Oct 2026 07:28:00 GMT", ""])
def test_a_retry_after_that_is_not_seconds_backs_off_and_then_works(proxied, value):
    model, proxy = proxied
    headers = {"Retry-After": value, "X-Rate-Limit-Problem": "minute"}
    proxy.answer("GET", ORGANISATION, 429, headers=headers)
    assert model.check_connection().organisation == "Demo Company (UK)"
    waits = model.retry_policy.sleep.waits
    assert len(waits) == 1 and 0 < waits[0] <= model.retry_policy.max_delay  # its own backoff
    proxy.answer("GET", ORGANISATION, 429, headers=headers, count=model.retry_policy.max_attempts)
    with pytest.raises(RateLimited) as caught:
        model.check_connection()
    assert_sentence(caught.value)
    assert "try again later" in str(caught.value)
    proxy.answer("POST", TOKEN, 429, headers=headers)  # the token endpoint: once more after a backoff
    model.token_manager().refresh_now()
    assert model.check_connection().organisation == "Demo Company (UK)"


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "until-close"])
def test_a_300_mb_answer_is_not_read_and_is_a_sentence(proxied, declared):
    """Read in chunks up to MAX_ANSWER_BYTES (64 MiB): with a Content-Length over it nothing is read;
    without one, reading stops at the cap. Python's allocations stay well under the 300 MB sent."""
    import tracemalloc

    from app.xero.http import MAX_ANSWER_BYTES

    model, proxy = proxied
    proxy.answer("GET", ORGANISATION, 200, stream_bytes=300 * 1024 * 1024, declare_length=declared)
    tracemalloc.start()
    try:
        with pytest.raises(AnswerTooLarge) as caught:
            model.check_connection()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert_sentence(caught.value)
    assert "larger than 64 MB" in str(caught.value) and "/api.xro/2.0/Organisation" in str(caught.value)
    assert peak < 2 * MAX_ANSWER_BYTES + 16 * 1024 * 1024
    assert start_page_for(ConnectionModel("sandbox")) == VERIFY
    assert model.check_connection().organisation == "Demo Company (UK)"


def test_an_answer_just_under_the_cap_is_read_whole(proxied):
    from app.xero.http import MAX_ANSWER_BYTES

    model, proxy = proxied
    name = "x" * (MAX_ANSWER_BYTES - 100)
    proxy.answer("GET", ORGANISATION, 200, json.dumps({"Organisations": [{"Name": name}]}))
    assert model.client().organisation()["Name"] == name
