"""XeroClient against the local Xero sandbox over real loopback HTTP (no mocks between them)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
import requests

from app.xero.client import XeroClient
from app.xero.endpoints import GRANULAR_SCOPES, XeroEndpoints
from app.xero.errors import NetworkError, RateLimited, TenantDisconnected
from app.xero.http import RetryPolicy, make_session
from tests.helpers.sandbox import Sandbox

UK_NAME = "Demo Company (UK)"


class SandboxTokens:
    """Fixed tokens from one consent; a 401 is answered with a refresh_token grant, as the real store does."""

    def __init__(self, endpoints: XeroEndpoints, client_id: str, secret: str, body: dict[str, Any]) -> None:
        self.endpoints = endpoints
        self.auth = (client_id, secret)
        self.token = str(body["access_token"])
        self.refresh_token = str(body["refresh_token"])
        self.refresh_count = 0

    def access_token(self) -> str:
        return self.token

    def refresh_after_401(self, rejected: str) -> str:
        form = {"grant_type": "refresh_token", "refresh_token": self.refresh_token}
        response = requests.post(self.endpoints.token_url, data=form, auth=self.auth, timeout=10)
        response.raise_for_status()
        body = response.json()
        self.token, self.refresh_token = body["access_token"], body["refresh_token"]
        self.refresh_count += 1
        return self.token


class FakeSleep:
    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@dataclass
class ClientRig:
    """The sandbox (tests/helpers/sandbox.py) with one consented app, and clients on its tokens."""

    server: Sandbox
    tokens: SandboxTokens
    sleep: FakeSleep

    def fault(self, kind: str, count: int = 1, **extra: Any) -> None:
        # Aimed at the Accounting API only, so the token endpoint and connections stay healthy.
        self.server.post("faults", {"kind": kind, "count": count, "path_prefix": "/api.xro/", **extra})

    def client(self, tenant_id: str | None = None, session: requests.Session | None = None) -> XeroClient:
        policy = RetryPolicy(max_attempts=4, base_delay=0.01, max_delay=0.05, sleep=self.sleep)
        endpoints = XeroEndpoints.sandbox(self.server.base_url)
        return XeroClient(endpoints, self.tokens, tenant_id=tenant_id, session=session, policy=policy)


@pytest.fixture
def rig(sandbox: Sandbox) -> ClientRig:
    """A web app consented to through the authorize and token endpoints, as the wizard drives them."""
    app = sandbox.app(name="Client integration tests", integration_type="web")
    body = sandbox.tokens(app, scope=" ".join(GRANULAR_SCOPES))
    endpoints = XeroEndpoints.sandbox(sandbox.base_url)
    return ClientRig(
        sandbox, SandboxTokens(endpoints, app["client_id"], app["client_secret"], body), FakeSleep()
    )


@pytest.fixture
def uk(rig: ClientRig) -> XeroClient:
    tenant = next(c.tenant_id for c in rig.client().connections() if c.tenant_name == UK_NAME)
    return rig.client(tenant)


def _draft(contact_id: str, reference: str) -> dict[str, Any]:
    return {
        "Type": "ACCREC",
        "Contact": {"ContactID": contact_id},
        "Date": "2026-11-26",
        "DueDate": "2026-12-10",
        "Reference": reference,
        "Status": "DRAFT",
        "LineAmountTypes": "Exclusive",
        "LineItems": [
            {"Description": "Development hour", "Quantity": 2, "UnitAmount": 95.0, "AccountCode": "200"}
        ],
    }


def test_connections_list_the_consented_organisation(rig: ClientRig) -> None:
    connections = rig.client().connections()
    assert [c.tenant_name for c in connections] == [UK_NAME]
    connection = connections[0]
    assert connection.tenant_type == "ORGANISATION"
    assert connection.id and connection.tenant_id and connection.created
    assert connection.auth_event_id
    assert rig.client().connections(auth_event_id=connection.auth_event_id) == connections


def test_organisation_and_settings(uk: XeroClient) -> None:
    assert uk.organisation()["Name"] == UK_NAME
    assert any(a["Code"] == "200" for a in uk.accounts())
    assert any(t["TaxType"] == "OUTPUT2" for t in uk.tax_rates())
    assert {i["Code"] for i in uk.items()} >= {"DEV-HOUR", "WIDGET-A"}
    assert uk.limits.minute_remaining is not None and uk.limits.minute_remaining < 60
    assert uk.limits.day_remaining is not None


def test_contacts_search_and_find_by_name(uk: XeroClient) -> None:
    found = uk.contacts(search_term="acme")
    assert [c["Name"] for c in found] == ["Acme Ltd"]
    by_name = uk.find_contact_by_name("ACME LTD")
    assert by_name is not None and by_name["ContactID"] == found[0]["ContactID"]
    assert uk.find_contact_by_name('No "such" contact') is None


def test_put_invoices_batch_with_one_bad_element(uk: XeroClient) -> None:
    acme = uk.find_contact_by_name("Acme Ltd")
    assert acme is not None
    bad = _draft(acme["ContactID"], "CRM bad")
    del bad["Contact"]
    batch = [_draft(acme["ContactID"], "CRM Q-1"), bad, _draft(acme["ContactID"], "CRM Q-3")]
    results = uk.put_invoices(batch, idempotency_key="it-batch-1")
    assert [r.ok for r in results] == [True, False, True]
    assert results[1].errors
    created = uk.get_invoice(results[0].record["InvoiceID"])
    assert created is not None and created["Status"] == "DRAFT" and created["Reference"] == "CRM Q-1"
    assert uk.get_invoice("INV-9999") is None


def test_idempotency_key_replay_creates_once(uk: XeroClient) -> None:
    acme = uk.find_contact_by_name("Acme Ltd")
    assert acme is not None
    invoice = _draft(acme["ContactID"], "CRM replay")
    first = uk.put_invoices([invoice], idempotency_key="it-replay")
    again = uk.put_invoices([invoice], idempotency_key="it-replay")
    assert first[0].ok and again[0].ok
    assert first[0].record["InvoiceID"] == again[0].record["InvoiceID"]
    mine = [i for i in uk.invoices(statuses=["DRAFT"]) if i.get("Reference") == "CRM replay"]
    assert len(mine) == 1


def test_quotes_by_status(uk: XeroClient) -> None:
    accepted = uk.quotes(status="ACCEPTED")
    assert accepted and {q["Status"] for q in accepted} == {"ACCEPTED"}
    one = uk.get_quote(accepted[0]["QuoteID"])
    assert one is not None and one["QuoteNumber"] == accepted[0]["QuoteNumber"]
    assert len(list(uk.all_pages(uk.quotes))) >= len(accepted)


def test_retry_on_injected_500(rig: ClientRig, uk: XeroClient) -> None:
    rig.fault("500")
    assert uk.organisation()["Name"] == UK_NAME
    assert len(rig.sleep.waits) == 1


def test_retry_on_injected_429_waits_retry_after(rig: ClientRig, uk: XeroClient) -> None:
    rig.fault("429", retry_after=7)
    assert uk.organisation()["Name"] == UK_NAME
    assert len(rig.sleep.waits) == 1
    assert rig.sleep.waits == [7.0]  # the sandbox's Retry-After, not our millisecond backoff


def test_daily_limit_429_is_not_waited_for(rig: ClientRig, uk: XeroClient) -> None:
    rig.fault("429", problem="day", retry_after=40000)
    with pytest.raises(RateLimited) as caught:
        uk.organisation()
    assert caught.value.problem == "day" and "per day" in str(caught.value)
    assert rig.sleep.waits == []


def test_slow_answer_times_out_then_retries(rig: ClientRig, uk: XeroClient) -> None:
    # A session whose default read timeout is short: the delayed first answer is abandoned and retried.
    impatient = rig.client(uk.tenant_id, session=make_session(timeout=(5.0, 0.3)))
    rig.fault("delay", delay_seconds=1.0)
    assert impatient.organisation()["Name"] == UK_NAME
    assert len(rig.sleep.waits) == 1


def test_retry_on_injected_503(rig: ClientRig, uk: XeroClient) -> None:
    rig.fault("503")
    assert uk.organisation()["Name"] == UK_NAME
    assert len(rig.sleep.waits) == 1


def test_retry_on_dropped_connection(rig: ClientRig, uk: XeroClient) -> None:
    rig.fault("drop")
    assert uk.organisation()["Name"] == UK_NAME
    assert len(rig.sleep.waits) == 1


def test_persistent_drop_becomes_network_error(rig: ClientRig, uk: XeroClient) -> None:
    rig.fault("drop", count=10)
    with pytest.raises(NetworkError):
        uk.organisation()
    assert len(rig.sleep.waits) == 3


def test_expired_access_token_is_refreshed_once(rig: ClientRig, uk: XeroClient) -> None:
    rig.server.post("clock", {"advance_seconds": 3600})
    assert uk.organisation()["Name"] == UK_NAME
    assert rig.tokens.refresh_count == 1


def test_disconnected_tenant_is_403(rig: ClientRig, uk: XeroClient) -> None:
    assert uk.tenant_id is not None
    rig.server.post("disconnect", {"tenant_id": uk.tenant_id})
    with pytest.raises(TenantDisconnected):
        uk.organisation()


def test_delete_connection(rig: ClientRig) -> None:
    client = rig.client()
    connection = client.connections()[0]
    client.delete_connection(connection.id)
    assert client.connections() == []
