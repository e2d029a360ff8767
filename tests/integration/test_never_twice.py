"""Each quote once in Xero, whatever the ledger knows: Xero itself is the record of what was drafted.

One test per way the same quote used to reach Xero twice (a second home or a deleted ledger, a file
renamed, overlapping runs, numbers that differ only in case), plus quotes changed since drafted and the
exit codes a script relies on. Real sandbox over loopback, real keyring, real SQLite.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import shutil
import threading
from decimal import Decimal
from pathlib import Path

import pytest

from app.cli import main
from app.cli.draft import run_draft
from app.cli.draft_options import EXIT_FAILED, EXIT_OK, EXIT_REFUSED, EXIT_STOPPED
from app.invoicing.drafting import draft_invoices
from app.invoicing.ledger import LEDGER_NAME, DraftRow, Ledger
from app.invoicing.plan import make_plan
from app.invoicing.records import SourceLine
from app.invoicing.run_lock import TenantLock
from app.invoicing.sources import load_file
from app.model import ConnectionModel
from app.secrets import SecretStore
from app.settings import data_dir
from tests.helpers.drafting import connect, held, make_quotes, puts, run
from tests.helpers.sandbox import register_app

pytestmark = pytest.mark.usefixtures("real_keyring")
SAMPLE = Path(__file__).resolve().parents[2] / "resources" / "samples" / "crm-quotes.csv"
SAMPLE_VALID = 10  # quotes of the sample that draft; 2 more are invalid
HEADER = "Quote Number,Customer,Description,Quantity,Unit Price\n"


def live_invoices(sandbox, tenant_id: str) -> list[dict]:
    """The invoices drafted by the tests (the sandbox's seeded ones left out)."""
    return [
        i
        for i in sandbox.state.orgs[tenant_id]["invoices"]
        if i["Status"] not in ("DELETED", "VOIDED") and not str(i.get("Reference", "")).startswith("Seed")
    ]


def assert_ledger_equals_sandbox(sandbox, model: ConnectionModel, ledger: Ledger) -> None:
    """Every Reference once in the sandbox, and the ledger names exactly those invoices."""
    tenant = model.settings.tenant_id
    invoices = live_invoices(sandbox, tenant)
    references = [i["Reference"].strip().casefold() for i in invoices]
    assert len(references) == len(set(references)), "a Reference is in Xero twice"
    in_xero = {i["Reference"].strip().casefold(): i["InvoiceID"] for i in invoices}
    assert {sid: row.invoice_id for sid, row in ledger.drafted(tenant).items()} == in_xero


def accounting_calls(sandbox) -> int:
    return sum(n for name, n in sandbox.state.counters["by_endpoint"].items() if "/api.xro/" in name)


def cli(*args: str, capsys) -> tuple[int, str]:
    """`xero-connect draft ARGS`: (exit code, what it printed; standard error first, so the summary
    line of standard output is the last line)."""
    code = main(["draft", *args])
    captured = capsys.readouterr()
    return code, captured.err + captured.out


# -- a second home, a deleted ledger ----------------------------------------------------------------


def test_a_second_home_on_the_same_organisation_finds_every_quote_in_xero(
    sandbox, sandbox_app, callback_ports, connected, ledger, tmp_path, monkeypatch
):
    quotes = make_quotes(12)
    assert run(connected, ledger, quotes).drafted == 12
    # Another user account (or computer, or a reinstall): its own settings and ledger, the same app.
    monkeypatch.setenv("XERO_CONNECT_CONFIG_DIR", str(tmp_path / "home-b" / "config"))
    monkeypatch.setenv("XERO_CONNECT_DATA_DIR", str(tmp_path / "home-b" / "data"))
    other = connect(sandbox, sandbox_app, callback_ports)
    with Ledger() as fresh:
        assert fresh.drafted(other.settings.tenant_id) == {}
        report = run(other, fresh, quotes)
        assert (report.drafted, report.count("found")) == (0, 12)
        sentences = {r.number: r.sentence() for r in report.results}
        first = live_invoices(sandbox, other.settings.tenant_id)[0]
        expected = f"found in Xero as {first['InvoiceNumber']}; not drafted again"
        assert sentences[first["Reference"]] == expected
        assert puts(sandbox) == 1  # the first home's single batch of 12
        assert_ledger_equals_sandbox(sandbox, other, fresh)
        again = run(other, fresh, quotes)  # now the ledger knows: no lookup needed, nothing sent
        assert again.skipped_already_drafted == 12 and puts(sandbox) == 1


def test_a_deleted_ledger_drafts_nothing_again(sandbox, connected, capsys):
    code, out = cli(str(SAMPLE), "--sandbox", sandbox.base_url, capsys=capsys)
    assert code == EXIT_FAILED and f"Drafted {SAMPLE_VALID}," in out  # the sample has 2 invalid quotes
    (data_dir() / LEDGER_NAME).unlink()
    code, out = cli(str(SAMPLE), "--sandbox", sandbox.base_url, capsys=capsys)
    assert f"Drafted 0, skipped 0 already drafted, {SAMPLE_VALID} found in Xero already, 2 invalid" in out
    assert "CRM-Q-1001: found in Xero as INV-" in out
    with Ledger() as ledger:
        assert_ledger_equals_sandbox(sandbox, connected, ledger)


def test_an_invoice_someone_else_made_is_found_and_said_so(
    sandbox, connected, ledger, callback_ports, tmp_path, monkeypatch
):
    """A person typed the Reference in Xero, or another tool made it: not drafted again, and the
    sentence says it was not this app's, so the user can judge a coincidence."""
    tenant = connected.settings.tenant_id
    [quote] = make_quotes(1, prefix="HAND")
    monkeypatch.setenv("XERO_CONNECT_CONFIG_DIR", str(tmp_path / "tool" / "config"))
    monkeypatch.setenv("XERO_CONNECT_DATA_DIR", str(tmp_path / "tool" / "data"))
    another_tool = register_app(sandbox.base_url, callback_ports)
    tool = connect(sandbox, another_tool, callback_ports)
    with Ledger() as its_ledger:
        assert run(tool, its_ledger, [quote]).drafted == 1
    SecretStore("sandbox", another_tool.client_id).delete_all()
    [result] = run(connected, ledger, [quote]).results
    assert result.status == "found" and result.not_by_this_app
    assert "was not created by Xero Connect" in result.sentence()
    assert held(sandbox, connected)[quote.number] == 1 and ledger.drafted(tenant)[quote.source_id].found


# -- the same rows under another name or label --------------------------------------------------------


@pytest.mark.parametrize("name", ["orders.csv", "quotes-recorder.csv", "border-agency.csv"])
def test_the_same_file_under_another_name_is_already_drafted(sandbox, connected, tmp_path, capsys, name):
    first = tmp_path / "crm-quotes.csv"
    shutil.copy(SAMPLE, first)
    cli(str(first), "--sandbox", sandbox.base_url, capsys=capsys)
    renamed = tmp_path / name
    first.rename(renamed)
    _code, out = cli(str(renamed), "--sandbox", sandbox.base_url, capsys=capsys)
    assert out.splitlines()[-1] == f"Drafted 0, skipped {SAMPLE_VALID} already drafted, 2 invalid, 0 failed."
    assert puts(sandbox) == 1
    with Ledger() as ledger:
        assert_ledger_equals_sandbox(sandbox, connected, ledger)


def test_orders_of_a_json_export_and_a_changed_type_column_are_the_same_quotes(
    sandbox, connected, tmp_path, capsys
):
    rows = list(csv.reader(io.StringIO(SAMPLE.read_text(encoding="utf-8"))))

    def with_type(path: Path, label: str) -> Path:
        with path.open("w", newline="", encoding="utf-8") as handle:
            csv.writer(handle).writerows([[*rows[0], "Type"]] + [[*row, label] for row in rows[1:]])
        return path

    cli(str(with_type(tmp_path / "export.csv", "Quote")), "--sandbox", sandbox.base_url, capsys=capsys)
    as_orders = with_type(tmp_path / "export-orders.csv", "Order")
    _code, out = cli(str(as_orders), "--sandbox", sandbox.base_url, capsys=capsys)
    assert out.splitlines()[-1] == f"Drafted 0, skipped {SAMPLE_VALID} already drafted, 2 invalid, 0 failed."
    # A JSON export with an "orders" list holding one of those numbers: the same quote, not a new one.
    document = {
        "orders": [
            {
                "number": "CRM-Q-1001",
                "contact_name": "Acme Ltd",
                "date": "2026-11-02",
                "due_date": "2026-12-02",
                "currency": "GBP",
                "line_amount_types": "Exclusive",
                "lines": [
                    {
                        "description": "Software development, per hour",
                        "quantity": 12,
                        "unit_amount": 95,
                        "item_code": "DEV-HOUR",
                        "account_code": "200",
                        "tax_type": "OUTPUT2",
                    }
                ],
            }
        ]
    }
    as_json = tmp_path / "orders.json"
    as_json.write_text(json.dumps(document))
    _code, out = cli(str(as_json), "--sandbox", sandbox.base_url, capsys=capsys)
    assert "Drafted 0," in out and "CRM-Q-1001: changed since drafted as INV-" in out  # 3 lines → 1
    assert puts(sandbox) == 1


def test_numbers_that_differ_only_in_case_are_one_quote(sandbox, connected, ledger, tmp_path):
    tenant = connected.settings.tenant_id
    [upper] = make_quotes(1, prefix="CRM-Q")
    assert run(connected, ledger, [upper]).drafted == 1
    lower = dataclasses.replace(upper, number=" crm-q-0001")
    assert run(connected, ledger, [lower]).skipped_already_drafted == 1
    with Ledger(tmp_path / "fresh.sqlite") as fresh:  # and with no ledger: Xero's filter ignores case
        assert run(connected, fresh, [lower]).count("found") == 1
    assert held(sandbox, connected)[upper.number] == 1 and len(live_invoices(sandbox, tenant)) == 1
    # In one file, the two spellings cannot both be meant: both are refused, nothing is sent.
    export = tmp_path / "mixed.csv"
    export.write_text(
        "Quote Number,Customer,Description,Quantity,Unit Price\n"
        "Q-77,Acme Ltd,Widget,1,10\nq-77,Bayside Club,Widget,2,10\n"
    )
    loaded = load_file(export)
    assert loaded.quotes == [] and len(loaded.problems) == 2
    assert all("both are left out" in p.reason for p in loaded.problems)


# -- overlapping runs ---------------------------------------------------------------------------------


def test_overlapping_runs_on_one_organisation_take_turns_and_draft_each_quote_once(sandbox, connected):
    """Run A waits out Xero's minute limit after its first batch while run B, started meanwhile on an
    overlapping file, waits for A's lock; B then drafts only what A did not."""
    sandbox.post("limits", {"per_minute": 4})
    tenant = connected.settings.tenant_id
    quotes = make_quotes(120)
    a_started, b_waiting = threading.Event(), threading.Event()
    codes: dict[str, int] = {}
    outputs = {"a": io.StringIO(), "b": io.StringIO()}

    def on_progress_a(response, *args, **kwargs) -> None:
        if "/Invoices" in response.url and response.request.method == "PUT":
            a_started.set()
            b_waiting.wait(20)  # hold A inside its run until B has met the lock

    connected.session.hooks["response"].append(on_progress_a)

    def run_a() -> None:
        codes["a"] = run_draft(connected, lambda: _loaded(quotes[:80]), out=outputs["a"], err=io.StringIO())

    def run_b() -> None:
        other = connect_again(connected)
        err = _SignalOnWrite(b_waiting)
        codes["b"] = run_draft(other, lambda: _loaded(quotes[40:]), out=outputs["b"], err=err, wait=True)

    a = threading.Thread(target=run_a)
    a.start()
    assert a_started.wait(30)
    b = threading.Thread(target=run_b)
    b.start()
    a.join(60)
    b.join(60)
    connected.session.hooks["response"].remove(on_progress_a)
    assert codes == {"a": EXIT_OK, "b": EXIT_OK}
    assert outputs["b"].getvalue().splitlines()[-1].startswith("Drafted 40, skipped 40 already drafted")
    counts = held(sandbox, connected)
    assert {q.number: counts[q.number] for q in quotes} == {q.number: 1 for q in quotes}
    with Ledger() as ledger:
        assert_ledger_equals_sandbox(sandbox, connected, ledger)
        assert len(ledger.drafted(tenant)) == 120


def test_a_second_run_while_one_holds_the_lock_stops_with_who_holds_it(sandbox, connected, capsys):
    tenant = connected.settings.tenant_id
    before = accounting_calls(sandbox)
    with TenantLock(tenant, "Demo Company (UK)", "the Draft invoices window"):
        code, out = cli(str(SAMPLE), "--sandbox", sandbox.base_url, capsys=capsys)
    assert code == EXIT_STOPPED
    assert "Another drafting run for Demo Company (UK) is in progress (since " in out
    assert "the Draft invoices window)" in out and "Nothing was sent" in out
    assert puts(sandbox) == 0 and accounting_calls(sandbox) - before <= 6  # the organisation's facts only


def test_two_runs_sharing_a_ledger_without_the_lock_never_send_a_quote_twice(sandbox, connected, tmp_path):
    """Independently of the lock: the transaction that begins a batch re-reads the ledger, so a quote
    another run drafted (or has pending) since this run planned is dropped, never sent again."""
    tenant = connected.settings.tenant_id
    quotes = make_quotes(30)
    path = tmp_path / "shared.sqlite"
    with Ledger(path) as first, Ledger(path) as second:
        plan_first = make_plan(connected.client(), first, tenant, quotes[:20])
        plan_second = make_plan(connected.client(), second, tenant, quotes[10:])
        assert draft_invoices(connected.client(), tenant, plan_first, first).drafted == 20
        # The second plan is stale: its lookup ran before, and says 20 new. The claim finds them drafted.
        report = draft_invoices(connected.client(), tenant, plan_second, second)
        assert (report.drafted, report.skipped_already_drafted) == (10, 10)
        assert_ledger_equals_sandbox(sandbox, connected, second)
    counts = held(sandbox, connected)
    assert {q.number: counts[q.number] for q in quotes} == {q.number: 1 for q in quotes}


def test_a_recorded_invoice_is_never_replaced_by_another(tmp_path):
    with Ledger(tmp_path / "l.sqlite") as ledger:
        ledger.begin_batch("t", "a", {"q-1": "Q-1"})
        ledger.close_batch("t", "a", [DraftRow("q-1", "Q-1", "ID-A", "INV-0001")])
        ledger.begin_batch("t", "b", {"q-1": "Q-1"})
        ledger.close_batch("t", "b", [DraftRow("q-1", "Q-1", "ID-B", "INV-0002")])
        ledger.record("t", [DraftRow("q-1", "Q-1", "ID-C", "INV-0003", found=True)])
        assert ledger.drafted("t")["q-1"].invoice_id == "ID-A" and ledger.pending_batches("t") == []


# -- changed since drafted ----------------------------------------------------------------------------


def test_a_changed_quote_is_reported_updated_while_draft_and_refused_once_approved(
    sandbox, connected, ledger, capsys, tmp_path
):
    tenant = connected.settings.tenant_id
    export = tmp_path / "crm.csv"
    export.write_text(
        "Quote Number,Customer,Description,Quantity,Unit Price,Discount (%)\n"
        "Q-416,Acme Ltd,Widget,10,165.84,\n"
    )
    assert cli(str(export), "--sandbox", sandbox.base_url, capsys=capsys)[0] == EXIT_OK
    [invoice] = live_invoices(sandbox, tenant)
    number = invoice["InvoiceNumber"]
    export.write_text(HEADER + "Q-416,Acme Ltd,Widget,10,155.04\n")
    code, out = cli(str(export), "--sandbox", sandbox.base_url, capsys=capsys)
    assert code == EXIT_FAILED
    assert f"Q-416: changed since drafted as {number} (total 1,658.40 → 1,550.40); nothing was sent" in out
    assert "run again with --update-changed" in out
    code, out = cli(str(export), "--sandbox", sandbox.base_url, "--dry-run", capsys=capsys)
    assert code == EXIT_FAILED and "1 changed since drafted" in out
    code, out = cli(str(export), "--sandbox", sandbox.base_url, "--update-changed", capsys=capsys)
    assert code == EXIT_OK and f"Q-416: updated in Xero: {number} now has what the file says" in out
    [updated] = live_invoices(sandbox, tenant)
    assert updated["InvoiceID"] == invoice["InvoiceID"]
    assert Decimal(str(updated["SubTotal"])) == Decimal("1550.40")
    assert cli(str(export), "--sandbox", sandbox.base_url, capsys=capsys)[0] == EXIT_OK  # the same now
    updated["Status"] = "AUTHORISED"  # the user approves it in Xero
    export.write_text(HEADER + "Q-416,Acme Ltd,Widget,11,155.04\n")
    code, out = cli(str(export), "--sandbox", sandbox.base_url, "--update-changed", capsys=capsys)
    assert code == EXIT_FAILED
    assert f"{number} is AUTHORISED in Xero now, so it was not updated" in out
    assert Decimal(str(live_invoices(sandbox, tenant)[0]["SubTotal"])) == Decimal("1550.40")


def test_another_quote_reusing_a_drafted_number_is_not_silently_skipped(sandbox, connected, ledger):
    [quote] = make_quotes(1)
    run(connected, ledger, [quote])
    [reused] = make_quotes(1)
    reused.contact_name = "Southwind Cafe"
    reused.lines = [SourceLine("Something else entirely", Decimal(1), Decimal(10))]
    [result] = run(connected, ledger, [reused]).results
    assert result.status == "changed"
    assert f"customer {quote.contact_name.strip()} → Southwind Cafe" in result.sentence()
    assert "lines 2 → 1" in result.sentence()
    assert held(sandbox, connected)[quote.number] == 1


# -- exit codes ---------------------------------------------------------------------------------------


def test_exit_codes_scripts_can_trust(sandbox, connected, capsys, tmp_path):
    before = accounting_calls(sandbox)
    missing = tmp_path / "missing.csv"
    assert cli(str(missing), "--sandbox", sandbox.base_url, capsys=capsys)[0] == EXIT_REFUSED
    not_an_export = tmp_path / "notes.csv"
    not_an_export.write_text("hello,world\n1,2\n")
    code, out = cli(str(not_an_export), "--sandbox", sandbox.base_url, "--dry-run", capsys=capsys)
    assert code == EXIT_REFUSED and "the file was refused" in out
    all_invalid = tmp_path / "bad.csv"
    all_invalid.write_text("Quote Number,Customer,Description,Quantity,Unit Price\nQ-1,Acme,Widget,x,1\n")
    code, out = cli(str(all_invalid), "--sandbox", sandbox.base_url, capsys=capsys)
    assert code == EXIT_FAILED and "all 1 quote(s) are invalid" in out
    assert accounting_calls(sandbox) == before  # refused or all-invalid files cost no call to Xero
    good = tmp_path / "good.csv"
    good.write_text("Quote Number,Customer,Description,Quantity,Unit Price\nQ-1,Acme Ltd,Widget,1,10\n")
    assert cli(str(good), "--sandbox", sandbox.base_url, capsys=capsys)[0] == EXIT_OK
    assert cli(str(good), "--sandbox", sandbox.base_url, capsys=capsys)[0] == EXIT_OK  # already drafted
    assert cli("--sandbox", sandbox.base_url, capsys=capsys)[0] == EXIT_REFUSED  # no FILE
    # A day limit met mid-run stops the run: exit 3.
    sandbox.post("limits", {"per_day": accounting_calls(sandbox) + 3})
    more = tmp_path / "more.csv"
    more.write_text("Quote Number,Customer,Description,Quantity,Unit Price\nQ-2,Acme Ltd,Widget,1,10\n")
    code, out = cli(str(more), "--sandbox", sandbox.base_url, capsys=capsys)
    assert code == EXIT_STOPPED and "per day" in out


# -- helpers --------------------------------------------------------------------------------------------


def _loaded(quotes):
    from app.invoicing.records import LoadResult

    return LoadResult(list(quotes), [])


def connect_again(model: ConnectionModel) -> ConnectionModel:
    """A second program of the same user (the tray's window beside a scheduled CLI run)."""
    other = ConnectionModel("sandbox")
    other.retry_policy = model.retry_policy
    return other


class _SignalOnWrite(io.StringIO):
    """Standard error of run B: sets ``event`` when B says it is waiting for the lock."""

    def __init__(self, event: threading.Event) -> None:
        super().__init__()
        self.event = event

    def write(self, text: str) -> int:
        if "Waiting for it to finish" in text:
            self.event.set()
        return super().write(text)


def test_crm_text_reaches_the_terminal_without_escape_sequences(sandbox, connected):
    """Quote numbers and customer names are CRM data: an escape sequence in them must not reach the
    user's terminal (retitle it, clear it, or worse)."""
    from app.invoicing.records import LoadResult, RowProblem

    [quote] = make_quotes(1, prefix="ESC")
    quote.number = "ESC-1\x1b]0;owned\x07"
    quote.contact_name = "Evil \x1b[2JLtd\x9b"
    loaded = LoadResult([quote], [RowProblem("crm.csv", 3, "bad \x1b[31mred\x1b[0m", "ESC-2\x1b[H")])
    out = io.StringIO()
    run_draft(connected, lambda: loaded, dry_run=True, out=out, err=io.StringIO())
    text = out.getvalue()
    assert "ESC-1]0;owned" in text and "bad [31mred[0m" in text
    assert not any(ch in text for ch in "\x1b\x07\x9b")
