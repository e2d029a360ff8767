"""Load CRM quotes and orders (CSV or JSON files, or the tenant's accepted quotes) into SourceQuotes.

Public API: :func:`load_file`, :func:`load_text` and :func:`load_xero_quotes`. Bad input never raises:
a bad row makes its whole quote invalid (reported as RowProblems carrying the number, left out of
``quotes``), and a file that is not a quote export at all gets one file-level sentence (line=None).
The format is described in docs/quote-format.md.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from app.invoicing.csv_source import NotAQuoteFile, decode, read_csv
from app.invoicing.json_source import parse_json, read_json
from app.invoicing.parsing import (
    FIELD_LABELS,
    MAX_BYTES,
    MAX_DESCRIPTION,
    MAX_NAME,
    MAX_QUANTITY,
    MAX_UNIT_AMOUNT,
    QUOTE_FIELDS,
    RawRow,
    as_text,
    is_blank,
    parse_currency,
    parse_date,
    parse_decimal,
    parse_kind,
    parse_line_amount_types,
    show,
)
from app.invoicing.records import LoadResult, RowProblem, SourceLine, SourceQuote, quote_identity
from app.invoicing.xero_source import load_xero_quotes

__all__ = ["load_file", "load_text", "load_xero_quotes"]

log = logging.getLogger(__name__)
CSV_SUFFIXES = {".csv", ".txt", ".tsv"}


# -- entry points --------------------------------------------------------------------------------------


def load_file(path: str | Path) -> LoadResult:
    """A CSV (.csv/.txt/.tsv) or JSON (.json) export; any other name is recognised by its content."""
    path = Path(path)
    origin, name = str(path), path.name
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            return _file_problem(origin, _too_big(name, size))
        data = path.read_bytes()
    except OSError as exc:
        return _file_problem(origin, f"{name} could not be read ({exc.strerror or exc}).")
    return _load(data, origin, name, None, path.suffix.lower())


def load_text(text_or_bytes: str | bytes, origin: str, kind_hint: str | None = None) -> LoadResult:
    """The same as load_file for content already in memory; ``origin`` names it (its extension counts)."""
    name = Path(origin).name or origin
    return _load(text_or_bytes, origin, name, kind_hint, Path(origin).suffix.lower())


def _load(content: str | bytes, origin: str, name: str, kind_hint: str | None, suffix: str) -> LoadResult:
    try:
        return assemble(_read(content, name, kind_hint, suffix), origin)
    except NotAQuoteFile as exc:
        return _file_problem(origin, str(exc))
    except Exception:  # a safety net: a bug here must not take the program down with a traceback
        log.exception("reading %s failed", origin)
        return _file_problem(
            origin,
            f"{name} could not be read because of a fault in this program (the details are in the log).",
        )


def _read(content: str | bytes, name: str, kind_hint: str | None, suffix: str) -> list[RawRow]:
    text = _text(content, name)
    kind = kind_hint or "quote"  # a label only: a file's name never changes what its rows are
    looks_json = suffix == ".json" or (suffix not in CSV_SUFFIXES and text.lstrip().startswith(("{", "[")))
    if looks_json:
        try:
            return read_json(parse_json(text, name), name, kind)
        except NotAQuoteFile:
            if suffix == ".json":
                raise
    return read_csv(text, name, kind)


def _text(content: str | bytes, name: str) -> str:
    if isinstance(content, str):
        if len(content) > MAX_BYTES:
            raise NotAQuoteFile(_too_big(name, len(content)))
        text = content
    else:
        if len(content) > MAX_BYTES:
            raise NotAQuoteFile(_too_big(name, len(content)))
        binary = _binary(content, name)
        if binary:
            raise NotAQuoteFile(binary)
        text = decode(content)
    if not text.strip(" \t\r\n\ufeff"):
        raise NotAQuoteFile(f"{name} is empty, so it holds no quotes or orders.")
    return text


def _binary(data: bytes, name: str) -> str | None:
    if data.startswith(b"PK\x03\x04"):
        return (
            f"{name} is a spreadsheet workbook or zip file, not a CSV or JSON export: "
            "save it as CSV (UTF-8) and load that."
        )
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None  # UTF-16 text has NUL bytes by design
    sample = data[:4096]
    controls = sum(1 for byte in sample if byte < 32 and byte not in (9, 10, 12, 13))
    if b"\x00" in data[:65536] or controls > len(sample) // 20:
        return f"{name} is not a text file (it looks binary), so it is not a quote or order export."
    return None


def _too_big(name: str, size: int) -> str:
    return (
        f"{name} is {size / 1_048_576:.0f} MB, more than the {MAX_BYTES // 1_048_576} MB this program "
        "reads; export fewer quotes at a time."
    )


def _file_problem(origin: str, sentence: str) -> LoadResult:
    return LoadResult(problems=[RowProblem(origin, None, sentence)])


# -- grouping and validation ---------------------------------------------------------------------------


@dataclass
class _Draft:
    """A quote being grouped: the quote-level values seen so far (value, where first seen) and its lines."""

    number: str
    default_kind: str
    where: str
    head: dict[str, tuple[object, str]] = field(default_factory=dict)
    lines: list[SourceLine] = field(default_factory=list)

    @property
    def kind(self) -> str:
        return str(self.head.get("kind", (self.default_kind,))[0])

    def build(self, origin: str) -> SourceQuote:
        def value(name: str, default: object = None) -> object:
            return self.head.get(name, (default,))[0]

        return SourceQuote(
            number=self.number,
            contact_name=str(value("contact_name", "")),
            contact_email=str(value("contact_email", "")),
            date=value("date"),  # type: ignore[arg-type]
            due_date=value("due_date"),  # type: ignore[arg-type]
            currency=str(value("currency", "")),
            line_amount_types=str(value("line_amount_types", "Exclusive")),
            lines=list(self.lines),
            kind=self.kind,
            origin=origin,
        )


def assemble(rows: list[RawRow], origin: str) -> LoadResult:
    """Group rows into quotes; any bad row makes its whole quote invalid (and absent from ``quotes``)."""
    drafts: dict[str, _Draft] = {}
    problems: list[RowProblem] = []
    previous: _Draft | None = None
    unnumbered: set[str] = set()
    for row in rows:
        number = as_text(row.values.get("number"))
        if not number:
            problems.extend(_no_number(row, previous, origin, unnumbered))
            continue
        key = row.group or number
        draft, new = drafts.get(key), key not in drafts
        if draft is None:
            draft = drafts[key] = _Draft(number, row.default_kind, _where(row))
        problems.extend(_check_row(row, draft, new, origin))
        previous = draft
    problems.extend(_duplicate_numbers(drafts, origin))
    invalid = {p.number for p in problems if p.number}
    quotes = [d.build(origin) for d in drafts.values() if d.number not in invalid]
    return LoadResult(quotes=quotes, problems=problems)


def _check_row(row: RawRow, draft: _Draft, new: bool, origin: str) -> list[RowProblem]:
    head = _merge_head(row, draft)
    if new and is_blank(row.values.get("contact_name")):
        head.append("has no customer name (the first line of each quote must name the customer)")
    if row.problems:
        return _row_problems(row, draft, head, row.problems, origin)
    line, line_problems = _line(row.values)
    if head or line_problems:
        return _row_problems(row, draft, head, line_problems, origin)
    if line is not None:
        draft.lines.append(line)
    return []


def _row_problems(
    row: RawRow, draft: _Draft, head: list[str], line: list[str], origin: str
) -> list[RowProblem]:
    tail = f" — {draft.kind} {draft.number} is left out"
    if row.line is not None:  # CSV: one problem per row, at its line
        return [RowProblem(origin, row.line, "; ".join(head + line) + tail, draft.number)]
    found = [(row.where_quote, head), (row.where_line or row.where_quote, line)]
    return [
        RowProblem(origin, None, f"{where}: {'; '.join(msgs)}{tail}", draft.number)
        for where, msgs in found
        if msgs
    ]


def _no_number(row: RawRow, previous: _Draft | None, origin: str, seen: set[str]) -> list[RowProblem]:
    if row.line is None:  # JSON: once per quote object
        if row.where_quote in seen:
            return []
        seen.add(row.where_quote)
        shapeless = "is not a quote object" in row.problems
        what = "; ".join(row.problems if shapeless else ["has no quote number", *row.problems])
        return [RowProblem(origin, None, f"{row.where_quote}: {what}, so it is left out")]
    if previous is None:
        return [RowProblem(origin, row.line, "has no quote number, so this line is left out")]
    # A line without its number may belong to the quote above: drafting that quote without it would be wrong.
    reason = (
        f"has no quote number; every line must repeat its quote's number — {previous.kind} "
        f"{previous.number} above is left out too, in case this line belongs to it"
    )
    return [RowProblem(origin, row.line, reason, previous.number)]


def _duplicate_numbers(drafts: dict[str, _Draft], origin: str) -> list[RowProblem]:
    """Two quotes of one file that are one Reference to Xero (JSON groups by quote object; "Q-7" and
    "q-7" are one number to Xero, which ignores case): neither can be meant for sure, both are left out."""
    groups: dict[str, list[_Draft]] = {}
    for draft in drafts.values():
        groups.setdefault(quote_identity(draft.number), []).append(draft)
    problems = []
    for group in (g for g in groups.values() if len(g) > 1):
        first = group[0]
        for draft in group[1:]:
            spelt = "" if first.number == draft.number else f" as {show(first.number)} (Xero ignores case)"
            reason = f"{draft.where}: number {show(draft.number)} is also used{spelt} by {first.where}"
            problems.append(RowProblem(origin, None, f"{reason} — both are left out", draft.number))
        if any(draft.number != first.number for draft in group):  # the first spelling is left out too
            others = ", ".join(draft.where for draft in group[1:])
            reason = f"{first.where}: number {show(first.number)} is also used by {others}"
            problems.append(RowProblem(origin, None, f"{reason} — both are left out", first.number))
    return problems


def _where(row: RawRow) -> str:
    return f"line {row.line}" if row.line is not None else row.where_quote


# -- quote-level fields --------------------------------------------------------------------------------


def _merge_head(row: RawRow, draft: _Draft) -> list[str]:
    """Parse this row's quote-level values; a blank repeats the quote's, a different one is a problem."""
    problems = []
    for name in QUOTE_FIELDS:
        raw = row.values.get(name)
        if is_blank(raw):
            continue
        value, problem = _parse_head(name, raw)
        if problem:
            problems.append(problem)
            continue
        seen = draft.head.setdefault(name, (value, _where(row)))
        if _key(seen[0]) != _key(value):
            label = FIELD_LABELS[name]
            problems.append(
                f"{label} is {show(value)} here but {show(seen[0])} on {seen[1]} of the same {draft.kind}"
            )
    return problems


def _parse_head(name: str, raw: object) -> tuple[object, str | None]:
    if name in ("date", "due_date"):
        return parse_date(raw if isinstance(raw, str) else as_text(raw), FIELD_LABELS[name])
    if name == "currency":
        return parse_currency(raw)
    if name == "line_amount_types":
        return parse_line_amount_types(raw)
    if name == "kind":
        return parse_kind(raw)
    text = as_text(raw)
    if len(text) > MAX_NAME:
        return None, f"{FIELD_LABELS[name]} is longer than {MAX_NAME} characters"
    return text, None


def _key(value: object) -> object:
    """Values compared loosely: 'ACME  Ltd' and 'Acme Ltd' are the same customer."""
    return " ".join(value.split()).casefold() if isinstance(value, str) else value


# -- line-level fields ---------------------------------------------------------------------------------


def _line(values: dict[str, object]) -> tuple[SourceLine | None, list[str]]:
    problems: list[str] = []
    description = _description(values.get("description"), problems)
    quantity = _quantity(values.get("quantity"), problems)
    unit_amount = _unit_amount(values.get("unit_amount"), problems)
    discount = _discount(values.get("discount_rate"), problems)
    if problems or quantity is None or unit_amount is None:
        return None, problems
    line = SourceLine(
        description=description,
        quantity=quantity,
        unit_amount=unit_amount,
        discount_rate=discount,
        item_code=as_text(values.get("item_code")),
        account_code=as_text(values.get("account_code")),
        tax_type=as_text(values.get("tax_type")),
    )
    return line, []


def _description(raw: object, problems: list[str]) -> str:
    # Kept as written: text starting with = + - @ is data here, never a formula.
    text = raw.strip(" ") if isinstance(raw, str) else as_text(raw)
    if not text.strip():
        problems.append("has no description")
    elif len(text) > MAX_DESCRIPTION:
        problems.append(f"description is longer than {MAX_DESCRIPTION} characters (it has {len(text)})")
    return text


def _quantity(raw: object, problems: list[str]) -> Decimal | None:
    if is_blank(raw):
        return Decimal(1)  # a blank quantity means one, as on a paper quote
    value, problem = parse_decimal(raw, "quantity")
    if value is None:
        problems.append(problem or "quantity is not a number")
    elif value <= 0:
        problems.append(f"quantity must be more than 0 (it is {show(raw)})")
    elif value > MAX_QUANTITY:
        problems.append(f"quantity {show(raw)} is more than 1,000,000, which looks like a mistake")
    else:
        return value
    return None


def _unit_amount(raw: object, problems: list[str]) -> Decimal | None:
    if is_blank(raw):
        problems.append("has no unit price (write 0 for a free line)")
        return None
    value, problem = parse_decimal(raw, "unit price")
    if value is None:
        problems.append(problem or "unit price is not a number")
    elif abs(value) > MAX_UNIT_AMOUNT:
        problems.append(f"unit price {show(raw)} is beyond ±1,000,000,000, which looks like a mistake")
    else:
        return value
    return None


def _discount(raw: object, problems: list[str]) -> Decimal | None:
    if is_blank(raw):
        return None
    text = raw.strip().removesuffix("%") if isinstance(raw, str) else raw
    value, problem = parse_decimal(text, "discount")
    if value is None:
        problems.append(problem or "discount is not a number")
    elif not 0 <= value <= 100:
        problems.append(f"discount {show(raw)} is outside 0–100 %")
    else:
        return value
    return None
