"""Quotes (read-only here): listing with Status/ContactID/QuoteNumber/date filters, get by id."""

from __future__ import annotations

from app.sandbox.ctx import Ctx, envelope, public
from app.sandbox.fmt import parse_date
from app.sandbox.query import QueryError, paginate, where_and_order
from app.sandbox.web import Response, not_found


def get(ctx: Ctx) -> Response:
    quotes = ctx.org["quotes"]
    if len(ctx.parts) == 2:
        wanted = ctx.parts[1].lower()
        found = next((q for q in quotes if q["QuoteID"].lower() == wanted), None)
        return envelope(ctx, "Quotes", [public(found)]) if found else not_found()
    req, rows = ctx.req, list(quotes)
    if req.arg("Status"):
        rows = [q for q in rows if q["Status"] == (req.arg("Status") or "").upper()]
    if req.arg("ContactID"):
        rows = [q for q in rows if q["Contact"]["ContactID"].lower() == (req.arg("ContactID") or "").lower()]
    if req.arg("QuoteNumber"):
        rows = [q for q in rows if q["QuoteNumber"].lower() == (req.arg("QuoteNumber") or "").lower()]
    for arg, keep in (("DateFrom", lambda d, lim: d >= lim), ("DateTo", lambda d, lim: d <= lim)):
        if req.arg(arg):
            limit = parse_date(req.arg(arg))
            if limit is None:
                raise QueryError(f"{arg} must be a date (YYYY-MM-DD).")
            rows = [q for q in rows if keep(parse_date(q["Date"]), limit)]
    rows = where_and_order(req, rows)
    page, info = paginate(req, rows, max_size=100)
    return envelope(ctx, "Quotes", [public(q) for q in page], pagination=info)
