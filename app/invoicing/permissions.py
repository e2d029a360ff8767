"""What Xero would refuse for who is connected or when a quote is dated, checked before sending:
the user's role (GET Organisation/Actions: CreateDraftInvoice) and the organisation's lock dates.

Xero's end-of-year lock date stops every user from changing documents dated on or before it; the period
lock date stops everyone but advisers. This program cannot tell an adviser from the API, so both are
reported before sending; an adviser's quote inside the period lock is the one case it is cautious about.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING, Any

from app.errors import InvalidInput
from app.invoicing.parsing import parse_date

if TYPE_CHECKING:
    from app.invoicing.plan import TenantFacts

DRAFT_ACTION = "CreateDraftInvoice"


class NotPermitted(InvalidInput):
    """The connected Xero user's role may not create draft invoices in the organisation."""


def lock_date(value: Any) -> date | None:
    found, _problem = parse_date(value) if isinstance(value, str) and value else (None, None)
    return found


def may_create_drafts(actions: Iterable[dict[str, Any]] | None) -> bool:
    """True unless Organisation/Actions says CreateDraftInvoice is not allowed (unknown: allowed)."""
    for action in actions or []:
        if action.get("Name") == DRAFT_ACTION:
            return str(action.get("Status") or "").upper() == "ALLOWED"
    return True


def check_may_draft(facts: TenantFacts) -> None:
    if not facts.may_draft:
        raise NotPermitted(
            f"The Xero user who connected this program to {facts.name} may not create draft invoices there "
            "(their role allows no invoices, e.g. Read only); ask the organisation's adviser to give that "
            "user the Invoice only or Standard role, or connect again as a user who has it. Nothing was sent."
        )


def lock_problem(invoice_date: date, facts: TenantFacts) -> str:
    """ "" when Xero accepts an invoice of this date; else the sentence for the quote."""
    locks = ((facts.year_end_lock, "end-of-year lock date"), (facts.period_lock, "period lock date"))
    for lock, what in locks:
        if lock is not None and invoice_date <= lock:
            return (
                f"its date {invoice_date.isoformat()} is on or before the {what} of {facts.name} "
                f"({lock.isoformat()}), so Xero would refuse it; date the quote after {lock.isoformat()} "
                "or ask the organisation's adviser to move the lock date"
            )
    return ""
