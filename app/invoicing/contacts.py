"""Which Xero contact each quote belongs to, with as few API calls as possible.

All ACTIVE contacts are read once (100 per page) and matched locally, instead of one filtered GET per
quote; only contacts that exist nowhere are created, up to 50 per PUT.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from app.invoicing.contact_names import exact_key, near_key
from app.invoicing.records import SourceQuote
from app.xero.client import MAX_BATCH, MAX_PAGE_SIZE, XeroClient
from app.xero.json_body import dumps

if TYPE_CHECKING:
    from app.invoicing.plan import PlannedInvoice


def _key(text: str) -> str:
    # Xero treats contact names (and e-mail filters) case-insensitively; stray spaces are CRM noise.
    return exact_key(text)


@dataclass
class ContactDirectory:
    by_name: dict[str, str] = field(default_factory=dict)  # normalised name -> ContactID
    by_email: dict[str, str] = field(default_factory=dict)  # normalised e-mail -> ContactID
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
        if email:
            self.by_email.setdefault(email, contact_id)  # the first one wins if several share an e-mail

    def match(self, quote: SourceQuote) -> str | None:
        """The quote's ContactID: Xero's own, else by name, else by e-mail; None = must be created."""
        if quote.xero_contact_id:
            return quote.xero_contact_id
        name, email = _key(quote.contact_name), _key(quote.contact_email)
        return self.by_name.get(name) or (self.by_email.get(email) if email else None)

    def near(self, name: str) -> list[str]:
        """Names of existing contacts that are a near match (never an exact one) for ``name``."""
        return [n for n in self.by_near.get(near_key(name), []) if _key(n) != _key(name)]


def new_contact_body(quote: SourceQuote) -> dict[str, str]:
    body = {"Name": " ".join(quote.contact_name.split())}
    if quote.contact_email.strip():
        body["EmailAddress"] = quote.contact_email.strip()
    return body


def content_key(tenant_id: str, kind: str, items: Sequence[dict[str, Any]]) -> str:
    """Idempotency-Key: the same batch for the same tenant always gets the same key (64 hex chars)."""
    canonical = dumps(list(items), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(f"{tenant_id}|{kind}|{canonical}".encode()).hexdigest()


def create_missing_contacts(
    client: XeroClient,
    tenant_id: str,
    plan: Sequence[PlannedInvoice],
    directory: ContactDirectory | None = None,
    pace: Callable[[], None] | None = None,
) -> int:
    """Create the contacts the plan still lacks and put their IDs into the payloads, one per customer
    (rows whose names are a near match share the first spelling's contact).

    A contact Xero refuses makes only its own quotes invalid, with Xero's message. Returns how many
    contacts were created. Network and authorisation errors propagate: nothing was drafted yet.
    """
    waiting: dict[str, list[PlannedInvoice]] = {}
    bodies: dict[str, dict[str, str]] = {}
    for entry in plan:
        if entry.status in ("new", "changed") and entry.new_contact is not None:
            # One contact per customer however the rows spell it ("Acme Ltd", "ACME Limited").
            name = near_key(entry.new_contact["Name"])
            waiting.setdefault(name, []).append(entry)
            bodies.setdefault(name, entry.new_contact)  # one contact per name, first e-mail wins
    names = list(bodies)
    created = 0
    for start in range(0, len(names), MAX_BATCH):
        chunk = names[start : start + MAX_BATCH]
        batch = [bodies[name] for name in chunk]
        if pace is not None:
            pace()
        results = client.put_contacts(batch, idempotency_key=content_key(tenant_id, "Contacts", batch))
        by_index = {result.index: result for result in results}
        for index, name in enumerate(chunk):
            result = by_index.get(index)
            contact_id = str(result.record.get("ContactID") or "") if result and result.ok else ""
            if contact_id:
                created += 1
                if directory is not None and result is not None:
                    directory.add(result.record)
                for entry in waiting[name]:
                    entry.set_contact(contact_id)
                continue
            why = "; ".join(result.errors) if result and result.errors else "Xero did not return the contact"
            for entry in waiting[name]:
                entry.mark_invalid(f"the contact {bodies[name]['Name']!r} could not be created: {why}")
    return created
