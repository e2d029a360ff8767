"""Finding a quote's invoice in Xero by its Reference: how every run learns what Xero already has.

Batched ORs of Reference equalities (Invoices has no References= filter), in chunks whose `where`
stays short enough for any web server in front of an API; Xero compares References ignoring case, and
so does the matching here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any
from urllib.parse import quote_plus

from app.invoicing.fingerprint import invoice_summary
from app.invoicing.ledger import DraftRow
from app.invoicing.records import quote_identity
from app.xero.client import XeroClient, where_references

# References per lookup GET (an OR of equalities): at most LOOKUP_CHUNK, and the encoded `where` at most
# LOOKUP_WHERE_BUDGET characters, so the whole address stays well under the 2,048 characters that
# common web servers and proxies accept in front of an API.
LOOKUP_CHUNK = 40
LOOKUP_WHERE_BUDGET = 1500
GONE = ("DELETED", "VOIDED")


def lookup_chunks(references: Sequence[str]) -> list[list[str]]:
    """References split so that each lookup's `where` stays within LOOKUP_WHERE_BUDGET when encoded."""
    chunks: list[list[str]] = []
    for reference in references:
        if chunks and len(chunks[-1]) < LOOKUP_CHUNK:
            trial = [*chunks[-1], reference]
            if len(quote_plus(where_references(trial))) <= LOOKUP_WHERE_BUDGET:
                chunks[-1] = trial
                continue
        chunks.append([reference])
    return chunks


def _updated(invoice: dict[str, Any]) -> str:
    return str(invoice.get("UpdatedDateUTC") or "").rjust(40)  # "/Date(ms+0000)/" sorts by length first


def _claimable(invoice: dict[str, Any], identity: str, taken: set[str]) -> bool:
    return (
        quote_identity(str(invoice.get("Reference") or "")) == identity  # as Xero's filter: case ignored
        and invoice.get("Type") == "ACCREC"
        and invoice.get("Status") not in GONE
        and str(invoice.get("InvoiceID", "")).lower() not in taken
    )


def find_drafted(
    client: XeroClient,
    references: dict[str, str],
    exclude_ids: Iterable[str],
    pace: Callable[[], None] | None = None,
    *,
    ask_origin: bool = False,
) -> list[DraftRow]:
    """Invoices in Xero for these source_id → Reference pairs; invoices in ``exclude_ids`` belong to
    other quotes already and are never claimed twice.

    ``ask_origin``: for a quote this program has no record of, also ask Xero (createdByMyApp, only for
    the chunks that had a match) whether this app created the invoice; the rows say so.
    """
    if not references:
        return []
    pace = pace or (lambda: None)
    taken = {i.lower() for i in exclude_ids}
    rows = []
    by_identity: dict[str, list[str]] = {}
    for source_id, reference in references.items():
        by_identity.setdefault(quote_identity(reference), []).append(source_id)
    for chunk in lookup_chunks(sorted({ref.strip() for ref in references.values()})):
        pace()
        invoices = client.invoices(references=chunk)
        ours: set[str] | None = None
        hits = [inv for inv in invoices if quote_identity(str(inv.get("Reference") or "")) in by_identity]
        if ask_origin and hits:
            pace()
            found_refs = sorted({str(inv.get("Reference")) for inv in hits})
            ours = {
                str(i.get("InvoiceID", "")).lower()
                for i in client.invoices(references=found_refs, created_by_my_app=True)
            }
        for identity in sorted({quote_identity(ref) for ref in chunk}):
            for source_id in by_identity.get(identity, []):
                matches = [inv for inv in invoices if _claimable(inv, identity, taken)]
                if not matches:
                    continue
                newest = max(matches, key=_updated)
                invoice_id = str(newest["InvoiceID"])
                taken.add(invoice_id.lower())
                rows.append(
                    DraftRow(
                        source_id,
                        str(newest.get("Reference") or references[source_id]),
                        invoice_id,
                        str(newest.get("InvoiceNumber", "")),
                        summary=invoice_summary(newest).to_json(),
                        found=ask_origin,
                        by_this_app=None if ours is None else invoice_id.lower() in ours,
                    )
                )
    return rows
