"""Tracking categories (Region, Department…) on invoice lines: the organisation's active categories and
options, a fixed choice for a whole run ("Region=North"), and a quote's or line's own (a file column
the loader's mapping fills in SourceQuote.tracking / SourceLine.tracking).

Xero allows two active tracking categories and refuses a line whose option does not exist or is not
active; both are caught here, with a sentence, before anything is sent.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from app.errors import InvalidInput

MAX_CATEGORIES = 2
NO_TRACKING = "(none)"  # the window's choice of no option for a category


@dataclass(frozen=True)
class TrackingCategory:
    name: str
    options: dict[str, str]  # casefolded option name -> the option's name in Xero


Categories = dict[str, TrackingCategory]  # by casefolded category name


def key(text: str) -> str:
    """Category and option names as Xero compares them: case and spacing ignored."""
    return " ".join(text.split()).casefold()


def active_categories(raw: Iterable[dict[str, Any]]) -> Categories:
    """GET TrackingCategories as this module needs it: active categories, their active options."""
    out: Categories = {}
    for category in raw:
        if category.get("Status", "ACTIVE") != "ACTIVE" or not category.get("Name"):
            continue
        options = {
            key(str(o["Name"])): str(o["Name"])
            for o in category.get("Options") or []
            if o.get("Name") and o.get("Status", "ACTIVE") == "ACTIVE"
        }
        out[key(str(category["Name"]))] = TrackingCategory(str(category["Name"]), options)
    return out


def parse_fixed(pairs: Sequence[str]) -> dict[str, str]:
    """--tracking "Region=North" (repeatable, at most two categories) as {category: option}."""
    chosen: dict[str, str] = {}
    for pair in pairs:
        category, sep, option = pair.partition("=")
        if not sep or not category.strip() or not option.strip():
            raise InvalidInput(
                f'--tracking {pair}: write it as "Category=Option", e.g. --tracking "Region=North".'
            )
        if key(category) in {key(c) for c in chosen}:
            raise InvalidInput(f"--tracking {pair}: the category {category.strip()} is given twice.")
        chosen[category.strip()] = option.strip()
    if len(chosen) > MAX_CATEGORIES:
        raise InvalidInput(f"--tracking: Xero allows at most {MAX_CATEGORIES} tracking categories on a line.")
    return chosen


def merged(*layers: Mapping[str, str] | Iterable[tuple[str, str]]) -> dict[str, str]:
    """Later layers win per category (a run's fixed choice, then the quote's, then the line's)."""
    out: dict[str, tuple[str, str]] = {}
    for layer in layers:
        pairs = layer.items() if isinstance(layer, Mapping) else layer
        for category, option in pairs:
            if str(option).strip():
                out[key(category)] = (category.strip(), str(option).strip())
    return dict(out.values())


def resolve(
    wanted: Mapping[str, str], categories: Categories, organisation: str
) -> tuple[list[dict[str, str]], str]:
    """(the line's Tracking for Xero, problem or "")."""
    if len(wanted) > MAX_CATEGORIES:
        return [], f"it has {len(wanted)} tracking categories; Xero allows at most {MAX_CATEGORIES}"
    out = []
    for category_name, option_name in wanted.items():
        category = categories.get(key(category_name))
        if category is None:
            known = ", ".join(c.name for c in categories.values()) or "none"
            return [], (
                f"tracking category {category_name!r} does not exist in {organisation} "
                f"(its active categories: {known})"
            )
        option = category.options.get(key(option_name))
        if option is None:
            known = ", ".join(category.options.values()) or "none"
            return [], (
                f"tracking option {option_name!r} does not exist in the {category.name} category "
                f"of {organisation} (its active options: {known}); add it in Xero or correct "
                "the file"
            )
        out.append({"Name": category.name, "Option": option})
    return out, ""


def choices(categories: Categories) -> list[tuple[str, list[str]]]:
    """What the window offers: each active category with its active options, as Xero lists them."""
    return [(c.name, list(c.options.values())) for c in categories.values()]


def chosen_sentence(chosen: Mapping[str, str]) -> str:
    """The preview's line for the window's choice ("" when none)."""
    if not chosen:
        return ""
    pairs = ", ".join(f"{category} {option}" for category, option in chosen.items())
    return f"Lines without tracking of their own get {pairs}."


def check_fixed(chosen: Mapping[str, str], categories: Categories, organisation: str) -> None:
    """A run's fixed choice is checked once: one that Xero does not have refuses the command."""
    _lines, problem = resolve(chosen, categories, organisation)
    if problem:
        raise InvalidInput(f"--tracking: {problem}.")
