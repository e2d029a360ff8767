"""The tenant's own ACCEPTED quotes, read through XeroClient and mapped to SourceQuotes.

Errors talking to Xero are not caught here: they leave as XeroConnectError sentences, as everywhere else.
A quote Xero sends in a shape this program cannot map becomes a RowProblem; the others stay usable.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any, Protocol

from app.invoicing.parsing import as_text, parse_date, parse_decimal, parse_line_amount_types
from app.invoicing.records import LoadResult, RowProblem, SourceLine, SourceQuote

ORIGIN = "xero"


class QuoteSource(Protocol):
    """What this needs of XeroClient (a fake in tests)."""

    def quotes(self, *, status: str | None = None, page: int | None = None) -> list[dict[str, Any]]: ...

    def all_pages(self, fetch: Any, **filters: Any) -> Iterable[dict[str, Any]]: ...


class _Unmappable(Exception):
    pass


def load_xero_quotes(client: QuoteSource) -> LoadResult:
    """Every ACCEPTED quote (all pages); raises the client's XeroConnectError if Xero cannot be read."""
    result = LoadResult()
    for index, record in enumerate(client.all_pages(client.quotes, status="ACCEPTED"), start=1):
        if not isinstance(record, dict) or str(record.get("Status") or "ACCEPTED").upper() != "ACCEPTED":
            continue
        number = as_text(record.get("QuoteNumber")) or f"#{index}"
        try:
            result.quotes.append(_quote(record, number))
        except _Unmappable as exc:
            reason = f"Xero quote {number} cannot be used: {exc}"
            result.problems.append(RowProblem(ORIGIN, None, reason, number))
    return result


def _quote(record: dict[str, Any], number: str) -> SourceQuote:
    raw_contact = record.get("Contact")
    contact: dict[str, Any] = raw_contact if isinstance(raw_contact, dict) else {}
    if not as_text(record.get("QuoteNumber")):
        raise _Unmappable("it has no QuoteNumber")
    amount_types, problem = parse_line_amount_types(record.get("LineAmountTypes") or "EXCLUSIVE")
    if amount_types is None:
        raise _Unmappable(problem or "unknown LineAmountTypes")
    return SourceQuote(
        number=number,
        contact_name=as_text(contact.get("Name")),
        date=_date(record),
        currency=as_text(record.get("CurrencyCode")),
        line_amount_types=amount_types,
        lines=[_line(item, n) for n, item in enumerate(record.get("LineItems") or [], start=1)],
        kind="quote",
        origin=ORIGIN,
        xero_contact_id=as_text(contact.get("ContactID")),
        xero_quote_id=as_text(record.get("QuoteID")),
    )


def _date(record: dict[str, Any]) -> Any:
    # DateString is plain ISO; Date is the /Date(ms)/ form. Either will do, the first readable wins.
    for key in ("DateString", "Date"):
        found, _ = parse_date(as_text(record.get(key)))
        if found:
            return found
    return None


def _line(item: Any, n: int) -> SourceLine:
    if not isinstance(item, dict):
        raise _Unmappable(f"line {n} is not an object")
    discount = item.get("DiscountRate")
    return SourceLine(
        description=as_text(item.get("Description")),
        # A description-only line has no quantity or price in Xero; it stays a zero line.
        quantity=_number(item.get("Quantity"), n, "Quantity"),
        unit_amount=_number(item.get("UnitAmount"), n, "UnitAmount"),
        discount_rate=None if discount in (None, "") else _number(discount, n, "DiscountRate"),
        item_code=as_text(item.get("ItemCode")),
        account_code=as_text(item.get("AccountCode")),
        tax_type=as_text(item.get("TaxType")),
    )


def _number(value: Any, n: int, name: str) -> Decimal:
    if value is None or value == "":
        return Decimal(0)
    if isinstance(value, float):
        value = Decimal(repr(value))  # JSON floats: 95.0 stays 95.0, not a binary expansion
    found, problem = parse_decimal(value, name)
    if found is None:
        raise _Unmappable(f"line {n}: {problem}")
    return found
