"""Invoices: filtered/paged listing, get by id or number, PUT (create) and POST (create or update)."""

from __future__ import annotations

import uuid
from typing import Any

from app.sandbox import history, invoice_rules, org_access
from app.sandbox.batch import run
from app.sandbox.contacts_api import new_contact
from app.sandbox.ctx import Ctx, envelope, public
from app.sandbox.fmt import ms_date
from app.sandbox.query import csv_arg, paginate, where_and_order
from app.sandbox.web import Response, not_found, problem


def find(org: dict[str, Any], key: str) -> dict[str, Any] | None:
    key = key.lower()
    return next(
        (
            i
            for i in org["invoices"]
            if i["InvoiceID"].lower() == key or str(i.get("InvoiceNumber", "")).lower() == key
        ),
        None,
    )


def get(ctx: Ctx) -> Response:
    if len(ctx.parts) == 3:
        if ctx.parts[2].lower() != "history":
            return not_found()
        return history.get(ctx, find(ctx.org, ctx.parts[1]))
    if len(ctx.parts) == 2:
        found = find(ctx.org, ctx.parts[1])
        return envelope(ctx, "Invoices", [public(found)]) if found else not_found()
    req, rows = ctx.req, list(ctx.org["invoices"])
    for arg, name in (("Statuses", "Status"), ("InvoiceNumbers", "InvoiceNumber"), ("IDs", "InvoiceID")):
        wanted = csv_arg(req, arg)
        if wanted:
            keys = {w.lower() for w in wanted}
            rows = [i for i in rows if str(i.get(name, "")).lower() in keys]
    contact_ids = csv_arg(req, "ContactIDs")
    if contact_ids:
        keys = {c.lower() for c in contact_ids}
        rows = [i for i in rows if i["Contact"]["ContactID"].lower() in keys]
    if (req.arg("createdByMyApp") or "").lower() == "true":
        rows = [i for i in rows if i.get("_created_by") == ctx.client_id]
    rows = where_and_order(req, rows)
    term = (req.arg("searchTerm") or "").casefold()
    if term:
        rows = [
            i
            for i in rows
            if term in str(i.get("InvoiceNumber", "")).casefold()
            or term in str(i.get("Reference", "")).casefold()
        ]
    page, info = paginate(req, rows)
    out = [public(i) for i in page]
    if info is None:  # unpaged listings omit line items, as on Xero
        out = [{k: v for k, v in i.items() if k != "LineItems"} for i in out]
    return envelope(ctx, "Invoices", out, pagination=info)


def _next_number(org: dict[str, Any]) -> str:
    taken = {str(i.get("InvoiceNumber", "")).upper() for i in org["invoices"]}
    while True:
        number = f"INV-{org['next_invoice']:04d}"
        org["next_invoice"] += 1
        if number not in taken:
            return number


def _save(ctx: Ctx, raw: dict[str, Any], allow_update: bool) -> tuple[dict[str, Any] | None, list[str]]:
    current = None
    target = raw.get("InvoiceID") or (ctx.parts[1] if len(ctx.parts) == 2 else None)
    if target:
        current = find(ctx.org, str(target))
        if current is None or not allow_update:
            return None, [
                f"Invoice {target} could not be found."
                if current is None
                else "An existing invoice cannot be created again; use POST to update it."
            ]
    elif allow_update and raw.get("InvoiceNumber"):
        current = find(ctx.org, str(raw["InvoiceNumber"]))
    inv, placeholder, errors = invoice_rules.build(ctx, raw, current)
    if errors or inv is None:
        return None, errors
    if placeholder is not None:
        fields = {k: v for k, v in placeholder["_new"].items() if v not in (None, "")}
        made = new_contact(ctx, fields)
        inv["Contact"] = {"ContactID": made["ContactID"], "Name": made["Name"]}
    now = ms_date(ctx.state.clock.now())
    inv["UpdatedDateUTC"] = now
    if current is not None:
        inv["AmountDue"] = round(inv["Total"] - inv.get("AmountPaid", 0.0), 2)
        kept = current.get("_history") or []
        current.clear()
        current.update(inv)
        current["_history"] = kept
        history.record(ctx, current, "Edited", f"{current.get('InvoiceNumber', '')} updated.")
        return public(current), []
    if inv["Type"] == "ACCREC" and not inv.get("InvoiceNumber"):
        inv["InvoiceNumber"] = _next_number(ctx.org)
    inv.update(
        InvoiceID=str(uuid.uuid4()),
        AmountPaid=0.0,
        AmountCredited=0.0,
        AmountDue=inv["Total"],
        SentToContact=False,
        HasAttachments=False,
        IsDiscounted=False,
        Payments=[],
        CreditNotes=[],
        Prepayments=[],
        Overpayments=[],
        _created_by=ctx.client_id,
    )
    ctx.org["invoices"].append(inv)
    what = f"{inv.get('InvoiceNumber') or 'Invoice'} to {inv['Contact']['Name']} for {inv['Total']:,.2f}."
    history.record(ctx, inv, "Created", what)
    return public(inv), []


def _not_permitted(ctx: Ctx) -> Response | None:
    # A user whose role may not create invoices: Xero refuses the whole request.
    if org_access.may(ctx.org, "CreateDraftInvoice"):
        return None
    return problem(403, "AuthorizationUnsuccessful")


def put(ctx: Ctx) -> Response:
    if len(ctx.parts) == 3 and ctx.parts[2].lower() == "history":
        return history.put(ctx, find(ctx.org, ctx.parts[1]))
    if len(ctx.parts) != 1:
        return not_found()
    return _not_permitted(ctx) or run(ctx, "Invoices", lambda c, raw: _save(c, raw, False))


def post(ctx: Ctx) -> Response:
    if len(ctx.parts) > 2:
        return not_found()
    return _not_permitted(ctx) or run(ctx, "Invoices", lambda c, raw: _save(c, raw, True))
