"""What a loaded quote or order is, whatever it came from (CSV, JSON or the tenant's own quotes)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.invoicing.mapping import Mapping


@dataclass(frozen=True, slots=True)  # slots: a million-line file keeps a million of these
class SourceLine:
    description: str
    quantity: Decimal
    unit_amount: Decimal
    discount_rate: Decimal | None = None  # percent, 0-100
    item_code: str = ""
    account_code: str = ""
    tax_type: str = ""
    tracking: tuple[tuple[str, str], ...] = ()  # (category, option) of this line only, e.g. a file column


@dataclass(slots=True)
class SourceQuote:
    """One quote or order, grouped from its line rows; `number` becomes the invoice Reference."""

    number: str
    contact_name: str
    contact_email: str = ""
    date: datetime.date | None = None
    due_date: datetime.date | None = None
    currency: str = ""
    line_amount_types: str = "Exclusive"  # Exclusive | Inclusive | NoTax (invoice spelling)
    lines: list[SourceLine] = field(default_factory=list)
    kind: str = "quote"  # "quote" or "order": the user's word for it, never part of its identity
    origin: str = ""  # file path, or "xero" for the tenant's own quotes
    xero_contact_id: str = ""  # known when the quote came from Xero
    xero_quote_id: str = ""
    tracking: dict[str, str] = field(default_factory=dict)  # category -> option for all its lines
    total: Decimal | None = None  # the CRM's own total, when the file has one: compared with Xero's
    url: str = ""  # a link back to the CRM record, when the file has one: sent as Invoice.Url

    @property
    def source_id(self) -> str:
        """Identity in the ledger and in Xero: the quote's number as Xero compares References."""
        return quote_identity(self.number)


def quote_identity(number: str) -> str:
    """A quote's number as Xero compares an invoice's Reference: trimmed, case ignored.

    Quote or order is a label for the user and the file's name says nothing: "Q-1" in quotes.csv, in
    orders.csv and "q-1 " are one quote to Xero, so they are one to the ledger too.
    """
    return number.strip().casefold()


@dataclass(frozen=True)
class RowProblem:
    """A bad row or file, reported with where it is and why; the good quotes stay usable."""

    origin: str
    line: int | None  # 1-based line in the file (header = 1); None for a file-level problem
    reason: str
    number: str = ""  # the quote/order number, when known

    def __str__(self) -> str:
        where = f"{self.origin}, line {self.line}" if self.line else self.origin
        return f"{where}: {self.reason}"


@dataclass
class LoadResult:
    quotes: list[SourceQuote] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    mapping: Mapping | None = None  # a CSV's columns as they were read (or, when blocking, would be)
    blocking: list[str] = field(default_factory=list)  # why the mapping keeps the file from being drafted
    date_order: str = ""  # "day", "month" or "iso": how day/month dates were read
    date_note: str = ""  # the sentence saying so, and why (guessed, chosen)

    def mapping_lines(self, name: str) -> list[str]:
        """Every column beside its field or "ignored", and how the dates were read: what the dry run, the
        real run and --show-mapping print before anything else."""
        if self.mapping is None:
            return []
        lines = [self.mapping.heading(name), *self.mapping.describe()]
        return lines + ([self.date_note] if self.date_note else [])

    @property
    def invalid_numbers(self) -> set[str]:
        return {p.number for p in self.problems if p.number}
