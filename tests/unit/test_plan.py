"""Planning without the network: defaults per tenant, payload shape, and what makes a quote invalid."""

from __future__ import annotations

import copy
from datetime import date
from decimal import Decimal

import pytest

from app.errors import InvalidInput
from app.invoicing.contacts import ContactDirectory
from app.invoicing.ledger import DraftRow, Ledger
from app.invoicing.plan import build_plan, choose_defaults, due_date, resolve_defaults
from app.invoicing.planned import CONTACT_WILL_BE_CREATED, Defaults, TenantFacts
from app.invoicing.records import SourceLine, SourceQuote
from app.invoicing.revenue_mapping import MappingNeeded, account_choices, describe, tax_choices
from app.invoicing.wire import content_key
from app.sandbox.seed import seed_orgs, tenant_id

TODAY = date(2026, 3, 2)


def facts_for(key: str = "uk", mutate=None) -> TenantFacts:
    org = copy.deepcopy(seed_orgs()[tenant_id(key)])
    if mutate:
        mutate(org)
    return TenantFacts.from_lists(
        org["organisation"], org["accounts"], org["tax_rates"], org["items"], currencies=org["currencies"]
    )


def quote(number: str = "Q-1", **fields) -> SourceQuote:
    lines = fields.pop("lines", [SourceLine("Consulting", Decimal("2"), Decimal("95.50"))])
    name = fields.pop("contact_name", "Acme Ltd")
    return SourceQuote(number=number, contact_name=name, lines=lines, **fields)


def directory() -> ContactDirectory:
    found = ContactDirectory()
    found.add({"ContactID": "c-acme", "Name": "Acme Ltd", "EmailAddress": "accounts@acme.example"})
    return found


def plan_one(q: SourceQuote, facts: TenantFacts | None = None, **kwargs):
    facts = facts or facts_for()
    [entry] = build_plan([q], facts, Defaults("200", "OUTPUT2"), directory(), {}, today=TODAY, **kwargs)
    return entry


@pytest.mark.parametrize("key", ["uk", "nz"])
def test_defaults_are_sales_200_with_the_output_tax(key):
    assert choose_defaults(facts_for(key)) == Defaults("200", "OUTPUT2")


def test_defaults_fall_back_to_another_revenue_account_and_an_on_income_rate():
    def archive_200_and_rename_taxes(org):
        next(a for a in org["accounts"] if a["Code"] == "200")["Status"] = "ARCHIVED"
        for rate in org["tax_rates"]:
            if rate["TaxType"] == "OUTPUT2":
                rate["Status"] = "DELETED"
        org["tax_rates"].append(
            {
                "Name": "GST on Income",
                "TaxType": "TAX001",
                "Status": "ACTIVE",
                "CanApplyToRevenue": True,
                "EffectiveRate": 10.0,
            }
        )

    chosen = choose_defaults(facts_for(mutate=archive_200_and_rename_taxes))
    assert chosen.account_code == "260"
    assert chosen.tax_type == "TAX001"  # the highest "on Income" rate, not a zero or exempt one


def test_no_revenue_account_is_a_sentence():
    def no_revenue(org):
        org["accounts"] = [a for a in org["accounts"] if a["Type"] != "REVENUE"]

    with pytest.raises(InvalidInput, match="--account"):
        choose_defaults(facts_for(mutate=no_revenue))


def test_the_choice_is_remembered_per_tenant_and_overrides_are_for_one_run():
    with Ledger() as ledger:
        assert resolve_defaults(facts_for(), ledger, "t1") == Defaults("200", "OUTPUT2")
        ledger.save_tenant_defaults("t1", "260", "RROUTPUT")  # e.g. chosen by an earlier version
        assert resolve_defaults(facts_for(), ledger, "t1") == Defaults("260", "RROUTPUT")
        assert resolve_defaults(facts_for(), ledger, "t1", "270", "NONE") == Defaults("270", "NONE")
        assert ledger.tenant_defaults("t1") == ("260", "RROUTPUT")
        with pytest.raises(InvalidInput, match="--account 999"):
            resolve_defaults(facts_for(), ledger, "t1", account="999")
        with pytest.raises(InvalidInput, match="--tax-type INPUT2"):
            resolve_defaults(facts_for(), ledger, "t1", tax_type="INPUT2")  # not for sales
        assert resolve_defaults(facts_for(), ledger, "t2", remember=False) == Defaults("200", "OUTPUT2")
        assert ledger.tenant_defaults("t2") is None


def test_a_remembered_account_archived_since_is_a_fix_the_mapping_sentence():
    with Ledger() as ledger:
        ledger.save_tenant_defaults("t1", "260", "OUTPUT2")

        def archive_260(org):
            next(a for a in org["accounts"] if a["Code"] == "260")["Status"] = "ARCHIVED"

        facts = facts_for(mutate=archive_260)
        with pytest.raises(MappingNeeded) as refused:
            resolve_defaults(facts, ledger, "t1")
        assert str(refused.value) == (
            "Account 260 is archived in Demo Company (UK): fix the mapping by "
            "choosing another revenue account (or --account CODE)."
        )
        assert ledger.tenant_defaults("t1") == ("260", "OUTPUT2")  # never silently replaced
        assert resolve_defaults(facts, ledger, "t1", account="200") == Defaults("200", "OUTPUT2")
        with pytest.raises(MappingNeeded, match="Tax rate OUTPUT2 is no longer active"):
            no_output2 = facts_for(mutate=lambda org: org["tax_rates"].pop(0))
            resolve_defaults(no_output2, ledger, "t1", account="200")


def test_the_choices_are_active_revenue_accounts_sales_first_and_output_rates():
    def add_system_and_archived(org):
        org["accounts"] += [
            {"Code": "201", "Name": "Old Sales", "Type": "REVENUE", "Status": "ARCHIVED"},
            {
                "Code": "199",
                "Name": "Rounding",
                "Type": "REVENUE",
                "Status": "ACTIVE",
                "SystemAccount": "ROUNDING",
            },
        ]

    facts = facts_for(mutate=add_system_and_archived)
    assert [c.code for c in account_choices(facts)] == ["200", "260", "270"]
    assert account_choices(facts)[0].label == "200 — Sales"
    assert [c.code for c in tax_choices(facts)] == [
        "OUTPUT2",
        "RROUTPUT",
        "EXEMPTOUTPUT",
        "ZERORATEDOUTPUT",
        "NONE",
    ]
    assert describe(facts, Defaults("200", "OUTPUT2")) == (
        "Lines without their own account go to 200 Sales with 20% (VAT on Income) (OUTPUT2)."
    )


def test_payload_is_a_draft_sales_invoice_with_only_the_contact_id():
    lines = [
        SourceLine("Consulting", Decimal("2"), Decimal("95.50"), discount_rate=Decimal("10")),
        SourceLine("", Decimal("1.5"), Decimal("24.5"), item_code="widget-a"),
    ]
    entry = plan_one(quote(lines=lines, contact_name="  acme   LTD "))
    assert entry.status == "new" and entry.reason == ""
    assert entry.payload == {
        "Type": "ACCREC",
        "Status": "DRAFT",
        "Contact": {"ContactID": "c-acme"},
        "LineItems": [
            {
                "Description": "Consulting",
                "Quantity": 2,
                "UnitAmount": 95.5,
                "DiscountRate": 10,
                "AccountCode": "200",
                "TaxType": "OUTPUT2",
            },
            {
                "Description": "Widget A, standard finish",
                "Quantity": 1.5,
                "UnitAmount": 24.5,
                "ItemCode": "WIDGET-A",
                "AccountCode": "200",
                "TaxType": "OUTPUT2",
            },
        ],
        "Reference": "Q-1",
        "Date": "2026-03-02",
        "DueDate": "2026-03-16",
        "LineAmountTypes": "Exclusive",
    }


def test_quote_dates_currency_and_no_tax_are_kept():
    q = quote(date=date(2026, 1, 5), due_date=date(2026, 2, 1), currency="gbp", line_amount_types="NOTAX")
    payload = plan_one(q).payload
    assert (payload["Date"], payload["DueDate"]) == ("2026-01-05", "2026-02-01")
    assert payload["CurrencyCode"] == "GBP"
    assert payload["LineAmountTypes"] == "NoTax" and payload["LineItems"][0]["TaxType"] == "NONE"


def test_contact_by_name_by_xero_id_or_to_be_created_and_an_email_alone_is_only_offered():
    by_name = plan_one(quote(contact_name="ACME ltd", contact_email="other@acme.example"))
    assert by_name.payload["Contact"] == {"ContactID": "c-acme"}
    by_mail = plan_one(quote(contact_name="Jane Smith Consulting", contact_email="Accounts@Acme.example"))
    assert (by_mail.status, by_mail.near_contacts) == ("invalid", ["Acme Ltd"])
    assert by_mail.reason == (
        "the customer 'Jane Smith Consulting' is not in Demo Company (UK) by that name, but the contact "
        "'Acme Ltd' has its e-mail address Accounts@Acme.example; choose to use the existing contact or "
        "to create a new one (nothing is sent for it until then)"
    )
    chosen = plan_one(by_mail.source, contacts={"jane smith consulting": "Acme Ltd"})
    assert chosen.payload["Contact"] == {"ContactID": "c-acme"}
    new_one = plan_one(by_mail.source, contacts={"jane smith consulting": None})
    assert new_one.new_contact == {"Name": "Jane Smith Consulting", "EmailAddress": "Accounts@Acme.example"}
    both = plan_one(quote(contact_name="ACME Limited", contact_email="accounts@acme.example"))
    assert both.near_contacts == ["Acme Ltd"] and "is a near match" in both.reason
    from_xero = plan_one(quote(contact_name="Whoever", xero_contact_id="c-xero"))
    assert from_xero.payload["Contact"] == {"ContactID": "c-xero"}
    new = plan_one(quote(contact_name=" New  Shop ", contact_email="a@new.example"))
    assert (new.status, new.reason) == ("new", CONTACT_WILL_BE_CREATED)
    assert new.new_contact == {"Name": "New Shop", "EmailAddress": "a@new.example"}
    new.set_contact("c-new")
    assert new.payload["Contact"] == {"ContactID": "c-new"} and new.reason == ""


@pytest.mark.parametrize(
    ("q", "reason"),
    [
        (quote(lines=[SourceLine("x", Decimal(1), Decimal(1), account_code="999")]), "account code '999'"),
        (quote(lines=[SourceLine("x", Decimal(1), Decimal(1), tax_type="INPUT2")]), "tax type 'INPUT2'"),
        (quote(lines=[SourceLine("x", Decimal(1), Decimal(1), item_code="NOPE")]), "item code 'NOPE'"),
        (
            quote(currency="JPY"),
            "currency JPY is not enabled in Demo Company (UK) (it has GBP, EUR, USD); "
            "to draft it, add JPY in Xero under Accounting settings → Currencies",
        ),
        (quote(lines=[]), "no lines"),
        (quote(line_amount_types="Gross"), "not Exclusive, Inclusive or NoTax"),
        (quote(contact_name=" "), "no contact name"),
        (quote(number="Q" * 256), "longer than 255"),
    ],
)
def test_what_xero_would_refuse_is_invalid_with_a_reason(q, reason):
    entry = plan_one(q)
    assert entry.status == "invalid" and reason in entry.reason


def test_drafted_duplicate_and_loader_flagged_quotes():
    quotes = [quote("Q-1"), quote("Q-2"), quote("Q-2"), quote("Q-3"), quote("Q-1", kind="order")]
    drafted = {"q-1": DraftRow("q-1", "Q-1", "id", "INV-0009")}
    plan = build_plan(
        quotes,
        facts_for(),
        Defaults("200", "OUTPUT2"),
        directory(),
        drafted,
        blocked={"Q-3": "bad price"},
        today=TODAY,
    )
    assert [(e.status, e.invoice_number) for e in plan][:2] == [("drafted", "INV-0009"), ("new", "")]
    assert plan[2].status == "invalid" and "more than once" in plan[2].reason
    assert (plan[3].status, plan[3].reason) == ("invalid", "bad price")
    # An order with a quote's number is the same Reference to Xero: refused, never a second invoice.
    assert plan[4].status == "invalid" and "more than once" in plan[4].reason


def test_due_date_follows_the_organisations_sales_terms():
    day = date(2026, 1, 20)
    assert due_date(day, {}) == date(2026, 2, 3)
    assert due_date(day, {"Day": 30, "Type": "DAYSAFTERBILLDATE"}) == date(2026, 2, 19)
    assert due_date(day, {"Day": 10, "Type": "DAYSAFTERBILLMONTH"}) == date(2026, 2, 10)
    assert due_date(day, {"Day": 31, "Type": "OFCURRENTMONTH"}) == date(2026, 1, 31)
    assert due_date(date(2026, 12, 5), {"Day": 31, "Type": "OFFOLLOWINGMONTH"}) == date(2027, 1, 31)
    assert due_date(date(2026, 1, 5), {"Day": 31, "Type": "OFFOLLOWINGMONTH"}) == date(2026, 2, 28)


def test_the_idempotency_key_depends_on_tenant_and_content_only():
    a = [{"Reference": "Q-1", "LineItems": [{"Quantity": 1, "UnitAmount": 2}]}]
    b = [{"LineItems": [{"UnitAmount": 2, "Quantity": 1}], "Reference": "Q-1"}]
    assert content_key("t1", "Invoices", a) == content_key("t1", "Invoices", b)
    assert content_key("t2", "Invoices", a) != content_key("t1", "Invoices", a)
    assert len(content_key("t1", "Invoices", a)) <= 128
