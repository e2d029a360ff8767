"""Where each drafted invoice came from, inside Xero: a History note ("Drafted from CRM quote Q-1042 by
Xero Connect") on every invoice a run drafts, and Invoice.Url back to the CRM record when the file
has a link (SourceQuote.url, filled by the loader's mapping).

A note is one call per invoice (Xero has no batch for History), counted in the benchmark's floor. A note
that cannot be written never fails or repeats the invoice: the invoice is in Xero, and it is reported.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from app import APP_NAME
from app.errors import XeroConnectError
from app.invoicing.records import SourceQuote
from app.invoicing.wire import content_key
from app.invoicing.xero_source import ORIGIN as XERO_ORIGIN

if TYPE_CHECKING:
    from app.invoicing.planned import PlannedInvoice
    from app.invoicing.results import QuoteResult
    from app.xero.client import XeroClient

log = logging.getLogger(__name__)
URL_SCHEMES = ("http://", "https://")


def note_text(quote: SourceQuote) -> str:
    where = "Xero" if quote.origin == XERO_ORIGIN else "CRM"
    return f"Drafted from {where} {quote.kind or 'quote'} {quote.number} by {APP_NAME}"


def url_problem(url: str) -> str:
    """ "" when Xero accepts the link as Invoice.Url; else why not, for the quote's sentence."""
    text = url.strip()
    if not text.lower().startswith(URL_SCHEMES) or any(ch.isspace() for ch in text):
        return f"its link {text!r} is not a web address (http:// or https://), which Invoice.Url needs"
    if "xero" in text.lower():
        return f'its link {text!r} contains "xero", which Xero refuses in Invoice.Url'
    return ""


def add_notes(
    client: XeroClient,
    tenant_id: str,
    results: Sequence[QuoteResult],
    batch: Sequence[PlannedInvoice],
    pace: Callable[[], None],
) -> None:
    """One History note per invoice of ``batch`` that this run drafted; a failure is noted on its result."""
    by_source = {result.source_id: result for result in results}
    for entry in batch:
        result = by_source.get(entry.source_id)
        if result is None or result.status != "drafted" or not result.invoice_id:
            continue
        details = note_text(entry.source)
        pace()
        try:
            # The key makes a retried note (a lost answer) one note, not two.
            key = content_key(tenant_id, "History", [{result.invoice_id: details}])
            client.put_history(result.invoice_id, details, idempotency_key=key)
        except XeroConnectError as exc:
            log.warning("history note for %s not written: %s", result.invoice_number, exc)
            result.note_missing = str(exc)


def missing_notes_sentence(results: Sequence[QuoteResult]) -> str:
    """ "" when every invoice drafted now has its note; else one sentence for the CLI and the window."""
    missing = [r for r in results if r.status == "drafted" and r.note_missing]
    if not missing:
        return ""
    numbers = ", ".join(r.invoice_number for r in missing[:5]) + (" …" if len(missing) > 5 else "")
    return (
        f'{len(missing)} drafted invoice(s) ({numbers}) have no "Drafted from" note in Xero: '
        f"{missing[0].note_missing} The invoices themselves are in Xero."
    )
