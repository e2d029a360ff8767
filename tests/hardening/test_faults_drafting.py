"""Faults in the middle of a drafting run, the sandbox restarting under a connected program, and two
processes refreshing at once: the run completes or stops with a sentence; a rerun leaves each invoice
in Xero exactly once."""

from __future__ import annotations

import threading
from collections import Counter

import pytest

from app.invoicing.drafting import draft_invoices
from app.invoicing.ledger import Ledger
from app.invoicing.plan import make_plan
from app.model import ConnectionModel
from app.secrets import SecretStore
from app.xero.http import RetryPolicy, make_session
from tests.helpers.drafting import INVOICES_PATH, SandboxSleep, connect, make_quotes
from tests.helpers.flows import authorize, new_model, refresh_in_processes
from tests.helpers.sandbox import Sandbox, register_app, set_auto_consent

pytestmark = pytest.mark.usefixtures("real_keyring")

FAULTS: dict[str, dict[str, object]] = {
    "429": {"kind": "429", "retry_after": 30},
    "500": {"kind": "500"},
    "503": {"kind": "503"},
    "drop": {"kind": "drop"},
    "stall": {"kind": "delay", "delay_seconds": 1.5},  # the client gives up after 1 s; Xero still creates
}


@pytest.fixture
def connected(sandbox, sandbox_app, callback_ports):
    model = connect(sandbox, sandbox_app, callback_ports)
    model.session = make_session(timeout=(2, 1))
    yield model
    SecretStore("sandbox", sandbox_app.client_id).delete_all()


def held(state, tenant) -> Counter:
    invoices = state.orgs[tenant]["invoices"]
    return Counter(i.get("Reference") for i in invoices if i["Status"] not in ("DELETED", "VOIDED"))


def wait_idle(state) -> None:
    """Let a stalled request the client gave up on finish inside the sandbox (it still creates)."""
    import time

    deadline = time.monotonic() + 10
    while any(state.in_flight.values()):
        assert time.monotonic() < deadline
        time.sleep(0.02)


def draft(model, ledger, quotes, **kwargs):
    client = model.client()
    plan = make_plan(client, ledger, model.settings.tenant_id, quotes)
    return draft_invoices(client, model.settings.tenant_id, plan, ledger, **kwargs)


def assert_each_once(state, model, ledger, quotes) -> None:
    counts = held(state, model.settings.tenant_id)
    assert {q.number: counts[q.number] for q in quotes} == {q.number: 1 for q in quotes}
    # The ledger and the sandbox agree on which invoice each quote became.
    in_xero = {
        i["Reference"]: i["InvoiceID"]
        for i in state.orgs[model.settings.tenant_id]["invoices"]
        if i["Status"] not in ("DELETED", "VOIDED")
    }
    drafted = ledger.drafted(model.settings.tenant_id)
    assert {q.number: drafted[q.source_id].invoice_id for q in quotes} == {
        q.number: in_xero[q.number] for q in quotes
    }


@pytest.mark.parametrize("count", [1, 4], ids=["once", "persistent"])
@pytest.mark.parametrize("name", list(FAULTS))
def test_fault_mid_run_completes_or_stops_with_a_sentence_and_the_rerun_finishes(
    sandbox, connected, ledger, name, count
):
    quotes = make_quotes(70, prefix=f"F{name}")
    first = draft(connected, ledger, quotes[:50])  # batch one goes through cleanly
    assert first.drafted == 50
    sandbox.post(
        "faults",
        {**FAULTS[name], "count": count, "path_prefix": INVOICES_PATH, "method": "PUT"},
    )
    report = draft(connected, ledger, quotes)
    wait_idle(sandbox.state)
    if report.stopped:
        assert report.stopped.endswith(".") and "\n" not in report.stopped
        assert "Traceback" not in report.stopped
    assert report.drafted + report.failed + report.not_sent + report.skipped_already_drafted == 70
    sandbox.control("DELETE", "faults")
    rerun = draft(connected, ledger, quotes)
    assert rerun.failed == 0 and not rerun.stopped
    assert_each_once(sandbox.state, connected, ledger, quotes)
    assert draft(connected, ledger, quotes).skipped_already_drafted == 70


def test_a_rerun_while_xero_still_processes_a_lost_batch_sends_nothing_twice(sandbox, connected, ledger):
    """The gap: the answer of a batch is lost (read timeout 1 s, Xero takes 4 s) and a rerun starts while
    Xero is still processing it, with one more quote (a different batch, so a different key). The rerun
    sends the pending batch's own request again, gets 409 "still being processed", keeps it pending and
    stops; once Xero is done, the next run records its invoices and sends only the new quote."""
    tenant = connected.settings.tenant_id
    quotes = make_quotes(4, prefix="G")
    draft(connected, ledger, quotes[3:])  # creates the contacts, so the payloads below stay as they are
    sandbox.post(
        "faults",
        {"kind": "delay", "delay_seconds": 4, "count": 1, "path_prefix": INVOICES_PATH, "method": "PUT"},
    )
    first = draft(connected, ledger, quotes[:3])
    assert first.stopped and first.drafted == 0 and any(sandbox.state.in_flight.values())
    assert held(sandbox.state, tenant)["G-0001"] == 0  # not visible yet: a lookup cannot see it
    quotes[3] = make_quotes(5, prefix="G")[4]  # a new quote joins the rerun
    rerun = draft(connected, ledger, quotes)
    assert any(sandbox.state.in_flight.values()), "the rerun must run while Xero still processes"
    assert rerun.stopped.startswith("Nothing was sent: Xero is still processing a batch")
    assert rerun.stopped.endswith(".") and rerun.drafted == 0 and rerun.not_sent == 4
    assert [sorted(b.references.values()) for b in ledger.pending_batches(tenant)] == [
        ["G-0001", "G-0002", "G-0003"]
    ]
    wait_idle(sandbox.state)  # now let Xero finish the first request
    final = draft(connected, ledger, quotes)
    assert (final.recovered, final.skipped_already_drafted, final.drafted, final.failed) == (3, 0, 4, 0)
    assert not final.stopped and ledger.pending_batches(tenant) == []
    assert_each_once(sandbox.state, connected, ledger, quotes)
    assert draft(connected, ledger, quotes).skipped_already_drafted == 4


def test_sandbox_restarted_while_connected_then_the_check_and_a_refresh_work(tmp_path, callback_ports):
    data = str(tmp_path / "sandbox-data")
    server = Sandbox(port=0, data_dir=data)
    server.start()
    app = register_app(server.base_url, callback_ports)
    try:
        set_auto_consent(server.base_url)
        model = new_model(server, app, callback_ports)
        authorize(model)
        assert model.check_connection().organisation == "Demo Company (UK)"
        server.stop()
        server = Sandbox(port=server.port, data_dir=data)  # same port, same data
        server.start()
        assert model.check_connection().organisation == "Demo Company (UK)"
        server.post("clock", {"advance_seconds": 1900})  # the refresh token survived too
        assert model.check_connection().organisation == "Demo Company (UK)"
    finally:
        server.stop()
        SecretStore("sandbox", app.client_id).delete_all()


def test_sandbox_restarted_between_batches_of_a_run_each_invoice_once(tmp_path, callback_ports):
    data = str(tmp_path / "sandbox-data")
    servers = [Sandbox(port=0, data_dir=data)]
    servers[0].start()
    port = servers[0].port
    app = register_app(servers[0].base_url, callback_ports)
    model = connect(servers[0], app, callback_ports)
    sleeper = SandboxSleep(servers[0].base_url)
    restarted = threading.Event()

    def stop_after_first_batch(response, *args, **kwargs) -> None:
        if response.request.method == "PUT" and INVOICES_PATH in response.url and not restarted.is_set():
            restarted.set()
            servers[-1].stop()  # the answer for batch one is in; the sandbox goes away

    def restart_then_advance(seconds: float) -> None:
        if servers[-1]._httpd is None:
            servers.append(Sandbox(port=port, data_dir=data))
            servers[-1].start()  # back while the client waits to retry
        sleeper(seconds)

    model.retry_policy = RetryPolicy(sleep=restart_then_advance, jitter=lambda low, high: high)
    model.session.hooks["response"].append(stop_after_first_batch)
    quotes = make_quotes(120, prefix="R")
    try:
        with Ledger() as ledger:
            report = draft(model, ledger, quotes)
            assert restarted.is_set() and len(servers) == 2
            rerun = draft(model, ledger, quotes)
            assert report.drafted + rerun.drafted == 120 and rerun.failed == 0
            assert_each_once(servers[-1].state, model, ledger, quotes)
    finally:
        model.session.hooks["response"].remove(stop_after_first_batch)
        servers[-1].stop()
        SecretStore("sandbox", app.client_id).delete_all()


def test_sandbox_restarted_after_a_killed_request_the_rerun_finishes_once(tmp_path, callback_ports):
    """The sandbox goes down mid-run while the client waits for a stalled batch (timeout)."""
    data = str(tmp_path / "sandbox-data")
    server = Sandbox(port=0, data_dir=data)
    server.start()
    app = register_app(server.base_url, callback_ports)
    model = connect(server, app, callback_ports)
    model.retry_policy = RetryPolicy(max_attempts=1)
    model.session = make_session(timeout=(2, 0.5))
    quotes = make_quotes(60, prefix="S")
    server.post(
        "faults",
        {"kind": "delay", "delay_seconds": 1, "count": 1, "path_prefix": INVOICES_PATH, "method": "PUT"},
    )
    try:
        with Ledger() as ledger:
            report = draft(model, ledger, quotes)
            assert report.stopped or report.drafted < 60
            wait_idle(server.state)
            server.stop()
            server = Sandbox(port=server.port, data_dir=data)
            server.start()
            rerun = draft(model, ledger, quotes)
            assert rerun.failed == 0 and not rerun.stopped
            assert_each_once(server.state, model, ledger, quotes)
    finally:
        server.stop()
        SecretStore("sandbox", app.client_id).delete_all()


def test_two_processes_refresh_at_once_and_the_parent_still_connects(sandbox, sandbox_app, callback_ports):
    set_auto_consent(sandbox.base_url)
    model = new_model(sandbox, sandbox_app, callback_ports)
    authorize(model)
    saved = model.secrets().token_set()
    assert saved is not None
    rejected = saved.access_token
    try:
        outputs = refresh_in_processes(rejected, 2)
        assert outputs[0][0] == outputs[1][0]
        # The parent holds a stale cache; its next calls must pick up the rotated tokens, not fail.
        assert model.check_connection().organisation == "Demo Company (UK)"
        sandbox.post("clock", {"advance_seconds": 1900})
        assert model.check_connection().organisation == "Demo Company (UK)"
        assert ConnectionModel("sandbox").check_connection().organisation == "Demo Company (UK)"
    finally:
        model.secrets().delete_all()
