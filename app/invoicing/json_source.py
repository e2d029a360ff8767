"""JSON exports: {"quotes": [...]}, {"orders": [...]} or a bare list, flattened into one RawRow per line."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from app.invoicing.csv_source import NotAQuoteFile
from app.invoicing.parsing import QUOTE_FIELDS, RawRow, field_for, normalise_key

LIST_KEYS = {"quotes": "quote", "orders": "order", "quotations": "quote", "salesorders": "order"}
LINE_KEYS = {"lines", "lineitems", "items"}
SHAPE = (
    'expected a list of quotes, or an object with a "quotes" or "orders" list, '
    'each quote having a "number" and "lines"'
)


def parse_json(text: str, name: str) -> Any:
    """Numbers stay exact (Decimal); NaN/Infinity stay text so validation calls them "not a number"."""
    try:
        return json.loads(text, parse_float=Decimal, parse_int=Decimal, parse_constant=str)
    except json.JSONDecodeError as exc:
        raise NotAQuoteFile(
            f"{name} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})."
        ) from exc
    except (ValueError, RecursionError) as exc:  # absurdly long integers or nesting
        raise NotAQuoteFile(f"{name} is not JSON this program can read ({type(exc).__name__}).") from exc


def read_json(document: Any, name: str, default_kind: str) -> list[RawRow]:
    items, list_name, kind = _quote_list(document, name, default_kind)
    rows: list[RawRow] = []
    for index, item in enumerate(items):
        rows.extend(_quote_rows(item, f"{list_name}[{index}]", kind))
    return rows


def _quote_list(document: Any, name: str, kind: str) -> tuple[list[Any], str, str]:
    if isinstance(document, dict):
        for key, value in document.items():
            found = LIST_KEYS.get(normalise_key(str(key)))
            if found and isinstance(value, list):
                return value, str(key), found
        if _looks_like_quote(document):
            return [document], "quotes", kind  # a single quote object
    if isinstance(document, list) and any(_looks_like_quote(item) for item in document):
        return document, "", kind
    if isinstance(document, list) and not document:
        return [], "", kind
    raise NotAQuoteFile(f"{name} does not look like a quote or order export: {SHAPE}.")


def _looks_like_quote(item: Any) -> bool:
    return isinstance(item, dict) and any(
        field_for(str(key)) == "number" or normalise_key(str(key)) in LINE_KEYS for key in item
    )


def _quote_rows(item: Any, path: str, kind: str) -> list[RawRow]:
    if not isinstance(item, dict):
        return [
            RawRow({}, group=path, where_quote=path, default_kind=kind, problems=["is not a quote object"])
        ]
    head, lines = _quote_head(item)
    if not isinstance(lines, list) or not lines:
        problem = "has no lines" if not lines else '"lines" is not a list'
        return [RawRow(head, group=path, where_quote=path, default_kind=kind, problems=[problem])]
    rows = []
    for number, line in enumerate(lines):
        where = f"{path}.lines[{number}]"
        values, problems = _line_values(line)
        # Quote-level values ride on the first line only, so a bad date is reported once.
        rows.append(
            RawRow(
                {**(head if number == 0 else {"number": head.get("number")}), **values},
                group=path,
                where_line=where,
                where_quote=path,
                default_kind=kind,
                problems=problems,
            )
        )
    return rows


def _quote_head(item: dict[str, Any]) -> tuple[dict[str, object], Any]:
    head: dict[str, object] = {}
    lines: Any = None
    for key, value in item.items():
        normal = normalise_key(str(key))
        if normal in LINE_KEYS:
            lines = value
        elif normal == "tracking":
            head["quote_tracking"] = value
        elif normal == "contact" and isinstance(value, dict):
            head.setdefault("contact_name", _pick(value, "name", "contactname"))
            head.setdefault("contact_email", _pick(value, "email", "emailaddress"))
        else:
            found = field_for(str(key))
            if found in (*QUOTE_FIELDS, "number"):
                head.setdefault(found, value)
    return head, lines


def _pick(mapping: dict[str, Any], *keys: str) -> object:
    return next((v for k, v in mapping.items() if normalise_key(str(k)) in keys), None)


def _line_values(line: Any) -> tuple[dict[str, object], list[str]]:
    if not isinstance(line, dict):
        return {}, ["is not a line object"]
    values: dict[str, object] = {}
    for key, value in line.items():
        if normalise_key(str(key)) == "tracking":
            values["tracking"] = value
            continue
        found = field_for(str(key))
        if found and found not in QUOTE_FIELDS and found != "number":
            values.setdefault(found, value)
    return values, []
