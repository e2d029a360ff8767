"""What Xero would refuse for who is connected or when a quote is dated, checked before sending:
the user's role (GET Organisation/Actions: CreateDraftInvoice) and the organisation's lock dates.

Xero's end-of-year lock date stops every user from changing documents dated on or before it; the period
lock date stops everyone but advisers. This program cannot tell an adviser from the API, so both are
reported before sending; an adviser's quote inside the period lock is the one case it is cautious about.
"""

from __future__ import annotations

from datetime import date

from app.errors import InvalidInput
from app.invoicing.planned import TenantFacts


class NotPermitted(InvalidInput):
    """The connected Xero user's role may not create draft invoices in the organisation."""


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
