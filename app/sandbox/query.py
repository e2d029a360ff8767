"""The read-side helpers Xero's list endpoints share: simple `where` equality filters and paging."""

from __future__ import annotations

import math
import re
from typing import Any

from app.sandbox.web import Request

_CLAUSE = re.compile(r'\s*([A-Za-z][\w.]*)\s*==?\s*(?:Guid\(\s*"([^"]*)"\s*\)|"((?:[^"\\]|\\.)*)"|(\w+))\s*')
_JOIN = re.compile(r"\s*(AND|&&|OR|\|\|)\s*", re.IGNORECASE)

# Alternatives of conjunctions: AND binds tighter than OR, as in Xero's filter language (no parentheses).
Where = list[list[tuple[str, str]]]


class QueryError(ValueError):
    pass


def parse_where(text: str) -> Where:
    """`Name=="A" AND Status=="DRAFT" OR Name=="B"` -> [[(Name, A), (Status, DRAFT)], [(Name, B)]].

    Only equality is supported; an empty text is one empty alternative, which matches everything.
    """
    groups: Where = [[]]
    pos = 0
    while pos < len(text):
        match = _CLAUSE.match(text, pos)
        if not match:
            raise QueryError(f"Unsupported where clause near: {text[pos:pos + 40]}")
        value = next(v for v in match.groups()[1:] if v is not None)
        groups[-1].append((match.group(1), re.sub(r"\\(.)", r"\1", value)))  # \" and \\ escapes
        pos = match.end()
        if pos < len(text):
            joiner = _JOIN.match(text, pos)
            if not joiner:
                raise QueryError(f"Unsupported where clause near: {text[pos:pos + 40]}")
            if joiner.group(1).upper() in ("OR", "||"):
                groups.append([])
            pos = joiner.end()
            if pos >= len(text):
                raise QueryError("The where clause ends with AND or OR")
    return groups


def field(record: dict[str, Any], dotted: str) -> Any:
    value: Any = record
    for part in dotted.split("."):
        if not isinstance(value, dict):
            return None
        value = next((v for k, v in value.items() if k.lower() == part.lower()), None)
    return value


def _clause_holds(record: dict[str, Any], name: str, wanted: str) -> bool:
    value = field(record, name)
    if isinstance(value, bool):
        value = str(value).lower()
    return value is not None and str(value).casefold() == wanted.casefold()


def matches(record: dict[str, Any], where: Where) -> bool:
    return any(all(_clause_holds(record, name, wanted) for name, wanted in group) for group in where)


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
