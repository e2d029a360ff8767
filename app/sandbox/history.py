"""History and notes of an invoice: GET /Invoices/{id}/History and PUT (add a note), as Xero has them.

Xero writes a record itself when an invoice is created or changed; a note added through the API shows
as "Note" with its Details, by the app's name.
"""

from __future__ import annotations

from typing import Any

from app.sandbox.batch import elements
from app.sandbox.ctx import Ctx, envelope, validation_exception
from app.sandbox.fmt import ms_date
from app.sandbox.web import Response, not_found

MAX_DETAILS = 2500


def record(ctx: Ctx, invoice: dict[str, Any], changes: str, details: str) -> dict[str, Any]:
    app = ctx.state.apps.get(ctx.client_id, {})
    entry = {
        "Changes": changes,
        "DateUTC": ms_date(ctx.state.clock.now()),
        "User": str(app.get("name") or "System Generated"),
        "Details": details,
    }
    invoice.setdefault("_history", []).append(entry)
    return entry


def get(ctx: Ctx, invoice: dict[str, Any] | None) -> Response:
    if invoice is None:
        return not_found()
    return envelope(ctx, "HistoryRecords", list(reversed(invoice.get("_history") or [])))


def put(ctx: Ctx, invoice: dict[str, Any] | None) -> Response:
    if invoice is None:
        return not_found()
    items = elements(ctx, "HistoryRecords")
    if not items or not all(isinstance(i, dict) for i in items):
        return validation_exception(
            [], "The request body must be a HistoryRecord or a list of HistoryRecords."
        )
    for item in items:
        details = str(item.get("Details") or "").strip()
        if not details:
            return validation_exception([], "The Details of a history note must be specified.")
        if len(details) > MAX_DETAILS:
            return validation_exception(
                [], f"The Details of a history note must be {MAX_DETAILS} characters or fewer."
            )
    added = [record(ctx, invoice, "Note", str(item["Details"]).strip()) for item in items]
    return envelope(ctx, "HistoryRecords", added)
