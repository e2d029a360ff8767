"""Send a plan to Xero as DRAFT invoices, at most once per quote, whatever happens mid-run.

The order of events per batch is what makes "never twice" hold:
  1. the batch is written to the ledger as "sending" (committed), with its exact request: the JSON body
     and the Idempotency-Key derived from the content, and the time it was first sent,
  2. PUT /Invoices with that body and key (a retry of a lost answer is replayed by Xero instead of
     creating the invoices again, for about six minutes),
  3. the drafted rows and "done" are committed together as soon as the answer is read.
A batch still "sending" at the start of a run (crash, kill, timeout) is settled before anything new is
sent. While Xero still remembers its key (first sent less than RESEND_WITHIN ago) the very same request
is sent again: Xero replays its answer if the first one was processed, processes it once if it never
arrived, and answers 409 if it is still processing it (the run then stops; the batch stays "sending").
An older batch is looked up in Xero by Reference instead (by then Xero has long finished it); only what
is not there can be sent again.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import threading
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from app.errors import XeroConnectError
from app.invoicing.fingerprint import CENT, invoice_summary, quote_fingerprint, quote_summary
from app.invoicing.ledger import DraftRow, Ledger, PendingBatch
from app.invoicing.lookup import find_drafted, lookup_chunks
from app.invoicing.new_contacts import create_missing_contacts
from app.invoicing.plan import changes_since
from app.invoicing.planned import PlannedInvoice
from app.invoicing.provenance import add_notes
from app.invoicing.readback import report_differences
from app.invoicing.records import quote_identity
from app.invoicing.results import DraftProgress, DraftReport, Outcome, QuoteResult, StopCause
from app.invoicing.wire import MAX_REQUEST_BYTES, body_size, content_key, too_large_sentence, wire_body
from app.xero.client import MAX_BATCH, BatchItemResult, XeroClient
from app.xero.errors import (
    MissingScope,
    NotFound,
    RateLimited,
    ReauthorisationNeeded,
    RequestTooLarge,
    TenantDisconnected,
    ValidationFailed,
)

log = logging.getLogger(__name__)

NOT_SENT_TODAY = "not sent today: the organisation's daily limit of calls is nearly reached"
DAY_RESERVE = 5  # calls kept back at the daily limit: enough to look up a batch whose answer was lost
# Xero honours an Idempotency-Key for about 6 minutes (xero-notes §7). A pending batch first sent less
# than 5 minutes ago (this machine's clock) is resent with its own body and key; the minute left over
# covers clock skew between this machine and Xero and the time the resend itself takes. An older batch
# is looked up by Reference instead: Xero may have forgotten the key, but it has long finished the request.
IDEMPOTENCY_WINDOW = 360.0
RESEND_WITHIN = 300.0
# Answers that mean Xero refused the request before processing it: nothing was created.
REFUSED_UNPROCESSED = (
    RateLimited,
    ReauthorisationNeeded,
    TenantDisconnected,
    MissingScope,
    NotFound,
    RequestTooLarge,
)


class _Stop(Exception):
    """Ends the run after the current batch was settled in the ledger; str() is the sentence."""

    def __init__(self, sentence: str, cause: StopCause = "other") -> None:
        super().__init__(sentence)
        self.cause = cause


class DailyLimitNear(RateLimited):
    """Stopped before Xero's daily limit: the calls left are kept for settling what is in flight."""

    def __init__(self, message: str) -> None:
        super().__init__(message, "day", None)


class _Pacer:
    """Waits for the next minute instead of provoking a 429 (Xero counts rejected calls too), and stops
    the run before the organisation's daily limit instead of running into it mid-batch."""

    def __init__(
        self, client: XeroClient, on_wait: Callable[[], None] | None = None, day_reserve: int = DAY_RESERVE
    ) -> None:
        self.client, self.on_wait, self.day_reserve = client, on_wait, day_reserve

    def __call__(self) -> None:
        left = self.client.limits.day_remaining
        if left is not None and left <= self.day_reserve:
            raise DailyLimitNear(day_limit_sentence(left))
        self.client.wait_for_minute_limit(self.on_wait)


def day_limit_sentence(left: int) -> str:
    # Xero's daily window is fixed per organisation but its start is not told: it ends within 24 hours.
    by = (datetime.now() + timedelta(hours=24)).strftime("%H:%M tomorrow")
    return (
        f"Xero's daily limit of calls for this organisation is nearly reached ({left} left today, kept "
        f"for checking what was sent); run again once Xero resets it (by {by} at the latest) to draft "
        "the rest. Nothing will be drafted twice."
    )


def estimate_calls(
    plan: Sequence[PlannedInvoice], update_changed: bool = False, history_notes: bool = True
) -> int:
    """Calls a run of this plan makes after planning (lookups, contacts, batches, updates); the plan's
    own reads are already made. A lookup that finds invoices costs one more call, not counted here."""
    calls, notes = estimate_calls_and_notes(plan, update_changed)
    return calls + notes if history_notes else calls


def estimate_calls_and_notes(plan: Sequence[PlannedInvoice], update_changed: bool = False) -> tuple[int, int]:
    """(the run's calls without History notes, the notes' calls: one per invoice drafted)."""
    new = [e for e in plan if e.status == "new"]
    lookups = len(lookup_chunks(sorted({e.source.number.strip() for e in new})))
    contacts = len({e.new_contact["Name"].casefold() for e in new if e.new_contact})
    batches, _too_large = split_batches([e for e in new if e.payload], MAX_BATCH)
    changed = sum(1 for e in plan if e.status == "changed" and e.payload) if update_changed else 0
    notes = sum(len(batch) for batch in batches)
    return lookups + -(-contacts // MAX_BATCH) + len(batches) + 2 * -(-changed // MAX_BATCH), notes


def calls_sentence(estimate: int, day_remaining: int | None) -> str:
    """ "About 112 calls to Xero; 880 left today for this organisation.", worded once for CLI and window."""
    text = f"About {estimate:,} call{'s' if estimate != 1 else ''} to Xero"
    if day_remaining is None:
        return text + "."
    text += f"; {day_remaining:,} left today for this organisation"
    if not fits_today(estimate, day_remaining):
        return text + ": this run drafts what fits today and stops before Xero's daily limit."
    return text + "."


def fits_today(estimate: int, day_remaining: int | None) -> bool:
    """Whether a run of ``estimate`` calls ends before Xero's daily limit (None: the limit is not known)."""
    return day_remaining is None or estimate + DAY_RESERVE <= day_remaining


class AnswerMismatch(XeroConnectError):
    """A batch's answer whose elements do not echo the References sent, in order."""


class BatchInProgress(XeroConnectError):
    """A pending batch could not be settled yet (Xero is still processing it, or did not answer)."""

    def __init__(self, message: str, recovered: int) -> None:
        super().__init__(message)
        self.recovered = recovered


class _StillUnknown(Exception):
    def __init__(self, cause: XeroConnectError) -> None:
        super().__init__(str(cause))
        self.cause = cause


ANOTHER_RUN_SENDING = (
    "another drafting run is sending it right now; run again when it has finished to see its outcome"
)


def _with_fingerprints(rows: list[DraftRow], batch: Sequence[PlannedInvoice]) -> list[DraftRow]:
    """Rows of this run's own request carry the fingerprint and summary of the quote as it was sent."""
    by_source = {entry.source_id: entry for entry in batch}
    out = []
    for row in rows:
        entry = by_source.get(row.source_id)
        if entry is not None:
            row = dataclasses.replace(
                row,
                fingerprint=quote_fingerprint(entry.source),
                summary=quote_summary(entry.source).to_json(),
            )
        out.append(row)
    return out


def _read_results(
    references: dict[str, str], results: Sequence[BatchItemResult]
) -> tuple[list[DraftRow], dict[str, str], dict[str, str]]:
    """(drafted rows, refused source_id → Xero's words, unanswered source_id → Reference) of an answer
    to a batch sent in the order of ``references``."""
    by_index = {result.index: result for result in results}
    rows: list[DraftRow] = []
    refused: dict[str, str] = {}
    unanswered: dict[str, str] = {}
    for index, (source_id, reference) in enumerate(references.items()):
        result = by_index.get(index)
        echoed = None if result is None else result.record.get("Reference")
        if result is not None and quote_identity(str(echoed or "")) != quote_identity(reference):
            # Elements are matched to quotes by position; one that names another Reference (or none)
            # means the answer cannot be trusted for any of them.
            raise AnswerMismatch(
                f"Xero's answer to a batch did not match what was sent (element {index + 1} is for "
                f"{str(echoed or 'no Reference')!r}, not {reference!r}), so its invoice numbers were not "
                "recorded; the batch was looked up in Xero instead."
            )
        invoice_id = str(result.record.get("InvoiceID") or "") if result and result.ok else ""
        if result is not None and invoice_id:
            number = str(result.record.get("InvoiceNumber") or "")
            summary = invoice_summary(result.record).to_json()
            rows.append(DraftRow(source_id, reference, invoice_id, number, summary=summary))
        elif result is not None and not result.ok:
            refused[source_id] = "; ".join(result.errors) or "Xero refused the invoice."
        else:
            unanswered[source_id] = reference
    return rows, refused, unanswered


def _resendable(batch: PendingBatch, already: dict[str, DraftRow], now: float) -> list[dict[str, Any]] | None:
    """The payloads to send again under the batch's own key, or None when it must be looked up instead."""
    if batch.request_body is None or batch.idempotency_key is None or batch.sent_at is None:
        return None  # written by an older version: the request is unknown
    if already:
        return None  # the ledger holds some of its quotes already: nothing is sent for them, ever
    if not 0 <= now - batch.sent_at < RESEND_WITHIN:
        return None  # Xero may have forgotten the key (or this machine's clock went back)
    try:
        # Read for counting and unitdp only: the stored body itself is what is sent again, byte for
        # byte, whichever version's encoder wrote it.
        payloads = json.loads(batch.request_body, parse_float=Decimal)["Invoices"]
    except (ValueError, KeyError, TypeError):
        return None
    if not isinstance(payloads, list) or len(payloads) != len(batch.references):
        return None
    return payloads


def _resend(
    client: XeroClient,
    tenant_id: str,
    ledger: Ledger,
    batch: PendingBatch,
    payloads: list[dict[str, Any]],
    pace: Callable[[], None],
) -> list[DraftRow] | None:
    """Send a pending batch again with its own body and key; its drafted rows, or None when Xero's
    answer was a refusal of the whole request (the lookup already made stands)."""
    pace()
    try:
        key, unitdp = batch.idempotency_key, _unitdp(payloads)
        results = client.put_invoices(payloads, idempotency_key=key, unitdp=unitdp, body=batch.request_body)
    except ValidationFailed:
        # Xero's remembered answer is a refusal of the whole request, or the key names another request:
        # either way Xero has finished with it, and a lookup by Reference tells what exists.
        return None
    except REFUSED_UNPROCESSED:
        raise  # not processed: the batch stays "sending" and the run says why
    except XeroConnectError as exc:  # 409 still in progress, a timeout, a 5xx: not known yet
        raise _StillUnknown(exc) from exc
    rows, _refused, unanswered = _read_results(batch.references, results)
    if unanswered:  # an answer without some elements: look rather than guess
        taken = [*ledger.known_invoice_ids(tenant_id), *(r.invoice_id for r in rows)]
        rows += find_drafted(client, unanswered, taken, pace)
    return rows


def recover(
    client: XeroClient,
    tenant_id: str,
    ledger: Ledger,
    pace: Callable[[], None] | None = None,
    now: Callable[[], float] = time.time,
) -> int:
    """Settle every batch an earlier run left "sending": record what Xero has, close the batch.

    Each is looked up by Reference first; when Xero does not show all of it and still remembers its key,
    the very same request is sent again and its answer recorded like a normal batch's. Raises
    BatchInProgress, after settling the others, when a batch cannot be settled yet.
    """
    pace = pace or (lambda: None)
    recovered = 0
    unsettled: list[XeroConnectError] = []
    for batch in ledger.pending_batches(tenant_id):
        already = ledger.drafted(tenant_id, batch.references)
        open_refs = {sid: ref for sid, ref in batch.references.items() if sid not in already}
        payloads = _resendable(batch, already, now())
        found = find_drafted(client, open_refs, ledger.known_invoice_ids(tenant_id), pace)
        if payloads is not None and len(found) < len(open_refs):
            # Not all there: the request never arrived, was refused, or is still being processed and
            # its invoices are not visible yet. Only its own key can tell without risking a duplicate.
            try:
                resent = _resend(client, tenant_id, ledger, batch, payloads, pace)
            except _StillUnknown as unknown:
                unsettled.append(unknown.cause)
                continue
            found = found if resent is None else resent
        ledger.close_batch(tenant_id, batch.batch_key, found)
        recovered += len(found)
    if unsettled:
        cause = str(unsettled[0])
        raise BatchInProgress(
            f"{cause} It stays pending and nothing more was sent; run again in a minute to record it "
            "and send the rest.",
            recovered,
        )
    return recovered


# -- the run -----------------------------------------------------------------------------------


def _unitdp(payloads: Sequence[dict[str, Any]]) -> int | None:
    # Xero rounds UnitAmount to 2 places unless asked for 4; only ask when a price needs it.
    for payload in payloads:
        for line in payload["LineItems"]:
            price = Decimal(str(line.get("UnitAmount") or 0))
            if price != price.quantize(CENT):
                return 4
    return None


class _Run:
    def __init__(
        self,
        client: XeroClient,
        tenant_id: str,
        ledger: Ledger,
        total: int,
        progress: Callable[[DraftProgress], None] | None,
    ) -> None:
        self.client, self.tenant_id, self.ledger = client, tenant_id, ledger
        self.report = DraftReport()
        self.total, self.progress = total, progress
        self.batch, self.batches = 0, 0
        self.pace = _Pacer(client, lambda: self.tell("waiting"))
        self.history_notes = True

    def tell(self, phase: str) -> None:
        if self.progress is not None:
            r = self.report
            counts = (len(r.results), self.total, r.drafted, r.failed)
            self.progress(DraftProgress(phase, *counts, self.batch, self.batches))

    def settle(self, entry: PlannedInvoice, status: Outcome, **details: Any) -> None:
        src = entry.source
        self.report.results.append(QuoteResult(src.source_id, src.number, status, **details))

    def settle_rest(self, entries: Sequence[PlannedInvoice], why: str) -> None:
        settled = {r.source_id for r in self.report.results}
        for entry in entries:
            if entry.source_id not in settled:
                self.settle(entry, "not_sent", message=why, retryable=True)

    def send(self, batch: list[PlannedInvoice]) -> None:
        self.pace()
        # Re-read the ledger in the transaction that writes the batch: a quote another run drafted or
        # left pending since this run planned is dropped here, never sent a second time.
        with self.ledger.claiming(self.tenant_id, [entry.source_id for entry in batch]) as claim:
            free = set(claim.free)
            claimed_elsewhere = [entry for entry in batch if entry.source_id not in free]
            batch = [entry for entry in batch if entry.source_id in free]
            payloads = [entry.payload for entry in batch]
            key = content_key(self.tenant_id, "Invoices", payloads)
            refs = {entry.source_id: entry.source.number for entry in batch}
            if batch:
                claim.begin(key, refs, wire_body(payloads), key, keep_first_sent_within=IDEMPOTENCY_WINDOW)
        self._settle_claimed_elsewhere(claimed_elsewhere)
        if not batch:
            return
        try:
            results = self.client.put_invoices(payloads, idempotency_key=key, unitdp=_unitdp(payloads))
            rows, refused, unanswered = _read_results(refs, results)
        except ValidationFailed as exc:  # the request as a whole was refused: nothing was created
            self.ledger.close_batch(self.tenant_id, key, [])
            message = "; ".join(exc.details) or str(exc)
            for entry in batch:
                self.settle(entry, "failed", message=message)
            return
        except RequestTooLarge:  # refused for its size before processing: halve it, or the quote is too big
            self.ledger.close_batch(self.tenant_id, key, [])
            if len(batch) == 1:
                self.settle(batch[0], "invalid", message=too_large_sentence(body_size(payloads)))
                return
            middle = len(batch) // 2
            self.send(batch[:middle])
            self.send(batch[middle:])
            return
        except REFUSED_UNPROCESSED as exc:  # refused before processing (authorisation, daily limit)
            self._refused(batch, key, refs, exc)
        except XeroConnectError as exc:  # no answer, a 5xx, a 409, a mismatched answer: not known
            whole = self._unknown_outcome(batch, key, refs, exc)
            checked = (
                "The last batch was checked in Xero and recorded; run again to send the rest."
                if whole
                else "Xero does not show all of the last batch yet; it stays pending and the next "
                "run checks Xero for it before sending anything."
            )
            raise _Stop(f"{exc!s} {checked}") from exc
        for entry in batch:
            if entry.source_id in refused:
                self.settle(entry, "failed", message=refused[entry.source_id])
        if unanswered:  # an answer without some elements: look rather than guess
            try:
                rows += find_drafted(self.client, unanswered, [r.invoice_id for r in rows], self.pace)
            except XeroConnectError as exc:  # the batch stays "sending": the next run settles it first
                raise _Stop(f"{exc} Xero's answer was incomplete; the next run checks it first.") from exc
        rows = _with_fingerprints(rows, batch)
        self.ledger.close_batch(self.tenant_id, key, rows)
        log.info("batch of %d sent: %d drafted, %d refused by Xero", len(batch), len(rows), len(refused))
        self._settle_rows(batch, rows, skip={r.source_id for r in self.report.results})
        report_differences(self.report.results, batch, results)
        if self.history_notes:
            add_notes(self.client, self.tenant_id, self.report.results, batch, self.pace)

    def _settle_claimed_elsewhere(self, entries: list[PlannedInvoice]) -> None:
        if not entries:
            return
        drafted = self.ledger.drafted(self.tenant_id, [entry.source_id for entry in entries])
        for entry in entries:
            row = drafted.get(entry.source_id)
            if row is not None:
                self.settle(entry, "skipped", invoice_number=row.invoice_number, invoice_id=row.invoice_id)
            else:
                self.settle(entry, "not_sent", retryable=True, message=ANOTHER_RUN_SENDING)

    def settle_known(self, entry: PlannedInvoice, row: DraftRow, found: bool = False) -> None:
        """A quote the ledger (or Xero) already has: unchanged, or changed since it was drafted."""
        ids = {"invoice_number": row.invoice_number, "invoice_id": row.invoice_id}
        changes = changes_since(entry.source, row)
        if changes is not None:
            self.settle(entry, "changed", changes=changes, **ids)
        elif found:
            self.settle(entry, "found", not_by_this_app=row.by_this_app is False, **ids)
        else:
            self.settle(entry, "skipped", **ids)

    def _settle_rows(self, batch: list[PlannedInvoice], rows: list[DraftRow], skip: set[str]) -> None:
        by_source = {row.source_id: row for row in rows}
        for entry in batch:
            row = by_source.get(entry.source_id)
            if row is not None:
                self.settle(entry, "drafted", invoice_number=row.invoice_number, invoice_id=row.invoice_id)
            elif entry.source_id not in skip:
                self.settle(
                    entry,
                    "failed",
                    message="Xero's answer did not include this invoice and it is not in Xero; "
                    "it will be sent again on the next run.",
                    retryable=True,
                )

    def _refused(
        self, batch: list[PlannedInvoice], key: str, refs: dict[str, str], exc: XeroConnectError
    ) -> None:
        """A refusal that Xero gives before processing. Yet the client may have sent this very request
        before (a retry after a lost answer) and that one may have been processed: look before the batch
        is closed as never sent; if Xero cannot be asked now, the batch stays pending for the next run."""
        cause: StopCause = "limit" if isinstance(exc, RateLimited) else "other"
        try:
            found = find_drafted(self.client, refs, self.ledger.known_invoice_ids(self.tenant_id), self.pace)
        except XeroConnectError:
            for entry in batch:
                self.settle(entry, "not_sent", message=str(exc), retryable=True)
            raise _Stop(
                f"{exc} The next run checks Xero for the last batch before sending it again.", cause
            ) from exc
        found = _with_fingerprints(found, batch)
        self.ledger.close_batch(self.tenant_id, key, found)
        self._settle_found(batch, found, "not_sent", str(exc))
        raise _Stop(str(exc), cause) from exc

    def _settle_found(
        self, batch: list[PlannedInvoice], found: list[DraftRow], missing: Outcome, message: str
    ) -> None:
        """After a lookup: what Xero showed is drafted; the rest ``missing``, retryable, with ``message``."""
        by_source = {row.source_id: row for row in found}
        for entry in batch:
            row = by_source.get(entry.source_id)
            if row is not None:
                self.settle(entry, "drafted", invoice_number=row.invoice_number, invoice_id=row.invoice_id)
            else:
                self.settle(entry, missing, message=message, retryable=True)

    def _unknown_outcome(
        self, batch: list[PlannedInvoice], key: str, refs: dict[str, str], exc: XeroConnectError
    ) -> bool:
        """The request may or may not have been processed: ask Xero now, before anyone resends it.
        True when Xero showed the whole batch (it is closed); else it stays pending."""
        try:
            rows = find_drafted(self.client, refs, self.ledger.known_invoice_ids(self.tenant_id), self.pace)
        except XeroConnectError:
            # Cannot tell: the batch stays "sending" and the next run settles it before sending.
            for entry in batch:
                self.settle(entry, "failed", message=str(exc), retryable=True)
            raise _Stop(
                f"{exc!s} It is not known whether Xero created the last batch; the next run "
                "checks Xero for it before sending anything."
            ) from exc
        whole = len({row.source_id for row in rows}) == len(refs)
        if whole:
            self.ledger.close_batch(self.tenant_id, key, _with_fingerprints(rows, batch))
            self.report.recovered += len(rows)
        # Otherwise Xero may still be processing the request: the batch stays "sending" with its request,
        # and the next run sends that same request again (same key: replayed, never created twice) or,
        # once Xero has forgotten the key, looks the rest up. Nothing is recorded before then.
        self._settle_found(batch, rows, "failed", str(exc))
        return whole


def draft_invoices(
    client: XeroClient,
    tenant_id: str,
    plan: Sequence[PlannedInvoice],
    ledger: Ledger,
    *,
    progress: Callable[[DraftProgress], None] | None = None,
    cancel: threading.Event | None = None,
    batch_size: int = MAX_BATCH,
    update_changed: bool = False,
    history_notes: bool = True,
) -> DraftReport:
    """Draft every "new" entry of the plan; see the module docstring for the guarantees.

    ``history_notes``: a "Drafted from CRM quote …" note on each new invoice, one call per invoice;
    off, a run costs its batches only (Xero has no batch for notes).

    Before anything new is sent, every quote the ledger does not know is looked up in Xero by its
    Reference: one found there is recorded and reported, never drafted again. ``update_changed``
    updates, in place, the invoices of quotes that changed since they were drafted, while they are
    still DRAFT in Xero.
    """
    batch_size = max(1, min(batch_size, MAX_BATCH))
    run = _Run(client, tenant_id, ledger, len(plan), progress)
    run.history_notes = history_notes
    report = run.report
    to_update: list[PlannedInvoice] = []
    try:
        run.tell("recovering")
        recorded_before = set(ledger.drafted(tenant_id))
        report.recovered = recover(client, tenant_id, ledger, run.pace)
        drafted = ledger.drafted(tenant_id)
        unknown: list[PlannedInvoice] = []
        for entry in plan:
            done = drafted.get(entry.source_id)
            if done is not None and entry.source_id not in recorded_before:
                # Recorded only now, from an earlier run that never got to report it: to the user, this
                # is the run that drafted it (the earlier one said failed, or nothing at all).
                ledger.record(tenant_id, [_fingerprinted_if_same(done, entry)])
                run.settle(entry, "drafted", invoice_number=done.invoice_number, invoice_id=done.invoice_id)
            elif done is not None:
                run.settle_known(entry, done)
            elif entry.status == "invalid":
                run.settle(entry, "invalid", message=entry.reason)
            else:
                unknown.append(entry)
        run.tell("checking")
        found = {
            row.source_id: row
            for row in find_drafted(
                client,
                {e.source_id: e.source.number for e in unknown},
                ledger.known_invoice_ids(tenant_id),
                run.pace,
                ask_origin=True,
            )
        }
        ledger.record(
            tenant_id,
            [_fingerprinted_if_same(found[e.source_id], e) for e in unknown if e.source_id in found],
        )
        to_send = []
        for entry in unknown:
            row = found.get(entry.source_id)
            if row is not None:
                run.settle_known(entry, row, found=True)
            else:
                to_send.append(entry)
        if update_changed:
            changed = {r.source_id for r in report.results if r.status == "changed"}
            to_update = [e for e in plan if e.source_id in changed and e.payload]
        needs_contact = [e for e in to_send + to_update if e.new_contact is not None]
        if needs_contact and not (cancel and cancel.is_set()):
            run.tell("contacts")
            report.contacts_created = create_missing_contacts(client, tenant_id, needs_contact, pace=run.pace)
            for entry in [e for e in to_send if e.status == "invalid"]:
                run.settle(entry, "invalid", message=entry.reason)
            to_send = [e for e in to_send if e.status != "invalid"]
    except XeroConnectError as exc:
        if isinstance(exc, BatchInProgress):
            report.recovered = exc.recovered
        report.stopped = f"Nothing was sent: {exc}"
        report.stop_cause = "limit" if isinstance(exc, RateLimited) else "other"
        run.settle_rest(plan, str(exc))
        run.tell("done")
        return report
    batches, too_large = split_batches(to_send, batch_size)
    for entry, size in too_large:
        run.settle(entry, "invalid", message=too_large_sentence(size))
    to_send = [entry for batch in batches for entry in batch]
    run.batches = len(batches)
    run.tell("sending")
    for number, batch in enumerate(batches):
        if cancel is not None and cancel.is_set():
            report.cancelled = True
            run.settle_rest(to_send, "cancelled before it was sent")
            break
        try:
            run.send(batch)
        except _Stop as stop:
            report.stopped, report.stop_cause = str(stop), stop.cause
            run.settle_rest(to_send, str(stop))
            break
        except DailyLimitNear as near:  # before the batch was written or sent
            report.stopped, report.stop_cause = str(near), "limit"
            run.settle_rest(to_send, NOT_SENT_TODAY)
            break
        finally:
            run.batch = number + 1
            run.tell("sending")
    if to_update and not report.stopped and not report.cancelled:
        run.tell("updating")
        try:
            update_changed_invoices(run, to_update)
        except _Stop as stop:
            report.stopped, report.stop_cause = str(stop), stop.cause
        except DailyLimitNear as near:
            report.stopped, report.stop_cause = str(near), "limit"
    run.tell("done")
    return report


def split_batches(
    entries: Sequence[PlannedInvoice], batch_size: int, max_bytes: int = MAX_REQUEST_BYTES
) -> tuple[list[list[PlannedInvoice]], list[tuple[PlannedInvoice, int]]]:
    """Batches of at most ``batch_size`` quotes whose request body stays within ``max_bytes``; and the
    quotes that cannot fit in any request, with their size."""
    batches: list[list[PlannedInvoice]] = []
    too_large: list[tuple[PlannedInvoice, int]] = []
    current: list[PlannedInvoice] = []
    current_size = body_size([])
    for entry in entries:
        own = body_size([entry.payload]) - body_size([])
        if body_size([]) + own > max_bytes:
            too_large.append((entry, body_size([entry.payload])))
            continue
        if current and (len(current) >= batch_size or current_size + own + 2 > max_bytes):
            batches.append(current)
            current, current_size = [], body_size([])
        current.append(entry)
        current_size += own + (2 if len(current) > 1 else 0)  # ", " between elements
    if current:
        batches.append(current)
    return batches, too_large


def _fingerprinted_if_same(row: DraftRow, entry: PlannedInvoice) -> DraftRow:
    """A quote found in Xero that matches what Xero has is recorded as what was drafted, so a later
    change to any of its details is noticed; one that differs keeps only Xero's summary."""
    if changes_since(entry.source, row) is None:
        return dataclasses.replace(row, fingerprint=quote_fingerprint(entry.source))
    return row


# -- updating changed quotes in place ----------------------------------------------------------


def update_changed_invoices(run: _Run, entries: Sequence[PlannedInvoice]) -> None:
    """POST each changed quote's payload with its InvoiceID while Xero still has it as DRAFT; anything
    else is reported and nothing is sent for it. Reports replace the "changed" results."""
    results = {r.source_id: r for r in run.report.results}
    drafted = run.ledger.drafted(run.tenant_id, [e.source_id for e in entries])
    ids = {e.source_id: drafted[e.source_id].invoice_id for e in entries if e.source_id in drafted}
    statuses: dict[str, str] = {}
    id_list = sorted(set(ids.values()))
    for start in range(0, len(id_list), MAX_BATCH):
        run.pace()
        for invoice in run.client.invoices(ids=id_list[start : start + MAX_BATCH]):
            statuses[str(invoice.get("InvoiceID", "")).lower()] = str(invoice.get("Status") or "")
    ready: list[PlannedInvoice] = []
    for entry in entries:
        result = results[entry.source_id]
        invoice_id = ids.get(entry.source_id, "")
        status = statuses.get(invoice_id.lower(), "")
        if entry.status == "invalid":
            result.message = f"it cannot be updated: {entry.reason}"
        elif status == "DRAFT":
            ready.append(entry)
        elif not status:
            result.message = f"{result.invoice_number} is no longer in Xero, so it was not updated"
        else:
            result.message = (
                f"{result.invoice_number} is {status} in Xero now, so it was not updated; "
                "change it in Xero if the file is right"
            )
    for start in range(0, len(ready), MAX_BATCH):
        batch = ready[start : start + MAX_BATCH]
        payloads = [{**entry.payload, "InvoiceID": ids[entry.source_id]} for entry in batch]
        run.pace()
        try:
            answers = run.client.post_invoices(
                payloads,
                idempotency_key=content_key(run.tenant_id, "InvoiceUpdates", payloads),
                unitdp=_unitdp(payloads),
            )
        except RateLimited as exc:
            raise _Stop(str(exc), "limit") from exc
        except XeroConnectError as exc:
            for entry in batch:
                results[entry.source_id].message = f"it could not be updated: {exc!s}"
            raise _Stop(f"{exc!s} The changed quotes left were not updated.") from exc
        by_index = {answer.index: answer for answer in answers}
        for index, entry in enumerate(batch):
            answer, result = by_index.get(index), results[entry.source_id]
            if answer is not None and answer.ok:
                summary = invoice_summary(answer.record).to_json()
                run.ledger.record_update(
                    run.tenant_id,
                    entry.source_id,
                    ids[entry.source_id],
                    quote_fingerprint(entry.source),
                    summary,
                )
                result.status, result.message = "updated", ""
            else:
                why = "; ".join(answer.errors) if answer is not None and answer.errors else "no answer for it"
                result.message = f"Xero refused the update: {why}"
