"""What the connecting user may do in an organisation (Organisation/Actions by role) and the lock dates
that stop changes to documents dated on or before them.

Xero: the end-of-year lock date stops every user; the period lock date stops all but advisers.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from app.sandbox.fmt import ms_date, parse_date

ACTIONS = [
    "UseMulticurrency",
    "CreateDraftInvoice",
    "CreateApprovedInvoice",
    "CreateDraftPurchaseInvoice",
    "CreateApprovedPurchaseInvoice",
    "ViewPurchaseOrders",
    "ViewProfitAndLoss",
    "ViewBalanceSheet",
]
# Xero's user roles (as GET Users names them) and what each may not do.
DENIED: dict[str, set[str]] = {
    "READONLY": {
        "CreateDraftInvoice",
        "CreateApprovedInvoice",
        "CreateDraftPurchaseInvoice",
        "CreateApprovedPurchaseInvoice",
        "UseMulticurrency",
    },
    "INVOICEONLY": {"CreateApprovedPurchaseInvoice", "ViewProfitAndLoss", "ViewBalanceSheet"},
    "STANDARD": set(),
    "FINANCIALADVISER": set(),
}
ADVISERS = {"FINANCIALADVISER"}
DEFAULT_ROLE = "STANDARD"


def role(org: dict[str, Any]) -> str:
    return str(org.get("user_role") or DEFAULT_ROLE)


def actions(org: dict[str, Any]) -> list[dict[str, str]]:
    denied = DENIED.get(role(org), set())
    return [{"Name": name, "Status": "NOT-ALLOWED" if name in denied else "ALLOWED"} for name in ACTIONS]


def may(org: dict[str, Any], action: str) -> bool:
    return action not in DENIED.get(role(org), set())


def lock_error(org: dict[str, Any], when: date) -> str | None:
    """Xero's refusal of a document dated on or before a lock date that binds this user, or None."""
    info = org["organisation"]
    year_end = parse_date(info.get("EndOfYearLockDate"))
    if year_end is not None and when <= year_end:
        return f"The document date cannot be on or before the end of year lock date ({year_end.isoformat()})."
    period = parse_date(info.get("PeriodLockDate"))
    if period is not None and when <= period and role(org) not in ADVISERS:
        return f"The document date cannot be on or before the period lock date ({period.isoformat()})."
    return None


def set_locks(org: dict[str, Any], body: dict[str, Any]) -> None:
    """Control API: {"period_lock_date": "2026-03-31" | null, "end_of_year_lock_date": …, "user_role": …}."""
    info = org["organisation"]
    fields = (("period_lock_date", "PeriodLockDate"), ("end_of_year_lock_date", "EndOfYearLockDate"))
    for key, field in fields:
        if key in body:
            value = parse_date(body[key]) if body[key] else None
            if body[key] and value is None:
                raise ValueError(f"{key} is not a date")
            if value is None:
                info.pop(field, None)
            else:
                info[field] = ms_date(value)
    if "user_role" in body:
        if body["user_role"] not in DENIED:
            raise ValueError(f"user_role must be one of {', '.join(DENIED)}")
        org["user_role"] = body["user_role"]
