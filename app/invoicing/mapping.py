"""Which column of a CSV export is which field: guessed, from a preset, saved, or chosen by the user.

A mapping lists every column of the file beside its field or "ignored". It blocks the file (one sentence
per column) while a column that looks like it changes an amount is not mapped, or while two columns claim
one field: nothing that changes an amount is ever dropped or picked in silence. Saved mappings are found
again by the file's header signature (one small JSON file per signature in the config folder).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.invoicing.parsing import ALIASES, DATE_ORDERS, QUOTE_FIELDS, field_for, normalise_key, show
from app.settings import config_dir

IGNORED = "ignored"
# The user's names for the fields (CLI --map, mapping files, the window); internal name -> user name.
FIELD_NAMES: dict[str, str] = {
    "number": "number",
    "contact_name": "customer",
    "contact_email": "email",
    "date": "date",
    "due_date": "due_date",
    "currency": "currency",
    "line_amount_types": "amounts_are",
    "kind": "type",
    "description": "description",
    "quantity": "quantity",
    "unit_amount": "unit_price",
    "discount_rate": "discount",
    "discount_amount": "discount_amount",
    "item_code": "item_code",
    "account_code": "account_code",
    "tax_type": "tax_type",
    "line_total": "line_total",
    "quote_total": "quote_total",
}
FIELD_BY_NAME = {user: internal for internal, user in FIELD_NAMES.items()}
CHOICES = (*FIELD_NAMES.values(), IGNORED)  # what a column can be, in the window's dropdown order
# A column can also be one of the organisation's tracking categories: "tracking:Region" (the user's
# word and the internal name alike; "tracking" alone means the category named as the column).
TRACKING = "tracking:"
GUESSED_TRACKING = "named as a tracking category of the organisation"
MAX_TRACKING = 2  # Xero's limit of active tracking categories
QUOTE_LEVEL = ("number", *QUOTE_FIELDS, "quote_total")  # filled down over continuation rows
# Word stems of a header that may change an amount: such a column is never ignored without being asked.
_AMOUNT_STEMS = (
    "disc",
    "tax",
    "vat",
    "gst",
    "qty",
    "quantit",
    "price",
    "amount",
    "amt",
    "currenc",
    "ccy",
    "total",
    "subtotal",
    "sum",
    "cost",
    "fee",
    "charge",
    "rabatt",
    "remise",
    "adjust",
    "freight",
    "shipping",
    "surcharge",
    "markup",
    "rebate",
    "deposit",
)
_AMOUNT_WORDS = {"rate", "net", "gross", "%", "units", "unit"}
MAPPINGS_DIR = "mappings"


class MappingError(ValueError):
    """A --map, --mapping or --preset the program cannot apply; the message is the sentence to show."""


def amount_changing(header: str) -> bool:
    """A header such as `Disc.`, `VAT Rate`, `Discount (%)`, `Line total`, `Amounts are`."""
    words = re.findall(r"[^\W\d_]+|%", header.casefold())
    return any(w in _AMOUNT_WORDS or w.startswith(_AMOUNT_STEMS) for w in words)


@dataclass
class Column:
    name: str
    field: str = IGNORED  # an internal field name or IGNORED
    chosen: bool = False  # set by the user, a saved mapping, a mapping file or a preset (not guessed)
    note: str = ""  # why it is ignored or how it was chosen, shown beside it


@dataclass
class Mapping:
    columns: list[Column]
    fill_down: bool = False  # blank quote-level cells (the number too) repeat the row above
    date_order: str | None = None  # None: guessed from the file's dates
    fallback_order: str = "day"  # when no date in the file tells (a preset may say month first)
    preset: str = ""  # the preset's title, when one applies
    origin: str = "guessed from the header names"

    @property
    def signature(self) -> str:
        return header_signature(c.name for c in self.columns)

    def choose(self, index: int, choice: str, note: str = "") -> None:
        """The user's word for one column; another guessed column of the same field is then ignored."""
        internal = _internal(choice)
        column = self.columns[index]
        if internal == TRACKING:  # "tracking" alone: the category named as the column
            internal = tracking_field(column.name)
        column.field, column.chosen, column.note = internal, True, note
        if internal == IGNORED:
            return
        for other in self.columns:
            if other is not column and other.field == internal and not other.chosen:
                # Set aside by the user's choice for its field: settled, no longer a question.
                other.field, other.chosen = IGNORED, True
                other.note = f"{show(column.name)} was chosen for the {_label(internal)}"

    def choose_by_name(self, name: str, choice: str, note: str = "") -> bool:
        key = normalise_key(name)
        found = [i for i, c in enumerate(self.columns) if normalise_key(c.name) == key]
        for index in found:
            self.choose(index, choice, note)
        return bool(found)

    def columns_of(self, internal: str) -> list[int]:
        return [i for i, c in enumerate(self.columns) if c.field == internal]

    def field_columns(self) -> dict[str, int]:
        """Field -> column index for the loader; of columns claiming one field, the documented winner."""
        found: dict[str, int] = {}
        for index, column in enumerate(self.columns):
            if column.field != IGNORED and column.field not in found:
                found[column.field] = index
        for internal in found:
            claims = self.columns_of(internal)
            if len(claims) > 1:
                found[internal] = min(claims, key=lambda i: (_alias_rank(internal, self.columns[i].name), i))
        return found

    def blocking(self) -> list[str]:
        """Sentences that keep the file from being drafted until the mapping is settled."""
        problems = []
        for internal in FIELD_NAMES:
            claims = self.columns_of(internal)
            if len(claims) > 1:
                names = " and ".join(show(self.columns[i].name) for i in claims)
                preferred = show(self.columns[self.field_columns()[internal]].name)
                problems.append(
                    f"columns {names} are all the {_label(internal)}: choose one ({preferred} is suggested) "
                    f"and map or ignore the other (the mapping step's dropdowns, or e.g. "
                    f"--map {FIELD_NAMES[internal]}={_arg(preferred)})"
                )
        problems += self._tracking_problems()
        for column in self.columns:
            if column.field == IGNORED and not column.chosen and amount_changing(column.name):
                problems.append(
                    f"column {show(column.name)} looks like it changes an amount but is not mapped: map it "
                    f"to a field or ignore it explicitly (its dropdown in the mapping step, or "
                    f"--map ignored={_arg(show(column.name))})"
                )
        return problems

    def tracking_columns(self) -> dict[str, int]:
        """Tracking category -> its column, for the loader."""
        return {
            c.field.removeprefix(TRACKING): i
            for i, c in enumerate(self.columns)
            if c.field.startswith(TRACKING)
        }

    def _tracking_problems(self) -> list[str]:
        by_category: dict[str, list[int]] = {}
        for index, column in enumerate(self.columns):
            if column.field.startswith(TRACKING):
                by_category.setdefault(_category_key(column.field), []).append(index)
        problems = []
        for claims in by_category.values():
            if len(claims) > 1:
                names = " and ".join(show(self.columns[i].name) for i in claims)
                category = self.columns[claims[0]].field.removeprefix(TRACKING)
                problems.append(
                    f"columns {names} are all the tracking category {category}: map one of them and "
                    f"ignore the other"
                )
        if len(by_category) > MAX_TRACKING:
            names = ", ".join(show(self.columns[c[0]].name) for c in by_category.values())
            problems.append(
                f"columns {names} are {len(by_category)} tracking categories but Xero allows at most "
                f"{MAX_TRACKING} on an invoice line: ignore the others"
            )
        return problems

    def describe(self) -> list[str]:
        """Every column beside its field or "ignored", as the dry run, real run and --show-mapping print."""
        width = min(32, max((len(c.name) for c in self.columns), default=0) + 2)
        lines = []
        for column in self.columns:
            target = user_name(column.field)
            note = f" ({column.note})" if column.note else ""
            lines.append(f"  {show(column.name, 30):<{width}} → {target}{note}")
        return lines

    def heading(self, name: str) -> str:
        preset = f"; preset {self.preset}" if self.preset else ""
        fill = "on" if self.fill_down else "off"
        return f"Columns of {name} ({self.origin}{preset}; fill down blank quote cells: {fill}):"

    def _keys(self) -> list[str]:
        """Each column's name in a mapping file; a repeated header is "Name #2", "Name #3"..."""
        seen: dict[str, int] = {}
        keys = []
        for column in self.columns:
            seen[column.name] = seen.get(column.name, 0) + 1
            keys.append(column.name if seen[column.name] == 1 else f"{column.name} #{seen[column.name]}")
        return keys

    def to_document(self) -> dict[str, Any]:
        return {
            # An ignored column nobody chose to ignore is left out: saved, it must still ask.
            "columns": {
                key: user_name(c.field)
                for key, c in zip(self._keys(), self.columns, strict=True)
                if c.chosen or c.field != IGNORED
            },
            "fill_down": self.fill_down,
            "date_order": self.date_order,
            "fallback_date_order": self.fallback_order,
        }

    def apply_document(self, document: Any, what: str) -> None:
        """A mapping file's or saved mapping's choices; unknown fields or orders are a MappingError."""
        if not isinstance(document, dict) or not isinstance(document.get("columns", {}), dict):
            shape = '{"columns": {"Header": "field"}}'
            raise MappingError(f"{what} is not a mapping: expected {shape}.")
        keys = self._keys()
        for name, choice in document.get("columns", {}).items():
            if not isinstance(choice, str):
                raise MappingError(f"{what}: the field for column {show(str(name))} must be text.")
            if str(name) in keys:  # exactly one column ("Name #2": the second column of that name)
                self.choose(keys.index(str(name)), choice)
            else:  # written by hand: matched loosely, like the header aliases
                self.choose_by_name(str(name), choice, note="")
        if "fill_down" in document:
            self.fill_down = bool(document["fill_down"])
        order = document.get("date_order")
        if order is not None:
            self.date_order = check_date_order(order)
        if document.get("fallback_date_order") is not None:
            self.fallback_order = check_date_order(document["fallback_date_order"])


def user_name(internal: str) -> str:
    """A field as the user names it (a tracking column is "tracking:Region" either way)."""
    return internal if internal.startswith(TRACKING) else FIELD_NAMES.get(internal, IGNORED)


def unused_category_columns(mapping: Mapping | None, categories: Iterable[str]) -> list[tuple[str, str]]:
    """(column, category) for each column left ignored by a guess whose header is the name of one of the
    organisation's tracking categories: known only once Xero was asked, so it is settled by the user
    (mapped or ignored on purpose), never dropped in silence."""
    if mapping is None:
        return []
    # The very columns the guess maps to a category (one rule for "named as a category").
    guessed = guess([column.name for column in mapping.columns], list(categories))
    return [
        (column.name, hint.field.removeprefix(TRACKING))
        for column, hint in zip(mapping.columns, guessed.columns, strict=True)
        if column.field == IGNORED and not column.chosen and hint.field.startswith(TRACKING)
    ]


def tracking_field(category: str) -> str:
    return TRACKING + " ".join(category.split())


def _category_key(internal: str) -> str:
    return internal.removeprefix(TRACKING).casefold()


def _internal(choice: str) -> str:
    key = choice.strip().casefold().replace(" ", "_").replace("-", "_")
    if key == IGNORED:
        return IGNORED
    head, colon, category = choice.partition(":")
    if head.strip().casefold() == "tracking":
        if colon and not category.strip():
            raise MappingError(f"{show(choice)} names no tracking category: write e.g. tracking:Region.")
        return tracking_field(category) if category.strip() else TRACKING
    found = FIELD_BY_NAME.get(key) or (key if key in FIELD_NAMES else None)
    if found is None:
        raise MappingError(
            f"{show(choice)} is not a field; the fields are: {', '.join(CHOICES)}, or a tracking "
            "category such as tracking:Region."
        )
    return found


def _label(internal: str) -> str:
    return FIELD_NAMES[internal].replace("_", " ")


def _arg(shown: str) -> str:
    """A quoted column name as a shell argument would carry it."""
    name = shown[1:-1] if len(shown) > 1 and shown[0] == shown[-1] and shown[0] in "'\"" else shown
    return f'"{name}"' if re.search(r"[^\w.-]", name) else name


def _alias_rank(internal: str, header: str) -> int:
    """The documented precedence: the earlier name in the field's alias list wins."""
    key = normalise_key(header)
    for rank, alias in enumerate(ALIASES.get(internal, ())):
        if normalise_key(alias) == key:
            return rank
    return len(ALIASES.get(internal, ()))


def check_date_order(order: object) -> str:
    text = str(order).strip().casefold().replace(" ", "_").replace("-", "_")
    synonyms = {"day_first": "day", "month_first": "month", "dmy": "day", "mdy": "month", "ymd": "iso"}
    text = synonyms.get(text, text)
    if text not in DATE_ORDERS:
        raise MappingError(f"date order {show(str(order))} is not one of: day, month, iso.")
    return text


def header_signature(names: Iterable[str]) -> str:
    """The same CRM's export next month has the same columns: their loose names, in order, hashed."""
    joined = "\x1f".join(normalise_key(n) for n in names)
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()[:20]


def guess(header: Sequence[str], categories: Sequence[str] = ()) -> Mapping:
    """Columns named as in the alias table map to their field, a column named as one of the organisation's
    tracking categories to that category; every other column is ignored (and blocks when it looks
    amount-changing)."""
    by_key = {normalise_key(c): c for c in categories}
    columns = []
    for name in header:
        known = field_for(name)
        category = by_key.get(normalise_key(name)) if known is None else None
        if category is not None:
            columns.append(Column(name, tracking_field(category), note=GUESSED_TRACKING))
        else:
            columns.append(Column(name, known or IGNORED))
    return Mapping(columns)


# -- saved mappings ------------------------------------------------------------------------------------


def saved_path(signature: str, folder: Path | None = None) -> Path:
    if folder is None:
        folder = config_dir()
    return folder / MAPPINGS_DIR / f"{signature}.json"


def save_mapping(mapping: Mapping, folder: Path | None = None) -> Path:
    path = saved_path(mapping.signature, folder)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(mapping.to_document(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(path)
    return path


def saved_document(signature: str, folder: Path | None = None) -> dict[str, Any] | None:
    path = saved_path(signature, folder)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None  # none saved, or a damaged file: the guess stands and the user sees it
    return document if isinstance(document, dict) else None


def read_mapping_file(path: Path) -> dict[str, Any]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        reason = exc.strerror or exc
        raise MappingError(f"The mapping file {path.name} could not be read ({reason}).") from exc
    except ValueError as exc:
        raise MappingError(f"The mapping file {path.name} is not valid JSON ({exc}).") from exc
    if not isinstance(document, dict):
        raise MappingError(f"The mapping file {path.name} is not a mapping: expected a JSON object.")
    return document


# -- what the user asked for ---------------------------------------------------------------------------


@dataclass
class MappingRequest:
    """How the columns should be read: --preset, --mapping FILE, --map field=column, or the window's."""

    preset: str | None = None
    document: dict[str, Any] | None = None
    document_name: str = ""
    overrides: list[tuple[str, str]] = field(default_factory=list)  # (choice, column name)
    fill_down: bool | None = None
    date_order: str | None = None
    use_saved: bool = True
    saved_folder: Path | None = None
    mapping: Mapping | None = None  # a complete mapping, as the window's mapping step left it
    tracking_categories: Sequence[str] = ()  # the organisation's, when known: a header of that name is one

    @classmethod
    def from_cli(
        cls,
        maps: Sequence[str] = (),
        mapping_file: str | None = None,
        preset: str | None = None,
        date_order: str | None = None,
    ) -> MappingRequest:
        overrides = []
        for item in maps:
            choice, sep, column = item.partition("=")
            if not sep or not column.strip():
                example = '--map unit_price="Rate (GBP)"'
                raise MappingError(f"--map {show(item)} must be FIELD=COLUMN, e.g. {example}.")
            _internal(choice)
            overrides.append((choice.strip(), column.strip()))
        document = read_mapping_file(Path(mapping_file)) if mapping_file else None
        return cls(
            preset=preset,
            document=document,
            document_name=Path(mapping_file).name if mapping_file else "",
            overrides=overrides,
            date_order=check_date_order(date_order) if date_order else None,
        )
