"""Answers that must not be trusted as they look: a request too large for Xero, a batch answer whose
elements do not echo the References sent, and a refusal answered to a request Xero did process.
Real sandbox over loopback, real keyring, real SQLite."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
import requests

import app.sandbox.server as sandbox_server
from app.invoicing.drafting import draft_invoices
from app.invoicing.plan import make_plan
from app.invoicing.records import SourceLine
from app.invoicing.wire import MAX_REQUEST_BYTES
from tests.helpers.drafting import assert_each_once, held, make_quotes, puts, run

pytestmark = pytest.mark.usefixtures("real_keyring")


def test_a_quote_too_large_for_any_request_is_invalid_and_the_rest_is_drafted(sandbox, connected, ledger):
    quotes = make_quotes(60)
    huge = quotes[7]
    huge.lines = [
        SourceLine(f"Part {n} of a very long bill of materials", Decimal(1), Decimal("1.50"))
        for n in range(120_000)
    ]
    report = run(connected, ledger, quotes)
    [result] = [r for r in report.results if r.number == huge.number]
    assert result.status == "invalid"
    assert "too large for one request to Xero" in result.message and "MB" in result.message
    assert report.drafted == 59 and not report.stopped
    assert held(sandbox, connected)[huge.number] == 0
    assert_each_once(sandbox, connected, [q for q in quotes if q is not huge])
    assert MAX_REQUEST_BYTES < sandbox_server.MAX_BODY  # batches fit Xero's smaller documented limit


def test_a_413_halves_the_batch_until_it_fits_and_a_quote_that_never_fits_is_invalid(
    sandbox, connected, ledger, monkeypatch
):
    """Xero's front end may accept less than the program assumes: a 413 is a refusal before processing,
    so the batch is split and sent again; one quote alone over the limit is invalid with a sentence."""
    monkeypatch.setattr(sandbox_server, "MAX_BODY", 40_000)
    quotes = make_quotes(50)
    for quote in quotes:
        quote.lines = [SourceLine(f"Item {n} " + "x" * 60, Decimal(1), Decimal(10)) for n in range(6)]
    big = quotes[3]
    big.lines = [SourceLine(f"Item {n} " + "y" * 200, Decimal(1), Decimal(10)) for n in range(300)]
    report = run(connected, ledger, quotes)
    [result] = [r for r in report.results if r.number == big.number]
    assert result.status == "invalid" and "too large for one request to Xero" in result.message
    assert report.drafted == 49 and not report.stopped
    assert_each_once(sandbox, connected, [q for q in quotes if q is not big])
    assert sandbox.state.counters["by_endpoint"].get("PUT /api.xro/2.0/Invoices", 0) > 2


def _rewrite_first_put(session: requests.Session, change, times: int = 1) -> None:
    done: list[bool] = []

    def hook(response: requests.Response, *args, **kwargs) -> None:
        if response.request.method == "PUT" and "/Invoices" in response.url and len(done) < times:
            done.append(True)
            change(response)

    session.hooks["response"].append(hook)


def test_a_batch_answer_that_names_other_references_is_looked_up_never_recorded_swapped(
    sandbox, connected, ledger
):
    tenant = connected.settings.tenant_id
    quotes = make_quotes(4)
    client = connected.client()

    def swap_first_two(response: requests.Response) -> None:
        body = response.json()
        body["Invoices"][0], body["Invoices"][1] = body["Invoices"][1], body["Invoices"][0]
        response._content = json.dumps(body).encode()

    _rewrite_first_put(client.session, swap_first_two)
    plan = make_plan(client, ledger, tenant, quotes)
    report = draft_invoices(client, tenant, plan, ledger)
    assert "did not match what was sent" in report.stopped
    assert report.drafted == 4 and puts(sandbox) == 1
    invoices = {i["Reference"]: i["InvoiceID"] for i in sandbox.state.orgs[tenant]["invoices"]}
    recorded = ledger.drafted(tenant)
    assert {q.number: recorded[q.source_id].invoice_id for q in quotes} == {
        q.number: invoices[q.number] for q in quotes
    }


@pytest.mark.parametrize("status", [404, 401])
def test_a_refusal_answered_to_a_put_xero_processed_is_looked_up_not_closed_as_never_sent(
    sandbox, connected, ledger, status
):
    tenant = connected.settings.tenant_id
    quotes = make_quotes(3)
    client = connected.client()

    def refuse(response: requests.Response) -> None:
        response.status_code = status
        response._content = b'{"Title": "refused"}'

    # A second 401 after the client's own refresh is final; a 404 is final at once.
    _rewrite_first_put(client.session, refuse, times=2 if status == 401 else 1)
    plan = make_plan(client, ledger, tenant, quotes)
    report = draft_invoices(client, tenant, plan, ledger)
    assert report.drafted == 3  # found by the lookup made before the batch was closed
    assert {q.source_id for q in quotes} <= set(ledger.drafted(tenant))
    assert ledger.pending_batches(tenant) == []
    assert run(connected, ledger, quotes).skipped_already_drafted == 3
    assert_each_once(sandbox, connected, quotes)
