"""Quote or order → DRAFT sales invoice payload, checked against the organisation before anything is sent.

Only what Xero would refuse for certain (unknown account, tax type or item, a currency the organisation
has not enabled) is
caught here; anything subtler is left to Xero, whose own message then reaches the user.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from app.errors import InvalidInput
from app.invoicing.contact_names import ContactChoices, exact_key, near_match_sentence, same_email_sentence
from app.invoicing.contacts import ContactDirectory, new_contact_body
from app.invoicing.fingerprint import Summary, differences, quote_fingerprint, quote_summary
from app.invoicing.ledger import DraftRow, Ledger
from app.invoicing.lookup import find_drafted
from app.invoicing.permissions import check_may_draft, lock_problem
from app.invoicing.planned import CONTACT_WILL_BE_CREATED, Defaults, Plan, PlannedInvoice, TenantFacts
from app.invoicing.provenance import url_problem
from app.invoicing.readback import expected_totals
from app.invoicing.records import SourceLine, SourceQuote
from app.invoicing.revenue_mapping import NO_TAX, check_remembered, describe, output_rates, revenue_accounts
from app.invoicing.tracking import check_fixed, merged, resolve
from app.invoicing.wire import MAX_REQUEST_BYTES, body_size, too_large_sentence
from app.invoicing.xero_source import ORIGIN as XERO_ORIGIN
from app.xero.client import XeroClient

DEFAULT_DUE_DAYS = 14
AMOUNT_TYPES = {"exclusive": "Exclusive", "inclusive": "Inclusive", "notax": "NoTax"}
MAX_REFERENCE = 255


def choose_defaults(facts: TenantFacts) -> Defaults:
    """ "Sales" (or account 200) if it is an active revenue account, else the first; its output tax."""
    revenue = revenue_accounts(facts)
    if not revenue:
        raise InvalidInput(
            f"{facts.name} has no active revenue account to put the invoice lines on; choose one with "
            "--account CODE."
        )
    account = revenue[0]
    rates = output_rates(facts, account)
    if rates:
        return Defaults(account["Code"], rates[0]["TaxType"])
    raise InvalidInput(f"{facts.name} has no active tax rate for sales; choose one with --tax-type TYPE.")


def resolve_defaults(
    facts: TenantFacts,
    ledger: Ledger,
    tenant_id: str,
    account: str | None = None,
    tax_type: str | None = None,
    remember: bool = True,
) -> Defaults:
    """The remembered choice for this tenant (chosen and stored on the first run), then the overrides.

    The remembered choice is checked at the start of every run: one Xero no longer accepts (an archived
    account) is a MappingNeeded sentence unless this run overrides it. Overrides apply to this run only,
    so a one-off --account does not silently change later runs.
    """
    remembered = ledger.tenant_defaults(tenant_id)
    if remembered:
        chosen = Defaults(*remembered)
        # Only what this run takes from the remembered choice has to be usable.
        check_remembered(
            facts, None if account else chosen.account_code, None if tax_type else chosen.tax_type
        )
    else:  # first run: the preselected choice, remembered
        chosen = choose_defaults(facts)
        if remember:
            ledger.save_tenant_defaults(tenant_id, chosen.account_code, chosen.tax_type)
    if account is not None:
        if account not in facts.accounts:
            raise InvalidInput(f"--account {account}: {facts.name} has no active account with this code.")
        chosen = Defaults(account, chosen.tax_type)
    if tax_type is not None:
        if tax_type not in facts.tax_rates:
            raise InvalidInput(
                f"--tax-type {tax_type}: {facts.name} has no active tax rate of this type usable on sales."
            )
        chosen = Defaults(chosen.account_code, tax_type)
    return chosen


def due_date(invoice_date: date, terms: dict[str, Any]) -> date:
    """By sales payment terms (the contact's or the organisation's) when there are some, else 14 days."""
    day, kind = terms.get("Day"), str(terms.get("Type") or "")
    if not isinstance(day, int) or day < 0:
        return invoice_date + timedelta(days=DEFAULT_DUE_DAYS)
    year, month = invoice_date.year, invoice_date.month
    if kind == "DAYSAFTERBILLDATE":
        return invoice_date + timedelta(days=day)
    if kind == "DAYSAFTERBILLMONTH":
        return date(year, month, calendar.monthrange(year, month)[1]) + timedelta(days=day)
    if kind in ("OFCURRENTMONTH", "OFFOLLOWINGMONTH"):
        if kind == "OFFOLLOWINGMONTH":
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return date(year, month, min(max(day, 1), calendar.monthrange(year, month)[1]))
    return invoice_date + timedelta(days=DEFAULT_DUE_DAYS)


def _number(value: Decimal) -> int | Decimal:
    # Written with its own digits (app/xero/json_body.py), trailing zeros dropped and integers as
    # integers: the payload (and its key) reads naturally, and is what the float encoding was.
    return int(value) if value == value.to_integral_value() else value.normalize()


def _line(
    line: SourceLine, amount_types: str, facts: TenantFacts, defaults: Defaults, tracking: dict[str, str]
) -> tuple[dict[str, Any], str]:
    """(line item, problem or "")."""
    item = facts.items.get(line.item_code.lower()) if line.item_code else None
    if line.item_code and item is None:
        return {}, f"item code {line.item_code!r} does not exist in {facts.name}"
    sales = (item or {}).get("SalesDetails") or {}
    account = line.account_code or str(sales.get("AccountCode") or "") or defaults.account_code
    if amount_types == "NoTax":
        tax = line.tax_type or NO_TAX
    else:
        tax = line.tax_type or str(sales.get("TaxType") or "") or defaults.tax_type
    if account not in facts.accounts:
        state = "archived" if account in facts.inactive_accounts else "not an active account"
        return {}, f"account code {account!r} is {state} in {facts.name}"
    if tax not in facts.tax_rates:
        return {}, f"tax type {tax!r} is not an active sales tax rate in {facts.name}"
    out: dict[str, Any] = {
        "Description": line.description or str((item or {}).get("Description") or (item or {}).get("Name")),
        "Quantity": _number(line.quantity),
        "UnitAmount": _number(line.unit_amount),
    }
    if line.discount_rate is not None:
        out["DiscountRate"] = _number(line.discount_rate)
    if item is not None:
        out["ItemCode"] = item["Code"]
    out.update(AccountCode=account, TaxType=tax)
    wanted = merged(tracking, line.tracking)
    if wanted:
        out["Tracking"], problem = resolve(wanted, facts.tracking, facts.name)
        if problem:
            return {}, problem
    return out, ""


def _payload(
    quote: SourceQuote,
    facts: TenantFacts,
    defaults: Defaults,
    today: date,
    tracking: Mapping[str, str],
    keep_quote_date: bool = False,
) -> tuple[dict, str]:
    amount_types = AMOUNT_TYPES.get(quote.line_amount_types.strip().lower())
    if amount_types is None:
        return {}, f"line amount type {quote.line_amount_types!r} is not Exclusive, Inclusive or NoTax"
    currency = quote.currency.strip().upper()
    if currency and currency not in (facts.currencies or {facts.base_currency}):
        return {}, currency_not_enabled(currency, facts)
    if not quote.lines:
        return {}, "it has no lines"
    if len(quote.number) > MAX_REFERENCE:
        return {}, f"its number is longer than {MAX_REFERENCE} characters"
    lines = []
    quote_tracking = merged(tracking, quote.tracking)
    for n, source_line in enumerate(quote.lines, 1):
        line, problem = _line(source_line, amount_types, facts, defaults, quote_tracking)
        if problem:
            return {}, f"line {n}: {problem}"
        lines.append(line)
    # A quote from Xero was dated when it was quoted: its invoice is dated today unless asked otherwise.
    from_xero = quote.origin == XERO_ORIGIN and not keep_quote_date
    invoice_date = today if from_xero or not quote.date else quote.date
    locked = lock_problem(invoice_date, facts)
    if locked:
        return {}, locked
    payload: dict[str, Any] = {
        "Type": "ACCREC",
        "Status": "DRAFT",
        "Contact": {},
        "LineItems": lines,
        "Reference": quote.number,
        "Date": invoice_date.isoformat(),
        "DueDate": (quote.due_date or due_date(invoice_date, facts.sales_terms)).isoformat(),
        "LineAmountTypes": amount_types,
    }
    if currency:
        payload["CurrencyCode"] = currency
    if quote.url.strip():
        problem = url_problem(quote.url)
        if problem:
            return {}, problem
        payload["Url"] = quote.url.strip()
    return payload, ""


def currency_not_enabled(currency: str, facts: TenantFacts) -> str:
    enabled = ", ".join(sorted(facts.currencies, key=lambda c: (c != facts.base_currency, c)))
    return (
        f"currency {currency} is not enabled in {facts.name} (it has {enabled}); to draft it, add {currency} "
        "in Xero under Accounting settings → Currencies → Add Currency (a plan with multi-currency is "
        "needed), then load the quote again"
    )


def changes_since(quote: SourceQuote, row: DraftRow) -> list[str] | None:
    """None when the quote is what was drafted (or an older version recorded nothing to compare);
    else what changed ("total 1,658.40 → 1,550.40"), an empty list when only details of lines did."""
    before = Summary.from_json(row.summary)
    if row.fingerprint is not None:
        if row.fingerprint == quote_fingerprint(quote):
            return None
        return differences(before, quote_summary(quote)) if before is not None else []
    if before is None:
        return None
    return differences(before, quote_summary(quote)) or None


def build_plan(
    quotes: Sequence[SourceQuote],
    facts: TenantFacts,
    defaults: Defaults,
    directory: ContactDirectory,
    drafted: dict[str, DraftRow],
    *,
    blocked: dict[str, str] | None = None,
    today: date | None = None,
    tracking: Mapping[str, str] | None = None,
    contacts: ContactChoices | None = None,
    keep_quote_date: bool = False,
) -> Plan:
    """One entry per quote, in input order. ``blocked`` maps quote numbers the loader flagged to why;
    ``tracking`` is the run's fixed {category: option} (a quote's or line's own wins); ``contacts`` the
    user's choices for near matches; ``keep_quote_date``: a quote from Xero keeps its date (else today)."""
    today = today or date.today()
    plan = Plan()
    seen: dict[str, str] = {}  # identity -> the number as first spelt in this run
    for quote in quotes:
        entry = PlannedInvoice(quote, "new")
        plan.append(entry)
        first = seen.get(quote.source_id)
        if first is not None:
            # The Reference is how Xero (and a lost answer) finds the quote again, and Xero compares
            # References ignoring case: one number may stand for one quote only.
            spelt = "" if first == quote.number else f" (as {first!r}; Xero ignores case and spaces)"
            entry.mark_invalid(f"the number {quote.number} appears more than once{spelt}")
            continue
        seen[quote.source_id] = quote.number
        done = drafted.get(quote.source_id)
        if done is not None:
            entry.status, entry.invoice_number = "drafted", done.invoice_number
            changes = changes_since(quote, done)
            if changes is None:
                continue
            entry.status, entry.changes = "changed", changes
        elif blocked and quote.number in blocked:
            entry.mark_invalid(blocked[quote.number])
            continue
        payload, problem = _payload(quote, facts, defaults, today, tracking or {}, keep_quote_date)
        if problem:
            if entry.status == "changed":
                entry.reason = problem  # reported with the change; it cannot be updated as it is
            else:
                entry.mark_invalid(problem)
            continue
        size = body_size([payload])
        if size > MAX_REQUEST_BYTES and entry.status == "new":  # no request to Xero could carry it
            entry.mark_invalid(too_large_sentence(size))
            continue
        entry.payload, entry.expected = payload, expected_totals(payload, facts)
        _choose_contact(entry, directory, contacts or {}, facts.name)
        _contact_terms(entry, directory)
    return plan


def _contact_terms(entry: PlannedInvoice, directory: ContactDirectory) -> None:
    """Due by the contact's own sales terms where it has them (the API applies no contact defaults)."""
    contact_id = str((entry.payload.get("Contact") or {}).get("ContactID") or "").lower()
    terms = directory.sales_terms.get(contact_id)
    if entry.source.due_date is None and terms and entry.payload.get("Date"):
        invoice_date = date.fromisoformat(entry.payload["Date"])
        entry.payload["DueDate"] = due_date(invoice_date, terms).isoformat()


def _choose_contact(
    entry: PlannedInvoice, directory: ContactDirectory, contacts: ContactChoices, organisation: str
) -> None:
    """Xero's contact by ID or name (as Xero compares names); the user's choice for a near match (by
    name, or another contact with the quote's e-mail address); else a new contact. A near match nobody
    chose yet is not sent."""
    quote = entry.source

    def cannot(reason: str) -> None:
        if entry.status == "changed":
            entry.payload, entry.reason = {}, reason
        else:
            entry.mark_invalid(reason)

    contact_id = directory.match(quote)
    if contact_id:
        entry.set_contact(contact_id)
        return
    if not quote.contact_name.strip():
        cannot("it has no contact name")
        return
    key = exact_key(quote.contact_name)
    if key in contacts:
        chosen = contacts[key]
        if chosen is not None:
            existing = directory.by_name.get(exact_key(chosen))
            if existing:
                entry.set_contact(existing)
            else:
                cannot(f"--use-contact: {organisation} has no active contact named {chosen!r}")
            return
    else:
        near = directory.near(quote.contact_name)
        by_email = directory.same_email(quote)
        crm_name = " ".join(quote.contact_name.split())
        if near:
            entry.near_contacts = [*near, by_email] if by_email and by_email not in near else near
            cannot(near_match_sentence(crm_name, near, organisation))
            return
        if by_email:
            entry.near_contacts = [by_email]
            cannot(same_email_sentence(crm_name, quote.contact_email.strip(), by_email, organisation))
            return
    entry.new_contact = new_contact_body(quote)
    if entry.status == "new":
        entry.reason = CONTACT_WILL_BE_CREATED


def make_plan(
    client: XeroClient,
    ledger: Ledger,
    tenant_id: str,
    quotes: Sequence[SourceQuote],
    *,
    account: str | None = None,
    tax_type: str | None = None,
    blocked: dict[str, str] | None = None,
    today: date | None = None,
    remember: bool = True,
    look_up: bool = False,
    facts: TenantFacts | None = None,
    tracking: Mapping[str, str] | None = None,
    contacts: ContactChoices | None = None,
    keep_quote_date: bool = False,
) -> Plan:
    """Read the organisation (GETs only) and plan every quote; nothing is created in Xero.

    ``facts``: the organisation as already read this run.
    ``remember=False`` (a dry run) leaves the ledger untouched too. ``look_up`` also asks Xero for the
    quotes the ledger does not know (as a real run does before sending), so the plan says "found in
    Xero" for them; with ``remember`` what was found is recorded.
    """
    facts = facts or TenantFacts.fetch(client)
    check_may_draft(facts)
    defaults = resolve_defaults(facts, ledger, tenant_id, account, tax_type, remember)
    if tracking:
        check_fixed(tracking, facts.tracking, facts.name)
    directory = ContactDirectory.fetch(client)
    drafted = ledger.drafted(tenant_id)
    plan = build_plan(
        quotes,
        facts,
        defaults,
        directory,
        drafted,
        blocked=blocked,
        today=today,
        tracking=tracking,
        contacts=contacts,
        keep_quote_date=keep_quote_date,
    )
    plan.mapping = describe(facts, defaults)
    plan.categories = tuple(category.name for category in facts.tracking.values())

    if not look_up:
        return plan
    unknown = {e.source_id: e.source.number for e in plan if e.status == "new"}
    found = {
        row.source_id: row
        for row in find_drafted(client, unknown, ledger.known_invoice_ids(tenant_id), ask_origin=True)
    }
    for entry in plan:
        row = found.get(entry.source_id)
        if row is None:
            continue
        entry.found, entry.invoice_number, entry.reason = row, row.invoice_number, ""
        changes = changes_since(entry.source, row)
        entry.status = "drafted" if changes is None else "changed"
        entry.changes = changes or []
    if remember and found:
        ledger.record(tenant_id, list(found.values()))
    return plan
