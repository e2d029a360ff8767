"""The window's mapping step without Qt: a file's columns, their fields, and a preview of its first quotes.

The view shows :attr:`MappingStep.columns` with a dropdown each, the fill-down and date-order choices,
:meth:`preview` (the first quotes as they would be drafted) and :attr:`blocking`; every change re-reads
the first rows of the file, so the preview is what the loader will do. :meth:`request` is what the
real load then uses, so the mapping seen is the mapping drafted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from app.invoicing.fingerprint import line_total
from app.invoicing.mapping import (
    CHOICES,
    IGNORED,
    TRACKING,
    Mapping,
    MappingRequest,
    save_mapping,
    tracking_field,
    user_name,
)
from app.invoicing.parsing import DATE_ORDER_WORDS
from app.invoicing.records import LoadResult
from app.invoicing.sources import load_file

SETTLED = "Every column is mapped or ignored; the preview is what will be drafted."
SAVED = "Mapping saved: files with these columns will map themselves."
BLOCKS = "Blocks drafting: map it or ignore it."
PREVIEW_ROWS = 200  # rows read for the preview: enough for the first quotes, instant on any file
PREVIEW_QUOTES = 5
NOT_MAPPED = "(not mapped)"  # an ignored column nobody chose to ignore (it blocks when amount-like)
GUESS = "guess"  # the date-order choice "guessed from the file"
DATE_CHOICES = (GUESS, "day", "month", "iso")
DATE_CHOICE_WORDS = {GUESS: "Guess from the file", **{k: v.capitalize() for k, v in DATE_ORDER_WORDS.items()}}


@dataclass(frozen=True)
class ColumnRow:
    name: str
    choice: str  # a user field name, "ignored" when chosen so, or NOT_MAPPED
    note: str
    blocking: bool  # this column keeps the file from being drafted


@dataclass(frozen=True)
class PreviewRow:
    number: str
    customer: str
    lines: int
    total: str
    currency: str
    amounts: str
    tax: str  # the lines' tax types as the file gives them ("default" where it gives none)


class MappingStep:
    def __init__(
        self,
        path: str | Path,
        request: MappingRequest | None = None,
        saved_folder: Path | None = None,
        categories: Sequence[str] = (),
    ) -> None:
        self.path = Path(path)
        self.categories = tuple(categories)  # the organisation's tracking categories, when known
        self.saved_folder = saved_folder
        self._request = request or MappingRequest(
            saved_folder=saved_folder, tracking_categories=self.categories
        )
        self.loaded = self._read()
        self.mapping: Mapping | None = self.loaded.mapping

    def _read(self) -> LoadResult:
        return load_file(self.path, self._request, sample_rows=PREVIEW_ROWS)

    def _reload(self) -> None:
        assert self.mapping is not None
        self._request = MappingRequest(mapping=self.mapping, saved_folder=self.saved_folder)
        self.loaded = self._read()
        self.mapping = self.loaded.mapping or self.mapping

    # -- what the view shows --

    @property
    def is_csv(self) -> bool:
        """A JSON export has no columns to map; the step then shows only its preview."""
        return self.mapping is not None

    @property
    def columns(self) -> list[ColumnRow]:
        if self.mapping is None:
            return []
        text = " ".join(self.blocking)
        return [
            ColumnRow(
                c.name,
                NOT_MAPPED if c.field == IGNORED and not c.chosen else user_name(c.field),
                c.note,
                repr(c.name) in text,
            )
            for c in self.mapping.columns
        ]

    def choices(self, index: int) -> list[str]:
        """What column ``index`` can be: the fields, "ignored", and a tracking category named as the column
        (or as it is mapped already)."""
        if self.mapping is None:
            return []
        column = self.mapping.columns[index]
        tracking = [tracking_field(column.name)]
        for known in (*[tracking_field(c) for c in self.categories], column.field):
            if known.startswith(TRACKING) and known.casefold() not in {t.casefold() for t in tracking}:
                tracking.append(known)
        return [*CHOICES, *tracking]

    @property
    def blocking(self) -> list[str]:
        return self.loaded.blocking

    @property
    def problems(self) -> list[str]:
        """Whole-file sentences (a blocking mapping, no number column, ...)."""
        return [p.reason for p in self.loaded.problems if p.line is None and not p.number]

    @property
    def settled(self) -> bool:
        return not self.problems

    @property
    def date_choice(self) -> str:
        return (self.mapping.date_order if self.mapping else None) or GUESS

    @property
    def date_note(self) -> str:
        return self.loaded.date_note

    @property
    def fill_down(self) -> bool:
        return bool(self.mapping and self.mapping.fill_down)

    def preview(self) -> list[PreviewRow]:
        rows = []
        for quote in self.loaded.quotes[:PREVIEW_QUOTES]:
            taxes = sorted({line.tax_type or "default" for line in quote.lines})
            rows.append(
                PreviewRow(
                    quote.number,
                    quote.contact_name,
                    len(quote.lines),
                    f"{line_total(quote):,.2f}",
                    quote.currency or "default",
                    quote.line_amount_types,
                    ", ".join(taxes),
                )
            )
        return rows

    # -- what the user changes --

    def choose(self, index: int, choice: str) -> None:
        if self.mapping is None or choice not in self.choices(index):
            return
        self.mapping.choose(index, choice)
        self._reload()

    def set_fill_down(self, on: bool) -> None:
        if self.mapping is not None:
            self.mapping.fill_down = on
            self._reload()

    def set_date_order(self, choice: str) -> None:
        if self.mapping is not None and choice in DATE_CHOICES:
            self.mapping.date_order = None if choice == GUESS else choice
            self._reload()

    def save(self) -> Path | None:
        """Remembered for files with the same header (next month's export of the same CRM)."""
        return save_mapping(self.mapping, self.saved_folder) if self.mapping is not None else None

    def request(self) -> MappingRequest:
        """For the real load: exactly the mapping the preview used."""
        return (
            MappingRequest(mapping=self.mapping, saved_folder=self.saved_folder)
            if self.mapping
            else self._request
        )
