"""Drafting against the sandbox over loopback, with the real keyring: each invoice exactly once.

No test sleeps for a limit: the retry policy's sleep advances the sandbox clock instead, so a
Retry-After of 30 s costs a loopback call, not 30 s.
"""

from __future__ import annotations

import io
import threading
import time
from decimal import Decimal

import pytest
import requests

from app.cli.draft import ProgressBar, run_draft
from app.invoicing.drafting import draft_invoices
from app.invoicing.ledger import Ledger
from app.invoicing.plan import make_plan
from app.invoicing.planned import CONTACT_WILL_BE_CREATED
from app.invoicing.records import LoadResult, RowProblem, SourceLine
from app.invoicing.results import DraftProgress
from app.invoicing.wire import content_key, wire_body
from app.xero.http import make_session
from tests.helpers.drafting import (
    INVOICES_PATH,
    assert_each_once,
    float_encoded,
    held,
    make_quotes,
    puts,
    run,
)

pytestmark = pytest.mark.usefixtures("real_keyring")


def test_one_quote_becomes_one_draft_sales_invoice(sandbox, connected, ledger):
    [quote] = make_quotes(1)
    report = run(connected, ledger, [quote])
    assert report.summary() == "Drafted 1, skipped 0 already drafted, 0 invalid, 0 failed."
    [result] = report.results
    invoice = next(
        i
        for i in sandbox.state.orgs[connected.settings.tenant_id]["invoices"]
        if i.get("Reference") == quote.number
    )
    assert (invoice["Type"], invoice["Status"]) == ("ACCREC", "DRAFT")
    assert invoice["InvoiceNumber"] == result.invoice_number
    assert invoice["Contact"]["Name"] == "Bayside Club"  # matched case- and space-insensitively
    assert [line["TaxType"] for line in invoice["LineItems"]] == ["OUTPUT2", "OUTPUT2"]
    assert ledger.drafted(connected.settings.tenant_id)[quote.source_id].invoice_id == invoice["InvoiceID"]
    assert ledger.pending_batches(connected.settings.tenant_id) == []
    assert ledger.tenant_defaults(connected.settings.tenant_id) == ("200", "OUTPUT2")


def test_120_quotes_go_in_three_batches_once_and_a_rerun_sends_nothing(sandbox, connected, ledger):
    quotes = make_quotes(120)
    seen: list[DraftProgress] = []
    report = run(connected, ledger, quotes, progress=seen.append)
    assert report.summary() == "Drafted 120, skipped 0 already drafted, 0 invalid, 0 failed."
    assert report.contacts_created == 2  # Northwind Traders and Southwind Cafe, one PUT for both
    assert puts(sandbox) == 3 and seen[-1].phase == "done" and seen[-1].batches == 3
    assert [p.done for p in seen if p.phase == "sending"][-3:] == [50, 100, 120]
    assert_each_once(sandbox, connected, quotes)
    found = connected.client().invoices(references=["Q-0077"])
    assert [i["Reference"] for i in found] == ["Q-0077"]

    again = run(connected, ledger, quotes)
    assert again.summary() == "Drafted 0, skipped 120 already drafted, 0 invalid, 0 failed."
    assert puts(sandbox) == 3
    assert sandbox.state.counters["by_endpoint"]["PUT /api.xro/2.0/Contacts"] == 1
    assert_each_once(sandbox, connected, quotes)


def test_an_invoice_xero_refuses_fails_alone_with_xeros_message(sandbox, connected, ledger):
    quotes = make_quotes(6)
    quotes[1].xero_contact_id = "00000000-0000-0000-0000-00000000dead"
    quotes[4].lines = [SourceLine("x" * 4001, Decimal(1), Decimal(10))]
    report = run(connected, ledger, quotes)
    assert report.summary() == "Drafted 4, skipped 0 already drafted, 0 invalid, 2 failed."
    failed = {r.number: r.message for r in report.results if r.status == "failed"}
    assert failed == {
        "Q-0002": "The contact with ContactID 00000000-0000-0000-0000-00000000dead could not be found.",
        "Q-0005": "The description field must be 4000 characters or less.",
    }
    assert set(ledger.drafted(connected.settings.tenant_id)) == {q.source_id for q in quotes} - {
        "q-0002",
        "q-0005",
    }


def test_invalid_quotes_and_refused_contacts_are_not_sent(sandbox, connected, ledger):
    quotes = make_quotes(4)
    quotes[0].currency = "JPY"
    quotes[1].contact_name, quotes[1].contact_email = "Brand New Shop", "not-an-email"
    quotes[2].lines = [SourceLine("x", Decimal(1), Decimal(1), account_code="999")]
    report = run(connected, ledger, quotes)
    assert report.summary() == "Drafted 1, skipped 0 already drafted, 3 invalid, 0 failed."
    invalid = {r.number: r.message for r in report.results if r.status == "invalid"}
    assert "currency JPY is not enabled in Demo Company (UK)" in invalid["Q-0001"]
    assert invalid["Q-0002"].endswith("could not be created: Email address must be valid.")
    assert "account code '999'" in invalid["Q-0003"]
    assert held(sandbox, connected)["Q-0004"] == 1 and puts(sandbox) == 1


def test_a_429_and_a_503_mid_run_are_waited_out_on_the_sandbox_clock(sandbox, connected, ledger):
    quotes = make_quotes(120)
    faults = iter(
        [
            {"kind": "429", "count": 1, "path_prefix": INVOICES_PATH, "method": "PUT", "retry_after": 30},
            {"kind": "503", "count": 1, "path_prefix": INVOICES_PATH, "method": "PUT"},
        ]
    )

    def inject_after_each_batch(progress) -> None:
        if progress.phase == "sending" and progress.batch in (1, 2):
            sandbox.post("faults", next(faults))

    report = run(connected, ledger, quotes, progress=inject_after_each_batch)
    assert report.summary() == "Drafted 120, skipped 0 already drafted, 0 invalid, 0 failed."
    assert 30.0 in connected.retry_policy.sleep.waits and sandbox.state.counters["rate_limited"] == 1
    assert puts(sandbox) == 5  # three batches, two of them answered only on the second attempt
    assert_each_once(sandbox, connected, quotes)


def test_the_token_expiring_between_batches_is_renewed_inside_the_client(sandbox, connected, ledger):
    quotes = make_quotes(120)
    refreshes = sandbox.state.counters["refreshes"]

    def expire_after_first_batch(progress) -> None:
        if progress.phase == "sending" and progress.batch == 1:
            sandbox.post("clock", {"advance_seconds": 1900})

    report = run(connected, ledger, quotes, progress=expire_after_first_batch)
    assert report.drafted == 120 and sandbox.state.counters["refreshes"] == refreshes + 1
    assert_each_once(sandbox, connected, quotes)


def test_cancel_stops_after_the_batch_in_flight_and_a_rerun_finishes(sandbox, connected, ledger):
    quotes = make_quotes(120)
    cancel = threading.Event()

    def cancel_while_the_first_batch_is_in_flight(response, *args, **kwargs) -> None:
        if response.request.method == "PUT" and INVOICES_PATH in response.url:
            cancel.set()  # the answer is not read yet: this batch must still be recorded

    connected.session.hooks["response"].append(cancel_while_the_first_batch_is_in_flight)
    try:
        report = run(connected, ledger, quotes, cancel=cancel)
    finally:
        connected.session.hooks["response"].remove(cancel_while_the_first_batch_is_in_flight)
    assert report.cancelled and (report.drafted, report.not_sent) == (50, 70)
    assert ledger.pending_batches(connected.settings.tenant_id) == []
    assert len(ledger.drafted(connected.settings.tenant_id)) == 50 and puts(sandbox) == 1
    rest = run(connected, ledger, quotes)
    assert rest.summary() == "Drafted 70, skipped 50 already drafted, 0 invalid, 0 failed."
    assert_each_once(sandbox, connected, quotes)


def test_pacing_waits_for_the_next_minute_instead_of_provoking_429s(sandbox, connected, ledger):
    sandbox.post("limits", {"per_minute": 12})  # the plan's 9 reads fit; the batches do not
    now = sandbox.control("GET", "clock")["now"]
    second = float(now[17:-1])  # "2026-...T10:11:12.345Z": start at a fresh minute window
    sandbox.post("clock", {"advance_seconds": 60.05 - second})
    quotes = make_quotes(40)
    seen: list[DraftProgress] = []
    report = run(connected, ledger, quotes, progress=seen.append, batch_size=10)
    assert report.drafted == 40
    # Batches of 10 with a History note each: a full minute whenever the limit is reached.
    waits = connected.retry_policy.sleep.waits
    assert waits and set(waits) == {60.0}
    assert sandbox.state.counters["rate_limited"] == 0 and any(p.phase == "waiting" for p in seen)


def test_a_batch_left_sending_is_found_in_xero_and_not_sent_again(sandbox, connected, ledger):
    """A crash after Xero created the invoices but before the answer was recorded."""
    tenant = connected.settings.tenant_id
    client = connected.client()
    quotes = make_quotes(5)
    plan = make_plan(client, ledger, tenant, quotes)
    created = [e for e in plan if e.new_contact is None][:3]  # created earlier, answer lost
    results = client.put_invoices([e.payload for e in created], idempotency_key="lost-answer")
    assert all(r.ok for r in results)
    # Same Reference but deleted since: must not count as drafted.
    [gone] = client.put_invoices([{**plan[0].payload, "Reference": "Q-0004"}], idempotency_key="deleted")
    sandbox.state.orgs[tenant]["invoices"][-1]["Status"] = "DELETED"
    ledger.begin_batch(tenant, "lost-batch", {e.source_id: e.source.number for e in plan})
    before = puts(sandbox)

    report = draft_invoices(client, tenant, plan, ledger)
    assert report.recovered == 3
    # The 3 found were never reported by the run that created them: this run reports them as drafted.
    assert report.summary() == "Drafted 5, skipped 0 already drafted, 0 invalid, 0 failed."
    assert {r.record["InvoiceID"] for r in results} <= {
        r.invoice_id for r in report.results if r.status == "drafted"
    }
    assert gone.record["InvoiceID"] not in {r.invoice_id for r in report.results}
    assert puts(sandbox) == before + 1 and ledger.pending_batches(tenant) == []
    assert_each_once(sandbox, connected, quotes)


def test_a_send_with_an_unknown_outcome_is_looked_up_and_never_sent_twice(sandbox, connected, ledger):
    """Xero creates the invoices but every answer is lost (the client times out): nothing twice. The run
    checks Xero at once; what Xero does not show yet stays pending, and the rerun records it."""
    tenant = connected.settings.tenant_id
    quotes = make_quotes(8)
    plan = make_plan(connected.client(), ledger, tenant, quotes)
    impatient = connected.client()
    impatient.session = make_session((5.0, 0.5))
    sandbox.post(
        "faults",
        {"kind": "delay", "delay_seconds": 1, "count": 4, "path_prefix": INVOICES_PATH, "method": "PUT"},
    )
    report = draft_invoices(impatient, tenant, plan, ledger)
    # The client's own retry of the timed-out PUT finds the first request still in flight (409).
    assert report.stopped.startswith("Xero is still processing a batch")
    assert report.drafted + report.failed == 8
    assert all(r.retryable for r in report.results if r.status == "failed")
    deadline = time.monotonic() + 10
    while any(sandbox.state.in_flight.values()):  # let "Xero" finish the request whose answer was lost
        assert time.monotonic() < deadline
        time.sleep(0.02)
    rerun = run(connected, ledger, quotes)
    assert rerun.drafted + rerun.skipped_already_drafted == 8 and rerun.failed == 0
    assert ledger.pending_batches(tenant) == []
    assert_each_once(sandbox, connected, quotes)
    assert run(connected, ledger, quotes).skipped_already_drafted == 8


def test_a_pending_batch_older_than_the_key_window_is_looked_up_not_resent(sandbox, connected, ledger):
    """Seven minutes on, Xero no longer remembers the batch's key: sending its request again could create
    what is already there, so the batch is looked up by Reference and only the missing quote is sent."""
    tenant = connected.settings.tenant_id
    client = connected.client()
    quotes = make_quotes(5)
    plan = make_plan(client, ledger, tenant, quotes)
    batch = [e for e in plan if e.new_contact is None][:2]
    payloads = [e.payload for e in batch]
    key = content_key(tenant, "Invoices", payloads)
    # Xero created the first invoice only (the second was refused in the answer that was lost).
    [made] = client.put_invoices(payloads[:1], idempotency_key="earlier")
    refs = {e.source_id: e.source.number for e in batch}
    ledger.begin_batch(tenant, key, refs, wire_body(payloads), key, now=time.time() - 420)
    sandbox.post("clock", {"advance_seconds": 420})  # both clocks moved on: the key is gone
    before = puts(sandbox)
    report = draft_invoices(client, tenant, [e for e in plan if e in batch], ledger)
    assert (report.recovered, report.skipped_already_drafted, report.drafted) == (1, 0, 2)
    assert puts(sandbox) == before + 1  # the missing quote alone, in a new batch; no resend
    assert ledger.drafted(tenant)[batch[0].source_id].invoice_id == made.record["InvoiceID"]
    assert_each_once(sandbox, connected, [e.source for e in batch])


def test_a_young_pending_batch_is_resent_with_its_own_body_and_key(sandbox, connected, ledger):
    """Killed after the write-ahead, before the request left: the rerun sends that very request (Xero
    has no answer for the key, so it processes it once) and records it like a normal batch."""
    tenant = connected.settings.tenant_id
    client = connected.client()
    plan = make_plan(client, ledger, tenant, make_quotes(5))
    batch = [e for e in plan if e.new_contact is None][:3]
    payloads = [e.payload for e in batch]
    key = content_key(tenant, "Invoices", payloads)
    ledger.begin_batch(tenant, key, {e.source_id: e.source.number for e in batch}, wire_body(payloads), key)
    report = draft_invoices(client, tenant, batch, ledger)
    assert (report.recovered, report.skipped_already_drafted, report.drafted, puts(sandbox)) == (3, 0, 3, 1)
    assert ledger.pending_batches(tenant) == []
    assert_each_once(sandbox, connected, [e.source for e in batch])
    # Sent again with the same key within the window: Xero replays, nothing new.
    ledger.begin_batch(tenant, key, {e.source_id: e.source.number for e in batch}, wire_body(payloads), key)
    with ledger._transaction() as db:
        db.execute("DELETE FROM drafts")
    again = draft_invoices(client, tenant, batch, ledger)
    assert again.recovered == 3 and puts(sandbox) == 1  # found by the lookup, nothing resent
    assert_each_once(sandbox, connected, [e.source for e in batch])


def test_a_pending_batch_written_by_the_float_encoding_is_resent_byte_for_byte_after_the_upgrade(
    sandbox, connected, tmp_path
):
    """A run of the earlier version left a batch pending in its ledger file; the upgraded program sends
    that very request again (stored bytes, stored key), even where it would now encode the quote
    differently (a quantity float wrote as 1e-05)."""
    tenant = connected.settings.tenant_id
    client = connected.client()
    quotes = make_quotes(3, prefix="F")
    quotes[0].lines.append(SourceLine("Sample", Decimal("0.00001"), Decimal("95.50")))
    path = tmp_path / "ledger.sqlite"
    with Ledger(path) as ledger:
        plan = make_plan(client, ledger, tenant, quotes)
        batch = [e for e in plan if e.new_contact is None]
        old_payloads, old_body, old_key = float_encoded([e.payload for e in batch], tenant)
        assert '"Quantity": 1e-05' in old_body and old_body != wire_body([e.payload for e in batch])
        ledger.begin_batch(tenant, old_key, {e.source_id: e.source.number for e in batch}, old_body, old_key)
    sent: list[bytes] = []

    def record(response: requests.Response, *_args: object, **_kwargs: object) -> None:
        if response.request.method == "PUT" and response.request.path_url.startswith(INVOICES_PATH + "?"):
            body = response.request.body
            assert isinstance(body, bytes)
            sent.append(body)

    client.session.hooks["response"].append(record)
    try:
        with Ledger(path) as upgraded:
            report = draft_invoices(client, tenant, batch, upgraded)
            assert upgraded.pending_batches(tenant) == []
    finally:
        client.session.hooks["response"].remove(record)
    assert sent == [old_body.encode("utf-8")] and len(old_payloads) == len(batch) == 2
    assert (report.recovered, report.drafted, puts(sandbox)) == (2, 2, 1)
    assert_each_once(sandbox, connected, [e.source for e in batch])


def test_a_dropped_send_fails_retryable_and_stops_then_the_rerun_sends_it(sandbox, connected, ledger):
    quotes = make_quotes(60)
    sandbox.post(
        "faults",
        {"kind": "drop", "count": 4, "path_prefix": INVOICES_PATH, "method": "PUT"},
    )
    report = run(connected, ledger, quotes)
    assert report.summary() == "Drafted 0, skipped 0 already drafted, 0 invalid, 50 failed."
    assert report.not_sent == 10 and "Could not reach" in report.stopped
    assert all(r.retryable for r in report.results)
    # The rerun settles the pending batch first (same body, same key), then sends the rest.
    rerun = run(connected, ledger, quotes)
    assert (rerun.recovered, rerun.skipped_already_drafted, rerun.drafted, rerun.failed) == (50, 0, 60, 0)
    assert_each_once(sandbox, connected, quotes)


def test_the_command_prints_problems_a_dry_run_and_the_summary(sandbox, connected, ledger):
    quotes = make_quotes(3)
    quotes[2].currency = "CHF"
    loaded = LoadResult(quotes, [RowProblem("crm.csv", 7, "quantity is not a number", "Q-0001")])
    out = io.StringIO()
    # Exit 1: some quotes are invalid (the dry run says so the way the real run does).
    assert run_draft(connected, lambda: loaded, dry_run=True, out=out, err=io.StringIO()) == 1
    text = out.getvalue()
    assert "crm.csv, line 7: quantity is not a number" in text
    assert "Q-0001: invalid: see the problem reported for it (quantity is not a number)" in text
    assert f"Q-0002: to draft for Northwind Traders, 2 line(s) ({CONTACT_WILL_BE_CREATED})" in text
    assert "Q-0003: invalid: currency CHF is not enabled" in text
    assert text.endswith("Dry run: 1 to draft, 0 already drafted, 2 invalid; nothing was created.\n")
    assert puts(sandbox) == 0 and "PUT /api.xro/2.0/Contacts" not in sandbox.state.counters["by_endpoint"]
    assert ledger.tenant_defaults(connected.settings.tenant_id) is None

    out, err = io.StringIO(), io.StringIO()
    assert run_draft(connected, lambda: loaded, out=out, err=err) == 1
    assert out.getvalue().endswith("Drafted 1, skipped 0 already drafted, 2 invalid, 0 failed.\n")
    assert "\r" not in err.getvalue() and "3/3 drafted 1, failed 0" in err.getvalue()


def test_the_progress_bar_redraws_one_line_on_a_terminal():
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen = Terminal()
    bar = ProgressBar(screen)
    bar(DraftProgress("sending", 0, 120, 0, 0, 0, 3))
    bar(DraftProgress("waiting", 50, 120, 50, 0, 1, 3))
    bar(DraftProgress("done", 120, 120, 119, 1, 3, 3))
    text = screen.getvalue()
    assert text.count("\r") == 3 and text.endswith("\n") and text.count("\n") == 1
    assert "50/120 drafted 50, failed 0 - waiting for Xero's rate limit" in text
    assert f"[{'#' * 30}] 120/120 drafted 119, failed 1" in text


def test_the_sample_file_drafts_every_valid_quote_once(sandbox, connected):
    """The issue's done-when: the sample drafts its 10 valid quotes, counts its 2 invalid ones, and a
    second run drafts nothing new."""
    from pathlib import Path

    from app.invoicing.sources import load_file

    sample = Path(__file__).resolve().parents[2] / "resources" / "samples" / "crm-quotes.csv"
    out = io.StringIO()
    assert run_draft(connected, lambda: load_file(sample), out=out, err=io.StringIO()) == 1  # 2 invalid
    lines = out.getvalue().splitlines()
    assert lines[-1] == "Drafted 10, skipped 0 already drafted, 2 invalid, 0 failed."
    assert sum("line 22" in line or "line 28" in line for line in lines) == 2  # each problem shown once
    again = io.StringIO()
    assert run_draft(connected, lambda: load_file(sample), out=again, err=io.StringIO()) == 1
    assert again.getvalue().splitlines()[-1] == "Drafted 0, skipped 10 already drafted, 2 invalid, 0 failed."
    invoices = connected.client().invoices(page=1)
    references = [i["Reference"] for i in invoices if i["Reference"].startswith("CRM")]
    assert len(references) == len(set(references)) == 10
