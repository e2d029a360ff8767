"""What was drafted for a quote, kept in the ledger to tell when the file now says something else.

Two forms: a fingerprint of everything the file says about the quote (any difference at all), and a
summary of what a user recognises (total, lines, customer, date) that names *what* changed. A quote
found in Xero rather than drafted by this ledger has only the summary, read from Xero's invoice.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from app.invoicing.parsing import parse_date
from app.invoicing.records import SourceQuote

CENT = Decimal("0.01")


def line_total(quote: SourceQuote) -> Decimal:
    """Sum of the line amounts as Xero computes them (quantity × price less discount, to the cent)."""
    total = Decimal(0)
    for line in quote.lines:
        amount = line.quantity * line.unit_amount
        if line.discount_rate:
            amount = amount * (Decimal(100) - line.discount_rate) / Decimal(100)
        total += amount.quantize(CENT, rounding=ROUND_HALF_UP)
    return total


def quote_fingerprint(quote: SourceQuote) -> str:
    """Everything the file says about the quote, hashed; the label (quote/order) and origin excluded."""
    content: dict[str, Any] = {
        "customer": quote.contact_name.strip().casefold(),
        "email": quote.contact_email.strip().casefold(),
        "date": quote.date.isoformat() if quote.date else "",
        "due": quote.due_date.isoformat() if quote.due_date else "",
        "currency": quote.currency.strip().upper(),
        "amounts": quote.line_amount_types.strip().casefold(),
        "lines": [
            [
                line.description,
                str(line.quantity.normalize()),
                str(line.unit_amount.normalize()),
                "" if line.discount_rate is None else str(line.discount_rate.normalize()),
                line.item_code.casefold(),
                line.account_code,
                line.tax_type,
            ]
            for line in quote.lines
        ],
    }
    # Tracking only when there is some, so fingerprints recorded before it existed stay the same.
    if quote.tracking or any(line.tracking for line in quote.lines):
        content["tracking"] = [sorted(quote.tracking.items()), [list(line.tracking) for line in quote.lines]]
    if quote.url.strip():
        content["url"] = quote.url.strip()
    canonical = json.dumps(content, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class Summary:
    """What the user recognises of a drafted quote; ``lines`` is None when Xero's listing omitted them."""

    total: str  # Decimal as text, two places
    customer: str
    date: str  # ISO date, "" when unknown
    lines: int | None = None

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str | None) -> Summary | None:
        if not text:
            return None
        try:
            data = json.loads(text)
            return cls(str(data["total"]), str(data["customer"]), str(data["date"]), data.get("lines"))
        except (ValueError, KeyError, TypeError):
            return None


def quote_summary(quote: SourceQuote) -> Summary:
    return Summary(
        total=str(line_total(quote)),
        customer=quote.contact_name.strip(),
        date=quote.date.isoformat() if quote.date else "",
        lines=len(quote.lines),
    )


def invoice_summary(invoice: dict[str, Any]) -> Summary:
    """The same facts read from Xero's invoice: the sum of its line amounts is its Total when amounts
    include tax, else its SubTotal."""
    inclusive = str(invoice.get("LineAmountTypes") or "").casefold() == "inclusive"
    raw = invoice.get("Total") if inclusive else invoice.get("SubTotal")
    try:
        total = str(Decimal(str(raw)).quantize(CENT))
    except ArithmeticError:
        total = ""
    lines = invoice.get("LineItems")
    when = None
    for key in ("DateString", "Date"):  # DateString is ISO; Date is the /Date(ms)/ form
        when = when or parse_date(str(invoice.get(key) or ""))[0]
    return Summary(
        total=total,
        customer=str((invoice.get("Contact") or {}).get("Name") or "").strip(),
        date=when.isoformat() if when else "",
        lines=len(lines) if isinstance(lines, list) else None,
    )


def _money(text: str) -> str:
    try:
        return f"{Decimal(text):,.2f}"
    except ArithmeticError:
        return text or "unknown"


def _name(text: str) -> str:
    # As Xero matches contact names: case and stray spaces ignored.
    return " ".join(text.split()).casefold()


def differences(before: Summary, now: Summary) -> list[str]:
    """What changed, in the user's words ("total 1,658.40 → 1,550.40"); fields unknown on either side
    are not compared."""
    out = []
    # Xero rounds each line to the cent by its own rule; a cent per line either way is not a change.
    tolerance = CENT * max(1, now.lines or before.lines or 1)
    if before.total and now.total and abs(Decimal(before.total) - Decimal(now.total)) > tolerance:
        out.append(f"total {_money(before.total)} → {_money(now.total)}")
    if before.lines is not None and now.lines is not None and before.lines != now.lines:
        out.append(f"lines {before.lines} → {now.lines}")
    if before.customer and now.customer and _name(before.customer) != _name(now.customer):
        out.append(f"customer {before.customer} → {now.customer}")
    if before.date and now.date and before.date != now.date:
        out.append(f"date {before.date} → {now.date}")
    return out
