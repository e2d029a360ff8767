"""Which Xero contact each quote belongs to, with as few API calls as possible.

All ACTIVE contacts are read once (100 per page) and matched locally, instead of one filtered GET per
quote; the contacts that exist nowhere are created when drafting (app.invoicing.new_contacts).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.invoicing.contact_names import exact_key, near_key
from app.invoicing.records import SourceQuote
from app.xero.client import MAX_PAGE_SIZE, XeroClient


def _key(text: str) -> str:
    # Xero treats contact names (and e-mail filters) case-insensitively; stray spaces are CRM noise.
    return exact_key(text)


@dataclass
class ContactDirectory:
    by_name: dict[str, str] = field(default_factory=dict)  # normalised name -> ContactID
    by_email: dict[str, str] = field(default_factory=dict)  # normalised e-mail -> the contact's name
    by_near: dict[str, list[str]] = field(default_factory=dict)  # near_key -> the contacts' names
    sales_terms: dict[str, dict[str, Any]] = field(default_factory=dict)  # ContactID -> PaymentTerms.Sales

    @classmethod
    def fetch(cls, client: XeroClient) -> ContactDirectory:
        directory = cls()
        # Xero's largest page: ten times fewer calls for a big customer book than its default of 100.
        pages = client.all_pages(client.contacts, page_size=MAX_PAGE_SIZE, where='ContactStatus=="ACTIVE"')
        for contact in pages:
            directory.add(contact)
        return directory

    def add(self, contact: dict[str, Any]) -> None:
        contact_id = str(contact.get("ContactID") or "")
        if not contact_id:
            return
        name, email = _key(str(contact.get("Name") or "")), _key(str(contact.get("EmailAddress") or ""))
        terms = (
            (contact.get("PaymentTerms") or {}).get("Sales")
            if isinstance(contact.get("PaymentTerms"), dict)
            else None
        )
        if isinstance(terms, dict) and terms.get("Type"):
            self.sales_terms[contact_id.lower()] = terms
        if name:
            self.by_name.setdefault(name, contact_id)
            spelt = " ".join(str(contact.get("Name")).split())
            near = self.by_near.setdefault(near_key(spelt), [])
            if spelt not in near:
                near.append(spelt)
        if email and name:
            # Offered, never matched: a shared address (accounts@, a person at two firms) is not a customer.
            self.by_email.setdefault(email, " ".join(str(contact.get("Name")).split()))

    def match(self, quote: SourceQuote) -> str | None:
        """The quote's ContactID: Xero's own, else by name (as Xero compares names); None = not matched
        (a near match or one by e-mail only is the user's choice: :meth:`near`, :meth:`same_email`)."""
        if quote.xero_contact_id:
            return quote.xero_contact_id
        return self.by_name.get(_key(quote.contact_name))

    def same_email(self, quote: SourceQuote) -> str:
        """The name of another contact that has the quote's e-mail address ("" when none)."""
        email = _key(quote.contact_email)
        found = self.by_email.get(email, "") if email else ""
        return found if found and _key(found) != _key(quote.contact_name) else ""

    def near(self, name: str) -> list[str]:
        """Names of existing contacts that are a near match (never an exact one) for ``name``."""
        return [n for n in self.by_near.get(near_key(name), []) if _key(n) != _key(name)]


def new_contact_body(quote: SourceQuote) -> dict[str, str]:
    body = {"Name": " ".join(quote.contact_name.split())}
    if quote.contact_email.strip():
        body["EmailAddress"] = quote.contact_email.strip()
    return body
