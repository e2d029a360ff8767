"""The revenue account and tax rate a run puts lines on when a line has none: what the user may choose
from, and the check at the start of every run that the remembered choice is still usable in Xero.

Xero's guidance: choose from GET Accounts in a dropdown, "Sales" preselected where it exists, ACTIVE
accounts only and never system accounts; validate the mapping before exporting (xero-notes §12).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from app.errors import InvalidInput
from app.invoicing.tracking import NO_TRACKING, Categories, active_categories, choices, chosen_sentence
from app.invoicing.tracking import key as tracking_key

if TYPE_CHECKING:
    from app.invoicing.planned import Defaults, TenantFacts
    from app.xero.client import XeroClient

PREFERRED_ACCOUNT = "200"  # "Sales" in every Xero chart of accounts template
PREFERRED_NAME = "sales"
REVENUE_TYPES = ("REVENUE", "SALES", "OTHERINCOME")
NO_TAX = "NONE"


class MappingNeeded(InvalidInput):
    """The remembered account or tax rate can no longer be used: the user must choose again."""


@dataclass(frozen=True)
class Choice:
    code: str  # AccountCode or TaxType
    label: str  # what the dropdown shows: "200 — Sales", "20% (VAT on Income)"


def is_output_tax(rate: dict[str, Any]) -> bool:
    # Xero names sales taxes "... on Income" and codes them OUTPUT/OUTPUT2/... in every region.
    return "on income" in str(rate.get("Name", "")).lower() or str(rate["TaxType"]).startswith("OUTPUT")


def revenue_accounts(facts: TenantFacts) -> list[dict[str, Any]]:
    """Active, non-system revenue accounts, "Sales" first, then by type and code."""
    usable = [
        a for a in facts.accounts.values() if a.get("Type") in REVENUE_TYPES and not a.get("SystemAccount")
    ]
    return sorted(
        usable,
        key=lambda a: (
            str(a.get("Name", "")).casefold() != PREFERRED_NAME and a["Code"] != PREFERRED_ACCOUNT,
            REVENUE_TYPES.index(a["Type"]),
            a["Code"],
        ),
    )


def output_rates(facts: TenantFacts, account: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Active rates usable on sales, the output taxes first (the account's own default first among them),
    the highest rate first; "No tax" last."""
    own = (account or {}).get("TaxType")
    return sorted(
        facts.tax_rates.values(),
        key=lambda r: (
            r["TaxType"] == NO_TAX,
            not is_output_tax(r),
            r["TaxType"] != own,
            -float(r.get("EffectiveRate") or 0),
            r["TaxType"],
        ),
    )


def account_choices(facts: TenantFacts) -> list[Choice]:
    return [Choice(a["Code"], f"{a['Code']} — {a.get('Name') or a['Code']}") for a in revenue_accounts(facts)]


def tax_choices(facts: TenantFacts) -> list[Choice]:
    return [Choice(r["TaxType"], str(r.get("Name") or r["TaxType"])) for r in output_rates(facts)]


@dataclass(frozen=True)
class MappingOptions:
    """What the window's dropdowns offer, and which entries are selected."""

    accounts: list[Choice]
    tax_rates: list[Choice]
    account_code: str
    tax_type: str
    sentence: str  # describe() of the selection
    tracking: list[tuple[str, list[str]]] = field(default_factory=list)  # active categories, their options
    tracking_chosen: dict[str, str] = field(default_factory=dict)  # category -> option (NO_TRACKING: absent)


def mapping_options(
    facts: TenantFacts, selected: Defaults, tracking: Mapping[str, str] | None = None
) -> MappingOptions:
    chosen = dict(tracking or {})
    return MappingOptions(
        account_choices(facts),
        tax_choices(facts),
        selected.account_code,
        selected.tax_type,
        " ".join(filter(None, (describe(facts, selected), chosen_sentence(chosen)))),
        choices(facts.tracking),
        chosen,
    )


def describe(facts: TenantFacts, defaults: Defaults) -> str:
    """The preview's line: where lines without an account or tax rate of their own go."""
    account = facts.accounts.get(defaults.account_code, {})
    rate = facts.tax_rates.get(defaults.tax_type, {})
    return (
        f"Lines without their own account go to {defaults.account_code} {account.get('Name') or ''}".rstrip()
        + f" with {rate.get('Name') or defaults.tax_type} ({defaults.tax_type})."
    )


def _account_gone(code: str, state: str, organisation: str) -> MappingNeeded:
    return MappingNeeded(
        f"Account {code} is {state} in {organisation}: fix the mapping by choosing another "
        "revenue account (or --account CODE)."
    )


def _tax_gone(tax_type: str, organisation: str) -> MappingNeeded:
    return MappingNeeded(
        f"Tax rate {tax_type} is no longer active for sales in {organisation}: fix the "
        "mapping by choosing another tax rate (or --tax-type TYPE)."
    )


def check_remembered(facts: TenantFacts, account_code: str | None, tax_type: str | None) -> None:
    """Raise MappingNeeded with a "fix the mapping" sentence when the remembered account or tax rate
    (None: not taken from the remembered choice this run) is unusable."""
    if account_code is not None and account_code not in facts.accounts:
        gone = facts.inactive_accounts.get(account_code)
        state = str(gone.get("Status")).lower() if gone else "no longer"
        raise _account_gone(account_code, state, facts.name)
    if account_code is not None and facts.accounts[account_code].get("Type") not in REVENUE_TYPES:
        raise MappingNeeded(
            f"Account {account_code} is not a revenue account in {facts.name}: fix the "
            "mapping by choosing another revenue account (or --account CODE)."
        )
    if tax_type is not None and tax_type not in facts.tax_rates:
        raise _tax_gone(tax_type, facts.name)


def _tracking_gone(category: str, option: str, organisation: str) -> MappingNeeded:
    return MappingNeeded(
        f"Tracking option {option} is no longer active in the {category} category of {organisation}: "
        f"fix the mapping by choosing another option, or {NO_TRACKING}."
    )


def check_tracking(facts: TenantFacts, chosen: Mapping[str, str]) -> None:
    """The window's remembered tracking choice, still an active option of an active category?"""
    _check_tracking(facts.tracking, chosen.items(), facts.name)


def _check_tracking(categories: Categories, pairs: Iterable[tuple[str, str]], organisation: str) -> None:
    for category_name, option in pairs:
        category = categories.get(tracking_key(category_name))
        if category is None or tracking_key(option) not in category.options:
            raise _tracking_gone(category.name if category else category_name, option, organisation)


def recheck_before_sending(client: XeroClient, payloads: Iterable[dict[str, Any]], organisation: str) -> None:
    """The window plans when quotes are loaded and drafts later: at the start of that run the accounts and
    tax rates the payloads use are read again (two GETs), so one archived since is a sentence, not Xero's
    error for every invoice."""
    payloads = list(payloads)
    accounts = {str(a.get("Code")): a for a in client.accounts()}
    rates = {str(r.get("TaxType")): r for r in client.tax_rates()}
    tracked = [t for p in payloads for line in p.get("LineItems") or [] for t in line.get("Tracking") or []]
    if tracked:  # a third GET only when some line has tracking
        categories = active_categories(client.tracking_categories())
        pairs = [(str(t.get("Name") or ""), str(t.get("Option") or "")) for t in tracked]
        _check_tracking(categories, pairs, organisation)
    for payload in payloads:
        for line in payload.get("LineItems") or []:
            code, tax = str(line.get("AccountCode") or ""), str(line.get("TaxType") or "")
            account = accounts.get(code)
            if code and (account is None or account.get("Status") != "ACTIVE"):
                state = str((account or {}).get("Status") or "no longer").lower()
                raise _account_gone(code, state, organisation)
            if tax and (rates.get(tax) or {}).get("Status") != "ACTIVE":
                raise _tax_gone(tax, organisation)
