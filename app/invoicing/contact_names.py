"""Customer names as people write them: "ACME Limited", "Acme Ltd." and "acme ltd" are one customer.

Xero refuses two active contacts whose names differ only in case, so that case is one contact and is
matched silently. Anything looser (punctuation, spacing, "Ltd" vs "Limited", "&" vs "and", a legal
suffix left out) is only a *near* match: the user chooses between the existing contact and a new one,
and a run never creates a second contact for a near match on its own.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from app.errors import InvalidInput

if TYPE_CHECKING:
    from app.invoicing.planned import PlannedInvoice

# Legal forms that say nothing about who the customer is; dropped before comparing.
LEGAL_FORMS = frozenset(
    {
        "ltd",
        "limited",
        "inc",
        "incorporated",
        "co",
        "company",
        "corp",
        "corporation",
        "llc",
        "plc",
        "pty",
        "gmbh",
        "ag",
        "sa",
        "sarl",
        "bv",
        "nv",
        "lp",
        "llp",
    }
)
_NOT_WORD = re.compile(r"[^\w]+")

ContactChoices = Mapping[str, str | None]  # exact_key(CRM name) -> the Xero contact's name, or None: new


def exact_key(name: str) -> str:
    """How Xero compares contact names: case and spacing ignored."""
    return " ".join(name.split()).casefold()


def near_key(name: str) -> str:
    """Case, accents, punctuation, "&"/"and" and legal forms ignored."""
    text = unicodedata.normalize("NFKD", name.casefold().replace("&", " and "))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    words = [w for w in _NOT_WORD.sub(" ", text).replace("_", " ").split()]
    while len(words) > 1 and words[-1] in LEGAL_FORMS:
        words.pop()
    if len(words) > 1 and words[0] == "the":
        words.pop(0)
    return " ".join(words)


def near_match_sentence(crm_name: str, xero_names: Sequence[str], organisation: str) -> str:
    shown = " or ".join(repr(name) for name in xero_names)
    return (
        f"the customer {crm_name!r} is not in {organisation} by that name, but {shown} is a near match; "
        "choose to use the existing contact or to create a new one (nothing is sent for it until then)"
    )


def same_email_sentence(crm_name: str, crm_email: str, xero_name: str, organisation: str) -> str:
    return (
        f"the customer {crm_name!r} is not in {organisation} by that name, but the contact {xero_name!r} "
        f"has its e-mail address {crm_email}; choose to use the existing contact or to create a new one "
        "(nothing is sent for it until then)"
    )


def near_match_hint(crm_name: str, xero_names: Sequence[str]) -> str:
    """How to choose on the command line."""
    crm = " ".join(crm_name.split())
    return (
        f'To choose for {crm!r}: --use-contact "{crm}={xero_names[0]}" (the existing contact) or '
        f'--new-contact "{crm}" (a new one).'
    )


def parse_choices(use: Sequence[str], new: Sequence[str]) -> dict[str, str | None]:
    """--use-contact "CRM name=Xero name" and --new-contact NAME (both repeatable)."""
    choices: dict[str, str | None] = {}
    for pair in use:
        crm, sep, xero = pair.partition("=")
        if not sep or not crm.strip() or not xero.strip():
            raise InvalidInput(f'--use-contact {pair}: write it as "CRM name=Xero name".')
        choices[exact_key(crm)] = " ".join(xero.split())
    for name in new:
        if not name.strip():
            raise InvalidInput("--new-contact needs the customer's name as the file spells it.")
        if exact_key(name) in choices:
            raise InvalidInput(f"{name}: both --use-contact and --new-contact; choose one.")
        choices[exact_key(name)] = None
    return choices


def near_matches(plan: Iterable[PlannedInvoice]) -> dict[str, list[str]]:
    """CRM name -> the existing contacts it nearly matches, for the plan's entries awaiting a choice."""
    found: dict[str, list[str]] = {}
    for entry in plan:
        if entry.near_contacts:
            found.setdefault(" ".join(entry.source.contact_name.split()), entry.near_contacts)
    return found
