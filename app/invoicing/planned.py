"""What a plan is made of, shared by planning, drafting and the checks both use: the organisation's
facts (TenantFacts, read once per run), the default account and tax (Defaults), and one planned invoice
per quote (PlannedInvoice, with the Totals Xero should make of it). Planning itself is app.invoicing.plan.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from app.invoicing.ledger import DraftRow
from app.invoicing.parsing import parse_date
from app.invoicing.records import SourceQuote
from app.invoicing.sentences import quote_sentence
from app.invoicing.tracking import Categories, active_categories
from app.xero.client import XeroClient

Status = Literal["new", "drafted", "changed", "invalid"]
DRAFT_ACTION = "CreateDraftInvoice"
CONTACT_WILL_BE_CREATED = "contact will be created"


def lock_date(value: Any) -> date | None:
    found, _problem = parse_date(value) if isinstance(value, str) and value else (None, None)
    return found


def may_create_drafts(actions: Iterable[dict[str, Any]] | None) -> bool:
    """True unless Organisation/Actions says CreateDraftInvoice is not allowed (unknown: allowed)."""
    for action in actions or []:
        if action.get("Name") == DRAFT_ACTION:
            return str(action.get("Status") or "").upper() == "ALLOWED"
    return True


@dataclass(frozen=True)
class TenantFacts:
    """What a payload is checked against: read once per run (one GET each)."""

    name: str
    base_currency: str
    accounts: dict[str, dict[str, Any]]  # ACTIVE accounts by code
    tax_rates: dict[str, dict[str, Any]]  # ACTIVE rates usable on revenue, by TaxType
    items: dict[str, dict[str, Any]]  # by lower-cased code
    sales_terms: dict[str, Any] = field(default_factory=dict)  # Organisation.PaymentTerms.Sales
    currencies: frozenset[str] = frozenset()  # enabled currency codes (GET Currencies), base included
    inactive_accounts: dict[str, dict[str, Any]] = field(default_factory=dict)  # ARCHIVED ones, by code
    tracking: Categories = field(default_factory=dict)  # active tracking categories and options
    period_lock: date | None = None  # Organisation.PeriodLockDate
    year_end_lock: date | None = None  # Organisation.EndOfYearLockDate
    may_draft: bool = True  # Organisation/Actions: the connected user may create draft invoices
    short_code: str = ""  # Organisation.ShortCode: Xero's deep links open the invoice in this organisation

    @classmethod
    def fetch(cls, client: XeroClient) -> TenantFacts:
        org = client.organisation()
        return cls.from_lists(
            org,
            client.accounts(),
            client.tax_rates(),
            client.items(),
            currencies=client.currencies(),
            tracking=client.tracking_categories(),
            actions=client.organisation_actions(),
        )

    @classmethod
    def from_lists(
        cls,
        org: dict[str, Any],
        accounts: list[dict[str, Any]],
        tax_rates: list[dict[str, Any]],
        items: list[dict[str, Any]],
        *,
        currencies: list[dict[str, Any]] | None = None,
        tracking: list[dict[str, Any]] | None = None,
        actions: list[dict[str, Any]] | None = None,
    ) -> TenantFacts:
        terms = (org.get("PaymentTerms") or {}).get("Sales") or {}
        base = str(org.get("BaseCurrency") or "").upper()
        return cls(
            short_code=str(org.get("ShortCode") or ""),
            name=str(org.get("Name") or "the organisation"),
            base_currency=base,
            currencies=frozenset({base} | {str(c.get("Code") or "").upper() for c in currencies or []}),
            accounts={str(a["Code"]): a for a in accounts if a.get("Code") and a.get("Status") == "ACTIVE"},
            inactive_accounts={
                str(a["Code"]): a for a in accounts if a.get("Code") and a.get("Status") != "ACTIVE"
            },
            tax_rates={
                str(r["TaxType"]): r
                for r in tax_rates
                if r.get("Status") == "ACTIVE" and r.get("CanApplyToRevenue") is not False
            },
            items={str(i["Code"]).lower(): i for i in items if i.get("Code")},
            sales_terms=terms if isinstance(terms, dict) else {},
            tracking=active_categories(tracking or []),
            period_lock=lock_date(org.get("PeriodLockDate")),
            year_end_lock=lock_date(org.get("EndOfYearLockDate")),
            may_draft=may_create_drafts(actions),
        )


@dataclass(frozen=True)
class Defaults:
    account_code: str
    tax_type: str


@dataclass(frozen=True)
class Totals:
    total_tax: Decimal
    total: Decimal
    currency: str


@dataclass
class PlannedInvoice:
    source: SourceQuote
    status: Status
    reason: str = ""
    payload: dict[str, Any] = field(default_factory=dict)
    invoice_number: str = ""  # when already drafted
    new_contact: dict[str, str] | None = None  # body of the contact still to be created
    changes: list[str] = field(default_factory=list)  # "changed": what differs from what was drafted
    found: DraftRow | None = None  # found in Xero by the plan's lookup, not in the ledger
    near_contacts: list[str] = field(default_factory=list)  # existing contacts the user may choose
    expected: Totals | None = None  # what Xero should make of the payload, read back after sending

    def drafted_sentence(self) -> str:
        """For a "drafted" or "changed" entry: already drafted, found in Xero, or changed since."""
        if self.status == "changed":
            why = self.reason or "Xero still has the invoice as it was drafted"
            return quote_sentence("changed", self.invoice_number, changes=self.changes, message=why)
        if self.found is not None:
            not_ours = self.found.by_this_app is False
            return quote_sentence("found", self.invoice_number, not_by_this_app=not_ours)
        return quote_sentence("skipped", self.invoice_number)

    @property
    def source_id(self) -> str:
        return self.source.source_id

    def set_contact(self, contact_id: str) -> None:
        # Only the ID: any other field would update the contact in Xero.
        self.payload["Contact"] = {"ContactID": contact_id}
        self.new_contact = None
        if self.reason == CONTACT_WILL_BE_CREATED:
            self.reason = ""

    def mark_invalid(self, reason: str) -> None:
        self.status, self.reason = "invalid", reason


class Plan(list[PlannedInvoice]):
    """One entry per quote, in input order, and the preview's sentence on the account and tax used."""

    mapping: str = ""
    categories: tuple[str, ...] = ()  # the organisation's active tracking categories
