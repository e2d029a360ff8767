"""CSV exports: decode, find the delimiter and the columns, and turn each physical row into a RawRow."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from app.invoicing.parsing import MAX_BYTES, RawRow, expected, field_for

DELIMITERS = (",", ";", "\t")
REQUIRED = ("number", "description")  # without these it is not a quote export at all
NEEDED = ("contact_name", "unit_amount")  # a quote export, but no quote in it could be drafted


class NotAQuoteFile(Exception):
    """The whole file is unusable; the message is the one sentence shown for it."""


def decode(data: bytes) -> str:
    """UTF-16 with a BOM (Excel's "Unicode text"), else strict UTF-8 (BOM or not), else Windows-1252."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # cp1252 leaves five bytes undefined; a replacement character beats refusing the whole file.
        return data.decode("cp1252", errors="replace").removeprefix("ï»¿")


def read_csv(text: str, name: str, default_kind: str) -> list[RawRow]:
    """Rows keyed by canonical field; raises NotAQuoteFile with one sentence when the columns are wrong."""
    # Real exports stay far below this; the default 128 KiB would reject a long (then reported) field.
    csv.field_size_limit(max(csv.field_size_limit(), MAX_BYTES))
    text = text.lstrip("\ufeff")
    delimiter, text = _delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header, header_line = _header(reader, name)
        columns = _columns(header, name)
        return list(_rows(reader, columns, header_line, default_kind, len(header)))
    except csv.Error as exc:
        raise NotAQuoteFile(f"{name} could not be read as CSV (line {reader.line_num}: {exc}).") from exc


def _delimiter(text: str) -> tuple[str, str]:
    """Excel's "sep=;" first line wins; else the delimiter under which the header has most known columns."""
    first, _, rest = text.partition("\n")
    if first.strip().lower().startswith("sep=") and len(first.strip()) == 5:
        return first.strip()[4], rest
    head = "\n".join(text[:65536].splitlines()[:5])
    return max(DELIMITERS, key=lambda d: _score(head, d)), text


def _score(head: str, delimiter: str) -> tuple[int, int]:
    try:
        row = next((r for r in csv.reader(io.StringIO(head, newline=""), delimiter=delimiter) if r), [])
    except csv.Error:
        return (0, 0)
    return (sum(1 for cell in row if field_for(cell)), len(row))


def _header(reader: Any, name: str) -> tuple[list[str], int]:
    for row in reader:
        if any(cell.strip() for cell in row):
            return row, reader.line_num
    raise NotAQuoteFile(f"{name} has no header row and no data, so it holds no quotes or orders.")


def _columns(header: list[str], name: str) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, cell in enumerate(header):
        found = field_for(cell)
        if found and found not in columns:
            columns[found] = index  # the first of duplicate columns counts
    for required in REQUIRED:
        if required not in columns:
            raise NotAQuoteFile(
                f"{name} does not look like a quote or order export: it has no column for the "
                f"{_what(required)} (expected one of: {expected(required)})."
            )
    for needed in NEEDED:
        if needed not in columns:
            raise NotAQuoteFile(
                f"{name} has no column for the {_what(needed)} (expected one of: {expected(needed)}), "
                "so none of its quotes can be drafted."
            )
    return columns


def _what(field_name: str) -> str:
    return {
        "number": "quote number",
        "description": "line description",
        "contact_name": "customer name",
        "unit_amount": "unit price",
    }[field_name]


def _rows(reader: Any, columns: dict[str, int], after: int, kind: str, width: int) -> Iterator[RawRow]:
    previous_end = after
    for row in reader:
        start, previous_end = previous_end + 1, reader.line_num  # a quoted newline spans physical lines
        if not any(cell.strip() for cell in row):
            continue
        values: dict[str, object] = {f: row[i] for f, i in columns.items() if i < len(row)}
        problems = []
        if len(row) > width:
            # Usually an unquoted decimal comma ("12,50") splitting one value in two: every column after
            # it would be shifted, so guessing would put wrong amounts on the invoice.
            problems.append(
                f"has {len(row)} values but the header has {width} columns "
                '(a decimal comma in a comma-separated file must be quoted, e.g. "12,50")'
            )
        yield RawRow(values, line=start, default_kind=kind, problems=problems)
