"""Load CRM quotes and orders (CSV or JSON files, or the tenant's accepted quotes) into SourceQuotes.

Public API: :func:`load_file`, :func:`load_text` and :func:`load_xero_quotes`. Bad input never raises:
a bad row makes its whole quote invalid (reported as RowProblems carrying the number, left out of
``quotes``), and a file that is not a quote export at all gets one file-level sentence (line=None).
The format is described in docs/quote-format.md.
"""

from __future__ import annotations

import datetime
import gc
import io
import itertools
import logging
import operator
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any, BinaryIO

from app.invoicing.csv_source import NotAQuoteFile, Progress, UnsettledMapping, decode, open_text, read_csv
from app.invoicing.fingerprint import CENT, line_total
from app.invoicing.json_source import parse_json, read_json
from app.invoicing.mapping import TRACKING, MappingError, MappingRequest
from app.invoicing.parsing import (
    DATE_ORDER_WORDS,
    FIELD_LABELS,
    MAX_BYTES,
    MAX_DESCRIPTION,
    MAX_NAME,
    MAX_QUANTITY,
    MAX_UNIT_AMOUNT,
    QUOTE_FIELDS,
    RawRow,
    as_text,
    clean_text,
    date_evidence,
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


def load_file(
    path: str | Path,
    request: MappingRequest | None = None,
    progress: Progress | None = None,
    sample_rows: int | None = None,
) -> LoadResult:
    """A CSV (.csv/.txt/.tsv) or JSON (.json) export; any other name is recognised by its content.

    A CSV streams (one pass, keeping parsed quotes only); ``request`` says how its columns map,
    ``progress(read, size)`` is called as it goes, ``sample_rows`` stops after that many rows (a preview).
    """
    path = Path(path)
    origin, name = str(path), path.name
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            return _load(
                handle, size, origin, name, None, path.suffix.lower(), request, progress, sample_rows
            )
    except OSError as exc:
        return _file_problem(origin, f"{name} could not be read ({exc.strerror or exc}).")


def load_text(
    text_or_bytes: str | bytes,
    origin: str,
    kind_hint: str | None = None,
    request: MappingRequest | None = None,
    progress: Progress | None = None,
    sample_rows: int | None = None,
) -> LoadResult:
    """The same as load_file for content already in memory; ``origin`` names it (its extension counts)."""
    name = Path(origin).name or origin
    data = text_or_bytes if isinstance(text_or_bytes, bytes) else text_or_bytes.encode("utf-8", "replace")
    return _load(
        io.BytesIO(data),
        len(data),
        origin,
        name,
        kind_hint,
        Path(origin).suffix.lower(),
        request,
        progress,
        sample_rows,
    )


def _load(
    binary: BinaryIO,
    size: int,
    origin: str,
    name: str,
    kind_hint: str | None,
    suffix: str,
    request: MappingRequest | None,
    progress: Progress | None,
    sample_rows: int | None,
) -> LoadResult:
    kind = kind_hint or "quote"  # a label only: a file's name never changes what its rows are
    try:
        head = binary.read(65536)
        binary.seek(0)
        binary_problem = _binary(head, name)
        if binary_problem:
            raise NotAQuoteFile(binary_problem)
        sniffed = decode(head[:4096]).lstrip(" \t\r\n\ufeff")[:1]
        looks_json = suffix == ".json" or (suffix not in CSV_SUFFIXES and sniffed in ("{", "["))
        if looks_json:
            if size > MAX_BYTES:
                raise NotAQuoteFile(_too_big(name, size))
            text = decode(binary.read())
            if not text.strip(" \t\r\n\ufeff"):
                raise NotAQuoteFile(f"{name} is empty, so it holds no quotes or orders.")
            try:
                rows = read_json(parse_json(text, name), name, kind)
                return assemble(rows, origin, _order(request))
            except NotAQuoteFile:
                if suffix == ".json":
                    raise
                binary.seek(0)
        scan = None if sample_rows is None else 1 << 20  # a preview decides the encoding on 1 MB
        csv_text = open_text(binary, scan)
        try:
            mapping, stream = read_csv(csv_text, name, kind, request, size, progress)
            if sample_rows is not None:
                stream = itertools.islice(stream, sample_rows)
            result = assemble(
                stream,
                origin,
                mapping.date_order,
                mapping.fallback_order,
                {*mapping.field_columns(), "number"},
            )
        finally:
            csv_text.detach()  # the caller owns (and closes) the binary file under the text layer
        result.mapping = mapping
        return result
    except UnsettledMapping as unsettled:
        result = LoadResult(problems=[RowProblem(origin, None, s) for s in unsettled.sentences])
        result.mapping, result.blocking = unsettled.mapping, unsettled.sentences
        return result
    except MappingError as exc:
        return _file_problem(origin, str(exc))
    except NotAQuoteFile as exc:
        return _file_problem(origin, str(exc))
    except Exception:  # a safety net: a bug here must not take the program down with a traceback
        log.exception("reading %s failed", origin)
        return _file_problem(
            origin,
            f"{name} could not be read because of a fault in this program (the details are in the log).",
        )


def _order(request: MappingRequest | None) -> str | None:
    if request is None:
        return None
    return request.date_order or (request.mapping.date_order if request.mapping else None)


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
        f"{name} is {size / 1_048_576:.0f} MB, more than the {MAX_BYTES // 1_048_576} MB of JSON this "
        "program reads (a CSV export has no such limit); export fewer quotes at a time."
    )


def _file_problem(origin: str, sentence: str) -> LoadResult:
    return LoadResult(problems=[RowProblem(origin, None, sentence)])


# -- grouping and validation ---------------------------------------------------------------------------


class _Draft:
    """A quote being grouped: its quote-level values so far (None: not given yet) and its lines, kept
    lean in slots, not a dict: a million-line file keeps one of these per quote until the end."""

    __slots__ = (
        "ambiguous",
        "bad",
        "contact_email",
        "contact_name",
        "currency",
        "date",
        "default_kind",
        "due_date",
        "kind_given",
        "line_amount_types",
        "lines",
        "number",
        "seen_at",
        "tracking",
        "where",
    )

    def __init__(self, number: str, default_kind: str, where: str) -> None:
        self.number = number
        self.default_kind = default_kind
        self.where = where
        self.contact_name: object = None
        self.contact_email: object = None
        self.date: object = None
        self.due_date: object = None
        self.currency: object = None
        self.line_amount_types: object = None
        self.kind_given: object = None
        self.seen_at: dict[str, str] | None = None  # where a field was first given, when not on `where`
        self.lines: list[SourceLine] = []
        self.tracking: dict[str, str] | None = None  # the quote's own tracking (a JSON quote's "tracking")
        self.ambiguous = 0  # bit 1: date, bit 2: due date read day first but fitting month first too
        self.bad = False

    @property
    def kind(self) -> str:
        return str(self.kind_given or self.default_kind)

    def first_seen(self, name: str) -> str:
        return (self.seen_at or {}).get(name, self.where)

    def build(self, origin: str, month_first: bool) -> SourceQuote:
        dates = [self.date, self.due_date]
        if month_first:  # read day first while the file was streaming; the file turned out month first
            dates = [_swap(d) if self.ambiguous & bit else d for d, bit in zip(dates, (1, 2), strict=True)]
        return SourceQuote(  # positional: a million-line file builds a quarter of a million of these
            self.number,
            str(self.contact_name or ""),
            str(self.contact_email or ""),
            dates[0],  # type: ignore[arg-type]  # date
            dates[1],  # type: ignore[arg-type]  # due date
            str(self.currency or ""),
            str(self.line_amount_types or "Exclusive"),
            self.lines,
            self.kind,
            origin,
            tracking=self.tracking or {},
        )


def _swap(value: object) -> object:
    return datetime.date(value.year, value.day, value.month) if isinstance(value, datetime.date) else value


@dataclass
class _DateFacts:
    """What the file's day/month dates said, for guessing their order."""

    first: dict[str, tuple[str, str]] = field(default_factory=dict)  # evidence -> (value, where)
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, raw: object, row: RawRow) -> str | None:
        evidence = date_evidence(raw)
        if evidence:
            self.counts[evidence] = self.counts.get(evidence, 0) + 1
            if evidence not in self.first:
                self.first[evidence] = (str(raw).strip(), _where(row))
        return evidence

    def decide(self, chosen: str | None, fallback: str) -> tuple[str, str]:
        """(order, the sentence saying what was read and why)."""
        if chosen:
            return chosen, f"Dates are read {DATE_ORDER_WORDS[chosen]}, as chosen."
        day, month = self.counts.get("day", 0), self.counts.get("month", 0)
        if day or month:
            order = "day" if day >= month else "month"
            value, where = self.first[order]
            sentence = (
                f"Dates are read {DATE_ORDER_WORDS[order]}, guessed from {show(value)} on {where}, "
                f"which can only be {DATE_ORDER_WORDS[order]}"
            )
            other = "month" if order == "day" else "day"
            if self.counts.get(other):
                odd, odd_where = self.first[other]
                sentence += f" (but {show(odd)} on {odd_where} can only be {DATE_ORDER_WORDS[other]})"
            return order, sentence + "."
        if self.counts.get("either"):
            value, where = self.first["either"]
            return fallback, (
                f"Dates are read {DATE_ORDER_WORDS[fallback]}: no date in the file tells ({show(value)} on "
                f"{where} fits both ways); choose the date order if that is wrong."
            )
        return fallback, ""


class _Assembler:
    """One pass over the rows: each row is parsed into its quote at once and then dropped."""

    def __init__(self, origin: str, order: str | None, fields: set[str] | None = None) -> None:
        self.origin = origin
        self.fields = fields  # a CSV's mapped fields (every full row has exactly these); None for JSON
        self._head_fields = HEAD_FIELDS if fields is None else tuple(f for f in HEAD_FIELDS if f in fields)
        # A CSV's tracking columns ("tracking:Region"); a JSON line says "tracking" itself.
        self._tracking = tuple(sorted(f for f in fields or () if f.startswith(TRACKING)))
        self._pick_head = self._picker(HEAD_FIELDS)
        self._pick_line = self._picker(LINE_FIELDS)
        self.order = order  # None: read day first, decided (and swapped) at the end
        self.drafts: dict[str, _Draft] = {}
        self.problems: list[RowProblem] = []
        self.previous: _Draft | None = None
        self.unnumbered: set[str] = set()
        self.dates = _DateFacts()
        self.totals: dict[str, tuple[Decimal, str]] = {}  # quote key -> (the file's quote total, where)
        self._heads: dict[str, dict[str, tuple[object, str | None]]] = {name: {} for name in HEAD_FIELDS}
        self._numbers: dict[object, tuple[Decimal | None, str | None]] = {}
        self._texts: dict[str, str] = {}
        self._lines: dict[tuple[object, ...], tuple[list[SourceLine], list[str]]] = {}
        self._last_draft: _Draft | None = None
        self._last_head: tuple[object, ...] = ()

    def add(self, row: RawRow) -> None:
        raw = row.values.get("number")
        number = raw.strip() if type(raw) is str and raw.isprintable() else as_text(raw)
        if not number:
            self.problems.extend(_no_number(row, self.previous, self.origin, self.unnumbered))
            return
        key = row.group or number
        draft = self.drafts.get(key)
        new = draft is None
        if draft is None:
            draft = self.drafts[key] = _Draft(number, row.default_kind, _where(row))
        found = self._check_row(row, draft, new)
        if found:
            draft.bad = True
            self.problems.extend(found)
        self.previous = draft

    def finish(self, fallback: str) -> LoadResult:
        order, note = self.dates.decide(self.order, fallback)
        self.problems.extend(_duplicate_numbers(self.drafts, self.origin))
        for key, (total, where) in self.totals.items():
            draft = self.drafts[key]
            computed = line_total(SourceQuote(draft.number, "", lines=draft.lines))
            if not draft.bad and computed != total.quantize(CENT, rounding=ROUND_HALF_UP):
                self.problems.append(
                    RowProblem(
                        self.origin,
                        _line_of(where),
                        f"the file's quote total is {total:,.2f} but its lines add up to {computed:,.2f}"
                        f" — {draft.kind} {draft.number} is left out",
                        draft.number,
                    )
                )
        invalid = {p.number for p in self.problems if p.number}
        month_first = self.order is None and order == "month"
        quotes = []
        for key in list(self.drafts):
            draft = self.drafts.pop(key)  # drafts become quotes one by one: the peak holds one of them
            if draft.number not in invalid:
                quotes.append(draft.build(self.origin, month_first))
        return LoadResult(quotes=quotes, problems=self.problems, date_order=order, date_note=note)

    # -- one row --

    def _check_row(self, row: RawRow, draft: _Draft, new: bool) -> list[RowProblem]:
        values = row.values
        try:
            same = self._pick_head(values)
        except KeyError:
            same = tuple(map(values.get, HEAD_FIELDS))
        if draft is self._last_draft and same == self._last_head:
            head: list[str] = []  # the quote's cells exactly as on the row above, which agreed
        else:
            head = self._merge_head(row, draft, new)
            self._last_draft, self._last_head = (draft, same) if not head else (None, ())
        if new and is_blank(values.get("contact_name")):
            head.append("has no customer name (the first line of each quote must name the customer)")
        if new and values.get("quote_tracking") is not None:
            draft.tracking, problem = _tracking_object(values["quote_tracking"])
            if problem:
                head.append(problem)
        if row.problems:
            return _row_problems(row, draft, head, row.problems, self.origin)
        # Lines are immutable: one object for every identical line row (a product sold a thousand times).
        try:
            key = self._pick_line(values)
        except KeyError:
            key = tuple(map(values.get, LINE_FIELDS))
        try:
            found = self._lines.get(key)
        except TypeError:  # a JSON list or object where a value belongs: parsed (and refused) as it is
            found = self._line(values)
        else:
            if found is None:
                found = self._line(values)
                if len(self._lines) > CACHE_SIZE:
                    self._lines.clear()
                self._lines[key] = found
        lines, line_problems = found
        if self._tracking or "tracking" in values:
            pairs, tracking_problems = self._line_tracking(values)
            line_problems = line_problems + tracking_problems
            if pairs and lines:
                lines = [replace(line, tracking=pairs) for line in lines]
        if head or line_problems:
            return _row_problems(row, draft, head, line_problems, self.origin)
        if not draft.bad:
            draft.lines.extend(lines)  # the cached list itself is never changed
        return []

    def _line_tracking(self, values: dict[str, object]) -> tuple[tuple[tuple[str, str], ...], list[str]]:
        """The line's own (category, option) pairs; an empty cell is no tracking from that column."""
        if "tracking" in values:  # JSON
            found, problem = _tracking_object(values["tracking"])
            return tuple(found.items()), [problem] if problem else []
        pairs = []
        problems = []
        for name in self._tracking:
            text = as_text(values.get(name))
            if not text:
                continue
            category = name.removeprefix(TRACKING)
            if len(text) > MAX_TRACKING_NAME:
                problems.append(f"{category} {show(text)} is longer than {MAX_TRACKING_NAME} characters")
                continue
            pairs.append((category, self._text(text)))
        return tuple(pairs), problems

    def _merge_head(self, row: RawRow, draft: _Draft, new: bool) -> list[str]:
        """This row's quote-level values; a blank repeats the quote's, a different one is a problem."""
        problems = []
        values = row.values
        parse = self._parse_head
        for name in self._head_fields:
            raw = values.get(name)
            if raw is None or (isinstance(raw, str) and not raw.strip()):
                continue
            value, problem = parse(name, raw)
            if problem:
                problems.append(problem)
                continue
            if name == "quote_total":
                key = row.group or draft.number
                if key not in self.totals:
                    self.totals[key] = (value, _where(row))  # type: ignore[assignment]
                continue
            attribute = _ATTRIBUTES[name]
            seen = None if new else getattr(draft, attribute)
            if seen is None:
                setattr(draft, attribute, value)
                if (
                    name in ("date", "due_date")
                    and self.order is None
                    and self.dates.add(raw, row) == "either"
                ):
                    draft.ambiguous |= 1 if name == "date" else 2
                if not new:
                    draft.seen_at = draft.seen_at or {}
                    draft.seen_at[name] = _where(row)
            elif _key(seen) != _key(value):
                label = FIELD_LABELS[name]
                problems.append(
                    f"{label} is {show(value)} here but {show(seen)} on {draft.first_seen(name)} "
                    f"of the same {draft.kind}"
                )
        return problems

    def _parse_head(self, name: str, raw: object) -> tuple[object, str | None]:
        if not isinstance(raw, str):
            return _parse_head(name, raw, self.order or "day")
        cache = self._heads[name]  # customers, dates and currencies repeat across a file's quotes
        found = cache.get(raw)
        if found is None:
            if len(cache) > CACHE_SIZE:
                cache.clear()
            found = cache[raw] = _parse_head(name, raw, self.order or "day")
        return found

    def _picker(self, names: tuple[str, ...]) -> Callable[[dict[str, object]], Any]:
        """The row's cells of these fields, as a key. A CSV's full rows all have the same fields, picked at
        C speed (a short row raises KeyError: the caller then takes every field, a longer key that never
        equals a picked one); a JSON row takes every field."""
        present = [name for name in names if self.fields is not None and name in self.fields]
        if len(present) < 2:
            return lambda values: tuple(map(values.get, names))
        return operator.itemgetter(*present)

    def _line(self, values: dict[str, object]) -> tuple[list[SourceLine], list[str]]:
        problems: list[str] = []
        get = values.get
        number = self._number
        description = self._description(get("description"), problems)
        quantity = _quantity(get("quantity"), problems, number)
        unit_amount = _unit_amount(get("unit_amount"), problems, number)
        raw_discount, raw_off, raw_total = get("discount_rate"), get("discount_amount"), get("line_total")
        discount = _discount(raw_discount, problems, number) if raw_discount is not None else None
        off = _discount_amount(raw_off, problems, number) if raw_off is not None else None
        stated = _stated_total(raw_total, problems, number) if raw_total is not None else None
        if problems or quantity is None or unit_amount is None:
            return [], problems
        text = self._text
        item, account, tax = get("item_code"), get("account_code"), get("tax_type")
        line = SourceLine(
            description,
            quantity,
            unit_amount,
            discount,
            text(as_text(item)) if item is not None else "",
            text(as_text(account)) if account is not None else "",
            text(as_text(tax)) if tax is not None else "",
        )
        lines = [line]
        if off:  # an amount off the line (Zoho's discount): drafted as its own line, to the cent
            lines.append(
                SourceLine(
                    text(f"Discount: {description}"[:MAX_DESCRIPTION]),
                    Decimal(1),
                    -off,
                    None,
                    "",
                    line.account_code,
                    line.tax_type,
                )
            )
        if stated is not None:
            computed = line_total(SourceQuote("", "", lines=lines))
            if computed != stated.quantize(CENT, rounding=ROUND_HALF_UP):
                return [], [
                    f"the file's line total is {stated:,.2f} but quantity × price less discount is "
                    f"{computed:,.2f}"
                ]
        return lines, []

    def _description(self, raw: object, problems: list[str]) -> str:
        # Kept as written: text starting with = + - @ is data here, never a formula.
        text = clean_text(raw, multiline=True).strip(" ") if isinstance(raw, str) else as_text(raw)
        if not text.strip():
            problems.append("has no description")
        elif len(text) > MAX_DESCRIPTION:
            problems.append(f"description is longer than {MAX_DESCRIPTION} characters (it has {len(text)})")
        return self._text(text)

    def _text(self, text: str) -> str:
        """One string object for text repeated across lines (product names, codes): memory, not speed."""
        found = self._texts.get(text)
        if found is not None:
            return found
        if len(self._texts) > CACHE_SIZE:
            self._texts.clear()
        self._texts[text] = text
        return text

    def _number(self, raw: object, label: str) -> tuple[Decimal | None, str | None]:
        if not isinstance(raw, str):
            return parse_decimal(raw, label)
        key = (raw, label)
        found = self._numbers.get(key)  # one Decimal object for every "1" and "24.50" of the file
        if found is None:
            if len(self._numbers) > CACHE_SIZE:
                self._numbers.clear()
            # 12, 12.50: most cells of most exports, read without the general parser
            found = (Decimal(raw), None) if _PLAIN.match(raw) else parse_decimal(raw, label)
            self._numbers[key] = found
        return found


CACHE_SIZE = 100_000
MAX_TRACKING_NAME = 100  # Xero's limit for a tracking category's or option's name
TRACKING_SHAPE = '"tracking" must be an object such as {"Region": "North"}'
_PLAIN = re.compile(r"\d{1,15}(?:\.\d{1,10})?\Z")
HEAD_FIELDS = (*QUOTE_FIELDS, "quote_total")
_ATTRIBUTES = {name: "kind_given" if name == "kind" else name for name in HEAD_FIELDS}  # on a _Draft
LINE_FIELDS = (
    "description",
    "quantity",
    "unit_amount",
    "discount_rate",
    "discount_amount",
    "line_total",
    "item_code",
    "account_code",
    "tax_type",
)


def assemble(
    rows: Iterable[RawRow],
    origin: str,
    order: str | None = None,
    fallback: str = "day",
    fields: set[str] | None = None,
) -> LoadResult:
    """Group rows into quotes; any bad row makes its whole quote invalid (and absent from ``quotes``).
    ``order`` is the date order chosen (None: guessed from the file's dates, ``fallback`` if none tells)."""
    assembler = _Assembler(origin, order, fields)
    collecting = gc.isenabled()
    gc.disable()  # a million new objects and no cycles: the collector would rescan the growing heap
    try:
        for row in rows:
            assembler.add(row)
        return assembler.finish(fallback)
    finally:
        if collecting:
            gc.enable()


def _tracking_object(raw: object) -> tuple[dict[str, str], str]:
    """A JSON quote's or line's "tracking": {"Region": "North"} or Xero's [{"Name": .., "Option": ..}]."""
    if raw is None:
        return {}, ""
    if isinstance(raw, list) and all(isinstance(item, dict) for item in raw):
        raw = {item.get("Name") or item.get("name"): item.get("Option") or item.get("option") for item in raw}
    if not isinstance(raw, dict):
        return {}, TRACKING_SHAPE
    out: dict[str, str] = {}
    for category, option in raw.items():
        name, text = as_text(category), as_text(option)
        if not name or (option is not None and not isinstance(option, (str, Decimal))):
            return {}, TRACKING_SHAPE
        if len(name) > MAX_TRACKING_NAME or len(text) > MAX_TRACKING_NAME:
            return {}, f"a tracking category or option is longer than {MAX_TRACKING_NAME} characters"
        if text:
            out[name] = text
    return out, ""


def _line_of(where: str) -> int | None:
    return int(where[5:]) if where.startswith("line ") and where[5:].isdigit() else None


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
        f"has no quote number; every line must repeat its quote's number (or choose \"fill down blank "
        f'cells") — {previous.kind} {previous.number} above is left out too, in case this line belongs to it'
    )
    return [RowProblem(origin, row.line, reason, previous.number)]


def _duplicate_numbers(drafts: dict[str, _Draft], origin: str) -> list[RowProblem]:
    """Two quotes of one file that are one Reference to Xero (JSON groups by quote object; "Q-7" and
    "q-7" are one number to Xero, which ignores case): neither can be meant for sure, both are left out."""
    first_of: dict[str, _Draft] = {}
    groups: dict[str, list[_Draft]] = {}  # only identities used more than once (a list per quote is memory)
    for draft in drafts.values():
        identity = quote_identity(draft.number)
        first = first_of.setdefault(identity, draft)
        if first is not draft:
            groups.setdefault(identity, [first]).append(draft)
    problems = []
    for group in groups.values():
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


def _parse_head(name: str, raw: object, order: str) -> tuple[object, str | None]:
    if name in ("date", "due_date"):
        return parse_date(raw if isinstance(raw, str) else as_text(raw), FIELD_LABELS[name], order)
    if name == "currency":
        return parse_currency(raw)
    if name == "line_amount_types":
        return parse_line_amount_types(raw)
    if name == "kind":
        return parse_kind(raw)
    if name == "quote_total":
        return parse_decimal(raw, "quote total")
    text = as_text(raw)
    if len(text) > MAX_NAME:
        return None, f"{FIELD_LABELS[name]} is longer than {MAX_NAME} characters"
    return text, None


def _key(value: object) -> object:
    """Values compared loosely: 'ACME  Ltd' and 'Acme Ltd' are the same customer."""
    return " ".join(value.split()).casefold() if isinstance(value, str) else value


# -- line-level fields ---------------------------------------------------------------------------------

NumberParser = Callable[[object, str], tuple[Decimal | None, str | None]]


def _quantity(raw: object, problems: list[str], parse: NumberParser = parse_decimal) -> Decimal | None:
    if is_blank(raw):
        return Decimal(1)  # a blank quantity means one, as on a paper quote
    value, problem = parse(raw, "quantity")
    if value is None:
        problems.append(problem or "quantity is not a number")
    elif value <= 0:
        problems.append(f"quantity must be more than 0 (it is {show(raw)})")
    elif value > MAX_QUANTITY:
        problems.append(f"quantity {show(raw)} is more than 1,000,000, which looks like a mistake")
    else:
        return value
    return None


def _unit_amount(raw: object, problems: list[str], parse: NumberParser = parse_decimal) -> Decimal | None:
    if is_blank(raw):
        problems.append("has no unit price (write 0 for a free line)")
        return None
    value, problem = parse(raw, "unit price")
    if value is None:
        problems.append(problem or "unit price is not a number")
    elif abs(value) > MAX_UNIT_AMOUNT:
        problems.append(f"unit price {show(raw)} is beyond ±1,000,000,000, which looks like a mistake")
    else:
        return value
    return None


def _discount(raw: object, problems: list[str], parse: NumberParser = parse_decimal) -> Decimal | None:
    if is_blank(raw):
        return None
    text = raw.strip().removesuffix("%") if isinstance(raw, str) else raw
    value, problem = parse(text, "discount")
    if value is None:
        problems.append(problem or "discount is not a number")
    elif not 0 <= value <= 100:
        problems.append(f"discount {show(raw)} is outside 0–100 %")
    else:
        return value
    return None


def _discount_amount(raw: object, problems: list[str], parse: NumberParser = parse_decimal) -> Decimal | None:
    if is_blank(raw):
        return None
    value, problem = parse(raw, "discount amount")
    if value is None:
        problems.append(problem or "discount amount is not a number")
    elif value < 0 or value > MAX_UNIT_AMOUNT:
        problems.append(f"discount amount {show(raw)} must be between 0 and 1,000,000,000")
    else:
        return value
    return None


def _stated_total(raw: object, problems: list[str], parse: NumberParser = parse_decimal) -> Decimal | None:
    if is_blank(raw):
        return None
    value, problem = parse(raw, "line total")
    if value is None:
        problems.append(problem or "line total is not a number")
    return value
