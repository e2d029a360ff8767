"""CSV exports: decode, find the delimiter and the columns, and turn each physical row into a RawRow."""

from __future__ import annotations

import codecs
import csv
import functools
import io
import itertools
import operator
from collections.abc import Callable, Iterator
from typing import Any, BinaryIO, TextIO

from app.invoicing.mapping import TRACKING, Mapping, MappingRequest
from app.invoicing.parsing import MAX_LINES, RawRow, clean_text, expected, field_for
from app.invoicing.presets import resolve

DELIMITERS = (",", ";", "\t")
REQUIRED = ("number", "description")  # without these it is not a quote export at all
NEEDED = ("contact_name", "unit_amount")  # a quote export, but no quote in it could be drafted


class NotAQuoteFile(Exception):
    """The whole file is unusable; the message is the one sentence shown for it."""


class UnsettledMapping(NotAQuoteFile):
    """Columns that change amounts are not mapped, or two columns claim one field: one sentence each."""

    def __init__(self, mapping: Mapping, sentences: list[str]) -> None:
        super().__init__(" ".join(sentences))
        self.mapping = mapping
        self.sentences = sentences


def decode(data: bytes) -> str:
    """UTF-16 with a BOM (Excel's "Unicode text"), else strict UTF-8 (BOM or not), else Windows-1252."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # cp1252 leaves five bytes undefined; a replacement character beats refusing the whole file.
        return data.decode("cp1252", errors="replace").removeprefix("ï»¿")


LINE_LIMIT = 1 << 20  # one physical line of an export; a longer one is not a quote line (and bounds memory)
PROGRESS_MASK = 8191  # every 8,192 line items: a progress report and the line-item cap checked
NO_PROBLEMS: list[str] = []
Progress = Callable[[int, int], None]  # (characters read so far, the file's size in bytes)


def open_text(binary: BinaryIO, scan: int | None = None) -> io.TextIOWrapper:
    """The file as text, streamed: the encoding found in one cheap pass that keeps nothing (over the
    first ``scan`` bytes only, for a preview of the first rows)."""
    start = binary.read(4)
    binary.seek(0)
    if start.startswith((b"\xff\xfe", b"\xfe\xff")):
        return io.TextIOWrapper(binary, encoding="utf-16", errors="replace", newline="")
    decoder = codecs.getincrementaldecoder("utf-8")()
    encoding = "utf-8-sig"
    try:
        read = 0
        for chunk in iter(lambda: binary.read(1 << 20), b""):
            decoder.decode(chunk)
            read += len(chunk)
            if scan is not None and read >= scan:
                break
        else:
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        # cp1252 leaves five bytes undefined; a replacement character beats refusing the whole file.
        encoding = "cp1252"
    binary.seek(0)
    return io.TextIOWrapper(binary, encoding=encoding, errors="replace", newline="")


def read_csv(
    text: TextIO,
    name: str,
    default_kind: str,
    request: MappingRequest | None = None,
    size: int = 0,
    progress: Progress | None = None,
) -> tuple[Mapping, Iterator[RawRow]]:
    """The columns' mapping and the rows keyed by field, streamed; NotAQuoteFile with one sentence when
    the columns are wrong or the mapping is not settled."""
    csv.field_size_limit(max(csv.field_size_limit(), LINE_LIMIT))
    # readline with a limit: one absurd line can never be read into memory whole.
    lines: Iterator[str] = iter(functools.partial(text.readline, LINE_LIMIT), "")
    delimiter, lines = _delimiter(lines)
    reader = csv.reader(lines, delimiter=delimiter)
    try:
        header, header_line = _header(reader, name)
        header = [clean_text(cell).lstrip("\ufeff").removeprefix("ï»¿").strip() for cell in header]
        mapping = resolve(header, request)
        columns = _columns(mapping, name)
    except csv.Error as exc:
        raise NotAQuoteFile(f"{name} could not be read as CSV (line {reader.line_num}: {exc}).") from exc
    report = None
    if progress is not None:
        where = _position(text)

        def report(done: bool = False) -> None:
            progress(size if done else min(where(), size), size)

    return mapping, _rows(
        reader, columns, header_line, default_kind, len(header), name, mapping.fill_down, report
    )


def _position(text: TextIO) -> Callable[[], int]:
    """Bytes read so far (the text layer reads ahead in chunks: close enough for a progress bar). The
    closure holds ``text``: once the reader is done with it, dropping it would close the file."""

    def where() -> int:
        buffer = getattr(text, "buffer", None)
        try:
            return int(buffer.tell()) if buffer is not None else 0
        except (OSError, ValueError):
            return 0

    return where


def _delimiter(lines: Iterator[str]) -> tuple[str, Iterator[str]]:
    """Excel's "sep=;" first line wins; else the delimiter under which the header has most known columns."""
    head = list(itertools.islice(lines, 5))
    first = head[0].lstrip("\ufeff").strip() if head else ""
    if first.lower().startswith("sep=") and len(first) == 5:
        return first[4], itertools.chain(head[1:], lines)
    sample = "".join(head)
    return max(DELIMITERS, key=lambda d: _score(sample, d)), itertools.chain(head, lines)


def _score(head: str, delimiter: str) -> tuple[int, int]:
    try:
        row = next((r for r in csv.reader(io.StringIO(head, newline=""), delimiter=delimiter) if r), [])
    except csv.Error:
        return (0, 0)
    return (sum(1 for cell in row if field_for(cell)), len(row))


def _header(reader: Any, name: str) -> tuple[list[str], int]:
    for row in reader:
        if any(cell.strip(" \t\r\n\ufeff") for cell in row):
            return row, reader.line_num
    raise NotAQuoteFile(f"{name} is empty, so it holds no quotes or orders.")


def _columns(mapping: Mapping, name: str) -> dict[str, int]:
    """The columns the loader reads; UnsettledMapping (carrying the mapping, so the user can fix it) when
    a required field has no column or the mapping blocks."""
    columns = mapping.field_columns()
    missing = [
        f"{name} does not look like a quote or order export: it has no column for the {_what(required)} "
        f"(expected one of: {expected(required)})."
        for required in REQUIRED
        if required not in columns
    ][:1]
    missing += [
        f"{name} has no column for the {_what(needed)} (expected one of: {expected(needed)}), "
        "so none of its quotes can be drafted."
        for needed in NEEDED
        if needed not in columns
    ][: 0 if missing else 1]
    blocking = [f"{name}: {sentence}." for sentence in mapping.blocking()]
    if missing or blocking:
        raise UnsettledMapping(mapping, missing + blocking)
    return columns


def _what(field_name: str) -> str:
    return {
        "number": "quote number",
        "description": "line description",
        "contact_name": "customer name",
        "unit_amount": "unit price",
    }[field_name]


def _rows(
    reader: Any,
    columns: dict[str, int],
    after: int,
    kind: str,
    width: int,
    name: str,
    fill_down: bool,
    report: Callable[..., None] | None,
) -> Iterator[RawRow]:
    previous_end, count = after, 0
    number_at = columns.get("number")
    last_number = ""
    items = list(columns.items())
    fields = [f for f, _ in items]
    pick = operator.itemgetter(*[i for _, i in items])
    reach = max(i for _, i in items) + 1
    one = len(items) == 1
    fast = not one
    filling = fill_down and number_at is not None
    # Tracking cells are a line's own; filling down, a blank one repeats the row above of the same quote.
    tracked = [(f, i) for f, i in items if f.startswith(TRACKING)] if filling else []
    last_tracking: dict[str, object] = {}
    try:
        for row in reader:
            start, previous_end = previous_end + 1, reader.line_num  # a quoted newline spans physical lines
            size = len(row)
            # A blank row (or one of blank cells) is skipped; a row's first cell is rarely blank.
            if size <= width and (not row or not row[0].strip()) and not "".join(row).strip():
                continue
            count += 1
            if not count & PROGRESS_MASK:
                if count > MAX_LINES:
                    raise NotAQuoteFile(
                        f"{name} has more than {MAX_LINES:,} line items, more than this program reads at "
                        "once; export fewer quotes at a time."
                    )
                if report is not None:
                    report()
            if fast and size >= reach:
                values: dict[str, object] = dict(zip(fields, pick(row)))  # noqa: B905 (same length)
            else:
                values = {f: row[i] for f, i in items if i < size}
            if filling:
                number = row[number_at].strip() if number_at < size else ""  # type: ignore[operator,index]
                if number:
                    last_number = number
                elif last_number:
                    values["number"] = last_number
                    for tracking_field, _ in tracked:
                        cell = values.get(tracking_field)
                        if cell is None or not str(cell).strip():
                            values[tracking_field] = last_tracking.get(tracking_field, "")
                for tracking_field, _ in tracked:
                    last_tracking[tracking_field] = values.get(tracking_field, "")
            problems = NO_PROBLEMS  # shared and never changed: the loader only reads a row's problems
            if size > width:
                # Usually an unquoted decimal comma ("12,50") splitting one value in two: every column
                # after it would be shifted, so guessing would put wrong amounts on the invoice.
                problems = [
                    f"has {size} values but the header has {width} columns "
                    '(a decimal comma in a comma-separated file must be quoted, e.g. "12,50")'
                ]
            yield RawRow(values, start, None, "", "", kind, problems)
    except csv.Error as exc:
        raise NotAQuoteFile(f"{name} could not be read as CSV (line {reader.line_num}: {exc}).") from exc
    if report is not None:
        report(True)
