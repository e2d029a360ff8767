"""The contacts a plan still lacks, created in Xero when drafting (up to 50 per PUT), their IDs put into
the payloads; matching each quote to an existing contact stays in app.invoicing.contacts."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from app.invoicing.contact_names import near_key
from app.invoicing.contacts import ContactDirectory
from app.invoicing.wire import content_key
from app.xero.client import MAX_BATCH, XeroClient

if TYPE_CHECKING:
    from app.invoicing.planned import PlannedInvoice


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
