"""The read-side helpers Xero's list endpoints share: `where` and `order`, ID lists and paging."""

from __future__ import annotations

import math
from functools import partial
from typing import Any

from app.sandbox.web import Request
from app.sandbox.where import QueryError, field, parse_where, sort_key

__all__ = ["QueryError", "csv_arg", "order_rows", "paginate", "where_and_order"]


def where_and_order(req: Request, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Apply ?where= (Xero's filter language, see where.py) and ?order= ("Date DESC,InvoiceNumber")."""
    text = req.arg("where")
    if text:
        predicate = parse_where(text)
        rows = [r for r in rows if predicate(r)]
    order = req.arg("order")
    return order_rows(rows, order) if order else rows


def order_rows(rows: list[dict[str, Any]], order: str) -> list[dict[str, Any]]:
    """Stable sorts from the last key to the first, so the first key decides and ties keep their order."""
    keys = []
    for part in (p.strip() for p in order.split(",") if p.strip()):
        words = part.split()
        if len(words) > 2 or (len(words) == 2 and words[1].upper() not in ("ASC", "DESC")):
            raise QueryError(f"Unsupported order near: {part[:40]}")
        keys.append((words[0], len(words) == 2 and words[1].upper() == "DESC"))
    for name, descending in reversed(keys):
        rows = sorted(rows, key=partial(_key, name), reverse=descending)
    return rows


def _key(name: str, record: dict[str, Any]) -> tuple[int, Any]:
    return sort_key(field(record, name))


def csv_arg(req: Request, name: str) -> list[str] | None:
    raw = req.arg(name)
    return [v.strip() for v in raw.split(",") if v.strip()] if raw else None


def paginate(
    req: Request, rows: list[dict[str, Any]], max_size: int = 1000
) -> tuple[list[dict[str, Any]], dict[str, int] | None]:
    """Slice for ?page=N (100 per page, or pageSize up to max_size); no page -> everything."""
    page_arg = req.arg("page")
    if page_arg is None:
        return rows, None
    try:
        page = max(int(page_arg), 1)
        size = min(max(int(req.arg("pageSize") or 100), 1), max_size)
    except ValueError as exc:
        raise QueryError("page and pageSize must be whole numbers") from exc
    start = (page - 1) * size
    info = {"page": page, "pageSize": size, "pageCount": math.ceil(len(rows) / size), "itemCount": len(rows)}
    return rows[start : start + size], info
