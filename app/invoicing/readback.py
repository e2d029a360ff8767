"""After each batch: Xero's Total, TotalTax and CurrencyCode for every invoice, against what this
program computed from the payload (and against the CRM's own total when the file gave one).

The program computes as Xero does: each line rounded to the cent, tax per line, halves away from zero
(xero-notes §12: two lines of 45.45 at 10 % give 9.10 in Xero, 9.09 on the whole invoice). A difference
is reported with the quote, never silently accepted; the invoice stays in Xero as a DRAFT to review.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from app.invoicing.planned import PlannedInvoice, TenantFacts, Totals
from app.invoicing.results import QuoteResult
from app.xero.client import BatchItemResult

CENT = Decimal("0.01")


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)  # ROUND_HALF_UP is "half away from zero"


def _dec(value: Any) -> Decimal:
    try:
        return Decimal(str(value)) if value not in (None, "") else Decimal(0)
    except InvalidOperation:
        return Decimal(0)


def expected_totals(payload: dict[str, Any], facts: TenantFacts) -> Totals:
    """What Xero will make of this payload's lines, with the organisation's tax rates."""
    kind = str(payload.get("LineAmountTypes") or "Exclusive").casefold()
    subtotal = tax_total = Decimal(0)
    for line in payload.get("LineItems") or []:
        amount = _cents(
            _dec(line.get("Quantity") or 1)
            * _dec(line.get("UnitAmount"))
            * (1 - _dec(line.get("DiscountRate")) / 100)
        )
        rate = facts.tax_rates.get(str(line.get("TaxType")), {}).get("EffectiveRate")
        percent = Decimal(0) if kind == "notax" else _dec(rate)
        if kind == "inclusive":
            tax = _cents(amount - amount / (1 + percent / 100))
            subtotal += amount - tax
        else:
            tax = _cents(amount * percent / 100)
            subtotal += amount
        tax_total += tax
    currency = str(payload.get("CurrencyCode") or facts.base_currency).upper()
    return Totals(tax_total, subtotal + tax_total, currency)


def _money(value: Decimal) -> str:
    return f"{value:,.2f}"


def differences(entry: PlannedInvoice, record: dict[str, Any]) -> str:
    """ "" when Xero has what was computed; else one sentence naming each difference."""
    expected = entry.expected
    if expected is None:
        return ""
    found = []
    currency = str(record.get("CurrencyCode") or "").upper()
    if currency and currency != expected.currency:
        found.append(f"currency {currency} in Xero, {expected.currency} sent")
    for name, key, mine in (("total", "Total", expected.total), ("tax", "TotalTax", expected.total_tax)):
        if key in record and _cents(_dec(record[key])) != mine:
            found.append(f"{name} {_money(_dec(record[key]))} in Xero, {_money(mine)} computed")
    crm = entry.source.total
    if crm is not None and "Total" in record and _cents(_dec(record["Total"])) != _cents(crm):
        gap = _cents(_dec(record["Total"])) - _cents(crm)
        found.append(
            f"total {_money(_dec(record['Total']))} in Xero, {_money(crm)} in the CRM "
            f"({gap:+.2f}; Xero rounds tax per line)"
        )
    return "; ".join(found)


def report_differences(
    results: Sequence[QuoteResult], batch: Sequence[PlannedInvoice], answers: Sequence[BatchItemResult]
) -> None:
    """Note on each drafted quote's result what Xero's answer to its batch differs in."""
    by_index = {answer.index: answer for answer in answers}
    by_source = {result.source_id: result for result in results}
    for index, entry in enumerate(batch):
        answer, result = by_index.get(index), by_source.get(entry.source_id)
        if answer is not None and answer.ok and result is not None and result.status == "drafted":
            result.difference = differences(entry, answer.record)
