"""The read-side helpers Xero's list endpoints share: simple `where` equality filters and paging."""

from __future__ import annotations

import math
import re
from typing import Any

from app.sandbox.web import Request

_CLAUSE = re.compile(r'\s*([A-Za-z][\w.]*)\s*==?\s*(?:Guid\(\s*"([^"]*)"\s*\)|"((?:[^"\\]|\\.)*)"|(\w+))\s*')
_JOIN = re.compile(r"\s*(?:AND|&&)\s*", re.IGNORECASE)


class QueryError(ValueError):
    pass


def parse_where(text: str) -> list[tuple[str, str]]:
    """`Name=="ABC" AND Status=="DRAFT"` -> [(Name, ABC), (Status, DRAFT)]; only equality is supported."""
    clauses, pos = [], 0
    while pos < len(text):
        match = _CLAUSE.match(text, pos)
        if not match:
            raise QueryError(f"Unsupported where clause near: {text[pos:pos + 40]}")
        value = next(v for v in match.groups()[1:] if v is not None)
        clauses.append((match.group(1), value.replace('\\"', '"')))
        pos = match.end()
        joiner = _JOIN.match(text, pos)
        if pos < len(text):
            if not joiner:
                raise QueryError(f"Unsupported where clause near: {text[pos:pos + 40]}")
            pos = joiner.end()
    return clauses


def field(record: dict[str, Any], dotted: str) -> Any:
    value: Any = record
    for part in dotted.split("."):
        if not isinstance(value, dict):
            return None
        value = next((v for k, v in value.items() if k.lower() == part.lower()), None)
    return value


def matches(record: dict[str, Any], clauses: list[tuple[str, str]]) -> bool:
    for name, wanted in clauses:
        value = field(record, name)
        if isinstance(value, bool):
            value = str(value).lower()
        if value is None or str(value).casefold() != wanted.casefold():
            return False
    return True


def csv_arg(req: Request, name: str) -> list[str] | None:
    raw = req.arg(name)
    return [v.strip() for v in raw.split(",") if v.strip()] if raw else None


def paginate(req: Request, rows: list[dict[str, Any]], max_size: int = 1000
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
    info = {"page": page, "pageSize": size, "pageCount": math.ceil(len(rows) / size),
            "itemCount": len(rows)}
    return rows[start:start + size], info
