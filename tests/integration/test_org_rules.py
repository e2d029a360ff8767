"""What Xero receives is what the organisation expects, drafted through the sandbox over loopback:
currencies, account and tax, tracking, contacts, totals read back, lock dates and roles, provenance."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta
from decimal import Decimal

import pytest

from app.cli import main
from app.cli.draft import run_draft
from app.cli.draft_options import EXIT_FAILED, EXIT_OK, EXIT_REFUSED
from app.invoicing.drafting import draft_invoices
from app.invoicing.plan import make_plan
from app.invoicing.records import LoadResult, SourceLine, SourceQuote
from app.invoicing.sources import load_xero_quotes
from app.sandbox.fmt import parse_date
from app.ui.invoices_session import DraftSession, PlanOutcome, export_rows
from tests.helpers.drafting import held, make_quotes, puts, run

pytestmark = pytest.mark.usefixtures("real_keyring")
CURRENCIES = "GET /api.xro/2.0/Currencies"


def org_of(sandbox, model) -> dict:
    return sandbox.state.orgs[model.settings.tenant_id]


def invoice_for(sandbox, model, number: str) -> dict:
    return next(i for i in org_of(sandbox, model)["invoices"] if i.get("Reference") == number)


def test_a_eur_quote_drafts_in_eur_when_the_organisation_has_it_enabled(sandbox, connected, ledger):
    quotes = make_quotes(2, currency="EUR")
    report = run(connected, ledger, quotes)
    assert report.drafted == 2
    assert {invoice_for(sandbox, connected, q.number)["CurrencyCode"] for q in quotes} == {"EUR"}
    assert sandbox.state.counters["by_endpoint"][CURRENCIES] == 1  # read once per run


def test_a_eur_quote_is_a_sentence_when_eur_is_not_enabled(sandbox, connected, ledger):
    org = org_of(sandbox, connected)
    with sandbox.state.lock:
        org["currencies"] = [c for c in org["currencies"] if c["Code"] != "EUR"]
    [quote] = make_quotes(1, currency="eur")
    report = run(connected, ledger, [quote])
    [result] = report.results
    assert result.status == "invalid"
    assert result.message.startswith(
        "currency EUR is not enabled in Demo Company (UK) (it has GBP, USD); "
        "to draft it, add EUR in Xero under Accounting settings → Currencies"
    )
    assert puts(sandbox) == 0 and held(sandbox, connected)[quote.number] == 0


def test_an_archived_account_is_a_fix_the_mapping_sentence_before_sending(sandbox, connected, ledger):
    tenant = connected.settings.tenant_id
    ledger.save_tenant_defaults(tenant, "260", "OUTPUT2")  # chosen in an earlier run
    with sandbox.state.lock:
        next(a for a in org_of(sandbox, connected)["accounts"] if a["Code"] == "260")["Status"] = "ARCHIVED"
    loaded = LoadResult(make_quotes(2))
    out, err = io.StringIO(), io.StringIO()
    assert run_draft(connected, lambda: loaded, out=out, err=err) == EXIT_REFUSED
    assert err.getvalue() == (
        "Error: Account 260 is archived in Demo Company (UK): fix the mapping by "
        "choosing another revenue account (or --account CODE).\n"
    )
    assert puts(sandbox) == 0
    out = io.StringIO()
    assert run_draft(connected, lambda: loaded, dry_run=True, account="200", out=out, err=err) == EXIT_OK
    assert out.getvalue().startswith(
        "Lines without their own account go to 200 Sales with 20% (VAT on Income) (OUTPUT2).\n"
    )


def test_a_fixed_tracking_option_for_the_run_lands_on_every_line(sandbox, connected, ledger):
    quotes = make_quotes(2)
    out, err = io.StringIO(), io.StringIO()
    fixed = {"region": "north", "Department": "Sales"}
    code = run_draft(connected, lambda: LoadResult(quotes), tracking=fixed, out=out, err=err)
    assert code == EXIT_OK, out.getvalue() + err.getvalue()
    for quote in quotes:
        for line in invoice_for(sandbox, connected, quote.number)["LineItems"]:
            assert [(t["Name"], t["Option"]) for t in line["Tracking"]] == [
                ("Region", "North"),
                ("Department", "Sales"),
            ]
    other = LoadResult(make_quotes(1, prefix="T"))
    nowhere = {"Region": "Nowhere"}
    assert run_draft(connected, lambda: other, tracking=nowhere, out=out, err=err) == EXIT_REFUSED
    assert (
        "--tracking: tracking option 'Nowhere' does not exist in the Region category of Demo Company "
        "(UK) (its active options: North, South)"
    ) in err.getvalue()


def test_a_mapped_tracking_option_per_quote_that_exists_and_one_that_does_not(sandbox, connected, ledger):
    good, bad, archived = make_quotes(3)
    good.tracking = {"Region": "South"}
    bad.tracking = {"Region": "Nowhere"}
    archived.tracking = {"Region": "West"}  # archived in Xero
    report = run(connected, ledger, [good, bad, archived])
    by_number = {r.number: r for r in report.results}
    assert by_number[good.number].status == "drafted"
    line = invoice_for(sandbox, connected, good.number)["LineItems"][0]
    assert [(t["Name"], t["Option"]) for t in line["Tracking"]] == [("Region", "South")]
    for quote, option in ((bad, "Nowhere"), (archived, "West")):
        assert by_number[quote.number].status == "invalid"
        assert by_number[quote.number].message == (
            f"line 1: tracking option '{option}' does not exist in the Region category of Demo Company (UK) "
            "(its active options: North, South); add it in Xero or correct the file"
        )
    assert held(sandbox, connected)[bad.number] == 0


def test_a_near_match_contact_waits_for_the_users_choice_in_both_directions(sandbox, connected, ledger):
    org = org_of(sandbox, connected)
    acme_id = next(c["ContactID"] for c in org["contacts"] if c["Name"] == "Acme Ltd")
    contacts_before = len(org["contacts"])
    [quote] = make_quotes(1, prefix="N")
    quote.contact_name = "ACME Limited"
    loaded = LoadResult([quote])
    out = io.StringIO()
    assert run_draft(connected, lambda: loaded, out=out, err=io.StringIO()) == EXIT_FAILED
    assert (
        f"{quote.number}: invalid: the customer 'ACME Limited' is not in Demo Company (UK) by that name, "
        "but 'Acme Ltd' is a near match; choose to use the existing contact or to create a new one "
        "(nothing is sent for it until then)"
    ) in out.getvalue()
    assert (
        "To choose for 'ACME Limited': --use-contact \"ACME Limited=Acme Ltd\" (the existing contact) or "
        '--new-contact "ACME Limited" (a new one).'
    ) in out.getvalue()
    assert puts(sandbox) == 0 and len(org["contacts"]) == contacts_before

    use = {"acme limited": "Acme Ltd"}
    assert run_draft(connected, lambda: loaded, contacts=use, out=io.StringIO(), err=io.StringIO()) == EXIT_OK
    assert invoice_for(sandbox, connected, quote.number)["Contact"]["ContactID"] == acme_id
    assert len(org["contacts"]) == contacts_before

    [other] = make_quotes(1, prefix="P")
    other.contact_name = "Acme Limited"
    new = {"acme limited": None}
    assert (
        run_draft(connected, lambda: LoadResult([other]), contacts=new, out=io.StringIO(), err=io.StringIO())
        == EXIT_OK
    )
    made = invoice_for(sandbox, connected, other.number)["Contact"]
    assert made["ContactID"] != acme_id and made["Name"] == "Acme Limited"
    assert len(org["contacts"]) == contacts_before + 1


def _half_cent_quote(number: str) -> SourceQuote:
    # Two lines of 45.45 at 5 %: Xero's tax per line is 2.27 + 2.27 = 4.54; per invoice it is 4.55.
    lines = [SourceLine("Half day", Decimal(1), Decimal("45.45"), tax_type="RROUTPUT")] * 2
    return SourceQuote(number=number, contact_name="Acme Ltd", lines=lines)


def test_a_total_a_cent_off_after_xeros_per_line_rounding_is_reported(sandbox, connected, ledger, tmp_path):
    quote = _half_cent_quote("R-1")
    quote.total = Decimal("95.45")  # the CRM rounded the tax on the whole quote
    same = _half_cent_quote("R-2")
    same.total = Decimal("95.44")
    out = io.StringIO()
    assert run_draft(connected, lambda: LoadResult([quote, same]), out=out, err=io.StringIO()) == EXIT_FAILED
    assert invoice_for(sandbox, connected, "R-1")["Total"] == 95.44
    number = invoice_for(sandbox, connected, "R-1")["InvoiceNumber"]
    assert (
        f"R-1: drafted as {number}, but Xero's figures differ: total 95.44 in Xero, 95.45 in the CRM "
        "(-0.01; Xero rounds tax per line); check the draft in Xero"
    ) in out.getvalue()
    exact = invoice_for(sandbox, connected, "R-2")["InvoiceNumber"]
    assert f"R-2: drafted as {exact}\n" in out.getvalue()


def test_xero_computing_other_figures_than_the_program_is_reported(sandbox, connected, ledger, tmp_path):
    client = connected.client()
    quote = _half_cent_quote("R-3")
    plan = make_plan(client, ledger, connected.settings.tenant_id, [quote])
    with sandbox.state.lock:  # the rate changed in Xero between planning and sending
        rate = next(r for r in org_of(sandbox, connected)["tax_rates"] if r["TaxType"] == "RROUTPUT")
        rate["EffectiveRate"] = 6.0
    report = draft_invoices(client, connected.settings.tenant_id, plan, ledger)
    [result] = report.results
    assert result.status == "drafted"
    assert result.difference == "total 96.36 in Xero, 95.44 computed; tax 5.46 in Xero, 4.54 computed"
    session = DraftSession(LoadResult([quote]))  # the window's rows and the results export
    session.apply_plan(PlanOutcome(plan, {}))
    session.apply_report(report)
    assert session.rows[0].status_text.startswith("Drafted as INV-")
    assert "but Xero's figures differ: total 96.36 in Xero" in session.rows[0].status_text
    export_rows(session.rows, tmp_path / "results.csv")
    with open(tmp_path / "results.csv", encoding="utf-8-sig", newline="") as handle:
        [row] = list(csv.DictReader(handle))
    assert row["status"] == "Drafted" and row["message"] == result.sentence()


def _sandbox_org(sandbox, model, **body) -> None:
    sandbox.post(f"organisations/{model.settings.tenant_id}", body)


def test_a_quote_inside_the_lock_date_is_a_sentence_in_the_dry_run(sandbox, connected, ledger):
    _sandbox_org(sandbox, connected, period_lock_date="2026-03-31")
    inside, after = make_quotes(2, prefix="L")
    inside.date, after.date = date(2026, 3, 31), date(2026, 4, 1)
    loaded = LoadResult([inside, after])
    out = io.StringIO()
    assert run_draft(connected, lambda: loaded, dry_run=True, out=out, err=io.StringIO()) == EXIT_FAILED
    assert (
        "L-0001: invalid: its date 2026-03-31 is on or before the period lock date of Demo Company (UK) "
        "(2026-03-31), so Xero would refuse it; date the quote after 2026-03-31 or ask the "
        "organisation's adviser to move the lock date"
    ) in out.getvalue()
    assert "L-0002: to draft for" in out.getvalue()
    assert run_draft(connected, lambda: loaded, out=io.StringIO(), err=io.StringIO()) == EXIT_FAILED
    assert held(sandbox, connected)["L-0001"] == 0 and held(sandbox, connected)["L-0002"] == 1


def test_a_read_only_role_is_a_sentence_before_anything_is_sent(sandbox, connected, ledger):
    _sandbox_org(sandbox, connected, user_role="READONLY")
    loaded = LoadResult(make_quotes(2))
    for dry_run in (True, False):
        err = io.StringIO()
        code = run_draft(connected, lambda: loaded, dry_run=dry_run, out=io.StringIO(), err=err)
        assert code == EXIT_REFUSED
        assert err.getvalue().startswith(
            "Error: The Xero user who connected this program to Demo Company (UK) may not create draft"
        )
    assert puts(sandbox) == 0


HISTORY = "PUT /api.xro/2.0/Invoices/{id}/History"


def test_each_drafted_invoice_says_where_it_came_from(sandbox, connected, ledger):
    quotes = make_quotes(3, prefix="H")
    quotes[0].url = "https://crm.example.com/quotes/H-0001"
    quotes[1].kind = "order"
    quotes[2].url = "https://xero-crm.example.com/q/3"  # Xero refuses "xero" in Invoice.Url
    report = run(connected, ledger, quotes)
    by_number = {r.number: r for r in report.results}
    assert by_number["H-0003"].status == "invalid" and 'contains "xero"' in by_number["H-0003"].message
    first = invoice_for(sandbox, connected, "H-0001")
    assert first["Url"] == "https://crm.example.com/quotes/H-0001"
    assert "Url" not in invoice_for(sandbox, connected, "H-0002")
    notes = {
        n: [h["Details"] for h in invoice_for(sandbox, connected, n)["_history"] if h["Changes"] == "Note"]
        for n in ("H-0001", "H-0002")
    }
    assert notes == {
        "H-0001": ["Drafted from CRM quote H-0001 by Xero Connect"],
        "H-0002": ["Drafted from CRM order H-0002 by Xero Connect"],
    }
    assert sandbox.state.counters["by_endpoint"][HISTORY] == 2  # one per drafted invoice
    again = run(connected, ledger, quotes[:2])  # nothing drafted: no note
    assert again.skipped_already_drafted == 2 and sandbox.state.counters["by_endpoint"][HISTORY] == 2


def test_a_note_that_cannot_be_written_is_reported_and_the_invoice_stays_once(sandbox, connected, ledger):
    sandbox.post(
        "faults",
        {"kind": "500", "count": 4, "path_prefix": "/api.xro/2.0/Invoices/", "method": "PUT"},
    )
    [quote] = make_quotes(1, prefix="F")
    out = io.StringIO()
    assert run_draft(connected, lambda: LoadResult([quote]), out=out, err=io.StringIO()) == EXIT_OK
    assert held(sandbox, connected)["F-0001"] == 1
    number = invoice_for(sandbox, connected, "F-0001")["InvoiceNumber"]
    assert f'1 drafted invoice(s) ({number}) have no "Drafted from" note in Xero: ' in out.getvalue()


def test_invoices_from_xero_quotes_are_dated_today_and_due_by_the_contacts_terms(sandbox, connected, ledger):
    org = org_of(sandbox, connected)
    with sandbox.state.lock:
        org["organisation"]["PaymentTerms"] = {"Sales": {"Day": 20, "Type": "OFFOLLOWINGMONTH"}}
    today = date.today()

    def from_xero():
        return load_xero_quotes(connected.client())

    assert run_draft(connected, from_xero, out=io.StringIO(), err=io.StringIO()) == EXIT_OK
    quotes = {q["QuoteNumber"]: q for q in org["quotes"] if q["Status"] == "ACCEPTED"}
    ridgeway = invoice_for(sandbox, connected, "QU-0006")  # Ridgeway University: 30 days after the date
    assert parse_date(ridgeway["Date"]) == today
    assert parse_date(ridgeway["DueDate"]) == today + timedelta(days=30)
    acme = invoice_for(sandbox, connected, "QU-0005")  # no terms of its own: the organisation's
    assert parse_date(acme["Date"]) == today
    following = date(today.year + (today.month == 12), today.month % 12 + 1, 20)
    assert parse_date(acme["DueDate"]) == following
    assert quotes["QU-0005"]["DateString"][:10] != today.isoformat()  # the quote's own date was not used


def test_keep_quote_date_dates_invoices_from_xero_quotes_on_the_quotes_date(sandbox, connected, ledger):
    def from_xero():
        return load_xero_quotes(connected.client())

    code = run_draft(connected, from_xero, keep_quote_date=True, out=io.StringIO(), err=io.StringIO())
    assert code == EXIT_OK
    quote = next(q for q in org_of(sandbox, connected)["quotes"] if q["QuoteNumber"] == "QU-0005")
    invoice = invoice_for(sandbox, connected, "QU-0005")
    assert parse_date(invoice["Date"]) == parse_date(quote["Date"])
    quoted = parse_date(quote["Date"])
    assert quoted is not None and parse_date(invoice["DueDate"]) == quoted + timedelta(days=14)


def _tracking(line: dict) -> list[tuple[str, str]]:
    return [(t["Name"], t["Option"]) for t in line.get("Tracking") or []]


def test_a_tracking_column_of_the_file_reaches_xero_and_an_unknown_option_is_a_sentence(
    sandbox, connected, capsys, tmp_path
):
    path = tmp_path / "quotes.csv"
    path.write_text(
        "Quote Number,Customer,Description,Unit Price,Area,Department\n"
        "TR-1,Acme Ltd,Widget,10,North,Sales\n"
        ",,Gadget,5,South,\n"  # filled down: TR-1's second line, its own Region, Department repeated
        "TR-2,Acme Ltd,Widget,10,Nowhere,Sales\n"
        "TR-3,Acme Ltd,Widget,10,,\n",  # empty: the run's fixed option, else no tracking
        encoding="utf-8",
    )
    maps = ["--map", "tracking:Region=Area", "--map", "tracking=Department", "--fill-down"]
    code = main(["draft", str(path), "--sandbox", sandbox.base_url, *maps, "--tracking", "Region=South"])
    out = capsys.readouterr().out
    assert code == EXIT_FAILED, out
    assert "  'Area'         → tracking:Region (--map)" in out
    assert (
        "TR-2: invalid: line 1: tracking option 'Nowhere' does not exist in the Region category of Demo "
        "Company (UK) (its active options: North, South); add it in Xero or correct the file"
    ) in out
    assert [_tracking(line) for line in invoice_for(sandbox, connected, "TR-1")["LineItems"]] == [
        [("Region", "North"), ("Department", "Sales")],  # the file's value wins over --tracking
        [("Region", "South"), ("Department", "Sales")],
    ]
    assert [_tracking(line) for line in invoice_for(sandbox, connected, "TR-3")["LineItems"]] == [
        [("Region", "South")]
    ]
    assert held(sandbox, connected)["TR-2"] == 0


def test_a_lines_tracking_wins_over_its_quotes_and_a_third_category_is_a_sentence(
    sandbox, connected, capsys, tmp_path
):
    path = tmp_path / "quotes.json"
    quote = {"customer": "Acme Ltd", "tracking": {"Region": "North"}}
    path.write_text(
        json.dumps(
            [
                {
                    **quote,
                    "number": "TJ-1",
                    "lines": [
                        {"description": "a", "unit_price": 10},
                        {
                            "description": "b",
                            "unit_price": 5,
                            "tracking": {"region": "south", "Department": "Support"},
                        },
                    ],
                },
                {
                    **quote,
                    "number": "TJ-2",
                    "lines": [
                        {
                            "description": "c",
                            "unit_price": 1,
                            "tracking": {"Department": "Sales", "Project": "X"},
                        }
                    ],
                },
            ]
        ),
        encoding="utf-8",
    )
    code = main(["draft", str(path), "--sandbox", sandbox.base_url])
    out = capsys.readouterr().out
    assert code == EXIT_FAILED, out
    assert [_tracking(line) for line in invoice_for(sandbox, connected, "TJ-1")["LineItems"]] == [
        [("Region", "North")],
        [("Region", "South"), ("Department", "Support")],
    ]
    assert "TJ-2: invalid: line 1: it has 3 tracking categories; Xero allows at most 2" in out
    assert held(sandbox, connected)["TJ-2"] == 0


def test_a_customer_matching_only_by_e_mail_waits_for_the_users_choice_in_both_directions(
    sandbox, connected, ledger
):
    org = org_of(sandbox, connected)
    acme_id = next(c["ContactID"] for c in org["contacts"] if c["Name"] == "Acme Ltd")
    contacts_before = len(org["contacts"])
    [quote] = make_quotes(1, prefix="EM")
    quote.contact_name, quote.contact_email = "Jane Smith Consulting", "ACCOUNTS@acme.example"
    loaded = LoadResult([quote])
    out = io.StringIO()
    assert run_draft(connected, lambda: loaded, out=out, err=io.StringIO()) == EXIT_FAILED
    assert (
        f"{quote.number}: invalid: the customer 'Jane Smith Consulting' is not in Demo Company (UK) by that "
        "name, but the contact 'Acme Ltd' has its e-mail address ACCOUNTS@acme.example; choose to use the "
        "existing contact or to create a new one (nothing is sent for it until then)"
    ) in out.getvalue()
    assert (
        "To choose for 'Jane Smith Consulting': --use-contact \"Jane Smith Consulting=Acme Ltd\" (the "
        'existing contact) or --new-contact "Jane Smith Consulting" (a new one).'
    ) in out.getvalue()
    assert puts(sandbox) == 0 and len(org["contacts"]) == contacts_before

    new = {"jane smith consulting": None}
    assert run_draft(connected, lambda: loaded, contacts=new, out=io.StringIO(), err=io.StringIO()) == EXIT_OK
    made = invoice_for(sandbox, connected, quote.number)["Contact"]
    assert made["ContactID"] != acme_id and made["Name"] == "Jane Smith Consulting"
    assert len(org["contacts"]) == contacts_before + 1

    [other] = make_quotes(1, prefix="EU")
    other.contact_name, other.contact_email = "Acme Trading", "accounts@acme.example"
    use = {"acme trading": "Acme Ltd"}
    code = run_draft(
        connected, lambda: LoadResult([other]), contacts=use, out=io.StringIO(), err=io.StringIO()
    )
    assert code == EXIT_OK
    assert invoice_for(sandbox, connected, other.number)["Contact"]["ContactID"] == acme_id
    assert len(org["contacts"]) == contacts_before + 1


def test_a_column_named_as_a_tracking_category_is_never_dropped_in_silence(
    sandbox, connected, capsys, tmp_path
):
    """The command reads the file before it asks Xero, so it cannot guess such a column; once it knows
    the organisation's categories it stops until the column is mapped or ignored on purpose."""
    path = tmp_path / "quotes.csv"
    path.write_text(
        "Quote Number,Customer,Description,Unit Price,Region\nTC-1,Acme Ltd,Widget,10,North\n",
        encoding="utf-8",
    )
    command = ["draft", str(path), "--sandbox", sandbox.base_url]
    assert main(command) == EXIT_REFUSED
    out = capsys.readouterr().out
    assert (
        "The column 'Region' has the name of the tracking category Region in Demo Company (UK) but is not "
        'used; add --map "tracking=Region" to set each line\'s option from it, or --map "ignored=Region" '
        "to leave it out (nothing was sent).\n"
    ) in out
    assert puts(sandbox) == 0

    assert main([*command, "--map", "ignored=Region"]) == EXIT_OK
    assert _tracking(invoice_for(sandbox, connected, "TC-1")["LineItems"][0]) == []

    path.write_text(path.read_text(encoding="utf-8").replace("TC-1", "TC-2"), encoding="utf-8")
    assert main([*command, "--map", "tracking=Region"]) == EXIT_OK
    assert _tracking(invoice_for(sandbox, connected, "TC-2")["LineItems"][0]) == [("Region", "North")]
