"""One sitting of the "Draft invoices" window, without Qt: loaded quotes → rows → plan → drafting report.

The window only shows :class:`QuoteRow` objects and calls :func:`plan_quotes` / :func:`draft_selected`
in workers; what decides a row's status, total or export cell lives here, the run itself (planning,
drafting, the report's sentences) in app.invoicing.run, which the CLI drives too.
"""

from __future__ import annotations

import csv
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal
from urllib.parse import quote

from app.invoicing.contact_names import ContactChoices, exact_key
from app.invoicing.drafting import draft_invoices, estimate_calls_and_notes, fits_today
from app.invoicing.fingerprint import line_total
from app.invoicing.ledger import DraftRow
from app.invoicing.plan import choose_defaults
from app.invoicing.planned import Defaults, PlannedInvoice, TenantFacts
from app.invoicing.records import LoadResult, RowProblem, SourceQuote
from app.invoicing.results import DraftProgress, DraftReport
from app.invoicing.revenue_mapping import (
    MappingNeeded,
    MappingOptions,
    check_remembered,
    check_tracking,
    mapping_options,
    recheck_before_sending,
)
from app.invoicing.run import (
    WINDOW_PROGRAM,
    add_refused,
    drafting_ledger,
    notes_calls_sentence,
    plan_run,
)
from app.invoicing.sentences import NOTES_OFF_FITS_WINDOW

if TYPE_CHECKING:
    from app.model import ConnectionModel

RowState = Literal[
    "checking",  # loaded, the plan is not back yet
    "new",
    "drafted_before",  # already in the ledger when planned, or skipped by a run
    "found",  # not in the ledger, but Xero has an invoice with its Reference: never drafted again
    "changed",  # drafted before, and the file now says something else
    "updated",  # its DRAFT invoice was updated in place to what the file says
    "invalid",  # refused by the loader or the plan
    "problem",  # a loader problem that names no quote (a row without a number)
    "drafted",
    "failed",
    "not_sent",
]
EXPORT_HEADER = ("number", "customer", "status", "invoice number", "invoice id", "message")
FORMULA_MARKS = ("=", "+", "-", "@")
XERO_WEB = "https://go.xero.com"
# Xero's deep link: signs the user in to the organisation with this short code, then opens the invoice
# (without it Xero opens the invoice in whichever organisation the browser used last).
DEEP_LINK = (
    "{web}/organisationlogin/default.aspx?shortcode={code}"
    "&redirecturl=/AccountsReceivable/Edit.aspx?InvoiceID={id}"
)
PLAIN_LINK = "{web}/AccountsReceivable/Edit.aspx?InvoiceID={id}"

STATE_WORDS: dict[str, str] = {
    "checking": "Checking",
    "new": "New",
    "drafted_before": "Already drafted",
    "found": "Found in Xero",
    "changed": "Changed since drafted",
    "updated": "Updated",
    "invalid": "Invalid",
    "problem": "Invalid",
    "drafted": "Drafted",
    "failed": "Failed",
    "not_sent": "Not sent",
}


@dataclass
class QuoteRow:
    """What one line of the table shows; ``detail`` is the reason, Xero's message or the invoice number."""

    number: str
    state: RowState
    customer: str = ""
    date: str = ""
    lines: int | None = None
    total: str = ""
    detail: str = ""
    invoice_number: str = ""
    invoice_id: str = ""
    source_id: str = ""
    checked: bool = False
    retryable: bool = False
    changes: str = ""  # what changed since drafted ("total 1,658.40 → 1,550.40"), for "changed"/"updated"
    near_contacts: list[str] = field(default_factory=list)  # existing contacts the user may choose instead

    @property
    def checkable(self) -> bool:
        # Invalid and already drafted rows can never be sent; a failed one may be retried by hand.
        return self.state in ("new", "not_sent", "failed")

    @property
    def status_text(self) -> str:
        if self.state == "drafted_before":
            return f"Already drafted ({self.invoice_number})" if self.invoice_number else "Already drafted"
        if self.state == "drafted":
            # A difference in Xero's figures comes as the core's whole sentence.
            if self.detail:
                return self.detail[:1].upper() + self.detail[1:]
            return f"Drafted: {self.invoice_number}"
        if self.state in ("found", "changed", "updated"):
            return self.detail[:1].upper() + self.detail[1:]  # the core's sentence
        if self.state in ("invalid", "problem", "failed"):
            return f"{STATE_WORDS[self.state]}: {self.detail}"
        if self.state == "checking":
            return "Checking…"
        return STATE_WORDS[self.state]

    @property
    def message(self) -> str:
        """The export's message column: why it is invalid/failed/not sent, or what became of it."""
        shown = ("invalid", "problem", "failed", "not_sent", "found", "changed", "updated", "drafted")
        return self.detail if self.state in shown else ""

    @property
    def updatable(self) -> bool:
        """A changed quote whose invoice may be updated in place (Xero decides if it is still DRAFT)."""
        return self.state == "changed" and bool(self.invoice_id)


def format_total(quote: SourceQuote) -> str:
    amount = f"{line_total(quote):,.2f}"
    return f"{quote.currency.upper()} {amount}" if quote.currency else amount


def _quote_row(quote: SourceQuote) -> QuoteRow:
    return QuoteRow(
        number=quote.number,
        state="checking",
        customer=quote.contact_name,
        date=quote.date.isoformat() if quote.date else "",
        lines=len(quote.lines),
        total=format_total(quote),
        source_id=quote.source_id,
    )


def _where(problem: RowProblem) -> str:
    name = Path(problem.origin).name or problem.origin
    return f"{name}, line {problem.line}" if problem.line else name


@dataclass
class PlanOutcome:
    plan: list[PlannedInvoice]
    drafted: dict[str, DraftRow]  # the ledger's rows by source_id, for "Open in Xero" on old drafts
    mapping: MappingOptions | None = None  # the account and tax dropdowns' choices and selection
    problem: str = ""  # the plan could not be made (e.g. "fix the mapping"): nothing is planned
    day_remaining: int | None = None  # Xero's calls left today for the organisation, when planned
    # Drafting the plan's new quotes: its calls without History notes, and the notes' (one per invoice).
    calls: int = 0
    note_calls: int = 0
    history_notes: bool = True  # as the window's last run for the organisation had it
    short_code: str = ""  # the organisation's, for "Open in Xero"

    def fits_today(self, history_notes: bool) -> bool:
        """Whether drafting the plan's new quotes ends before Xero's daily limit."""
        return fits_today(self.calls + (self.note_calls if history_notes else 0), self.day_remaining)

    def calls_sentence(self, history_notes: bool) -> str:
        """ "About 112 calls to Xero; 880 left today …" for drafting the plan's new quotes."""
        return notes_calls_sentence(
            self.calls, self.note_calls, self.day_remaining, history_notes, NOTES_OFF_FITS_WINDOW
        )


@dataclass
class DraftSession:
    """The loaded quotes, their plan and the latest run's results, as rows; used on the GUI thread only."""

    loaded: LoadResult
    rows: list[QuoteRow] = field(default_factory=list)
    plan: list[PlannedInvoice] | None = None
    contact_choices: dict[str, str | None] = field(default_factory=dict)  # near matches the user decided

    def __post_init__(self) -> None:
        self.rows = [_quote_row(q) for q in self.loaded.quotes]
        self.rows += self._refused_rows(set())

    def _refused_rows(self, planned: set[str]) -> list[QuoteRow]:
        reasons: dict[str, list[str]] = {}
        for p in self.loaded.problems:
            if p.number and p.number not in planned:
                reasons.setdefault(p.number, []).append(f"{_where(p)}: {p.reason}" if p.line else p.reason)
        rows = [
            QuoteRow(number=number, state="invalid", detail="; ".join(why), source_id=f"refused:{number}")
            for number, why in reasons.items()
        ]
        rows += [
            QuoteRow(number="", state="problem", detail=f"{_where(p)}: {p.reason}")
            for p in self.loaded.problems
            if not p.number and p.line is not None
        ]
        return rows

    def plan_failed(self, sentence: str) -> None:
        """Nothing was planned: every quote still being checked says why, and none can be sent."""
        self.plan = None
        for row in self.rows:
            if row.state == "checking":
                row.state, row.detail, row.checked = "not_sent", sentence, False

    def apply_plan(self, outcome: PlanOutcome) -> None:
        if outcome.problem:
            self.plan_failed(outcome.problem)
            return
        self.plan = outcome.plan
        rows = []
        for entry in outcome.plan:
            row = _quote_row(entry.source)
            if entry.status in ("drafted", "changed"):
                done = entry.found or outcome.drafted.get(entry.source_id)
                row.invoice_number = entry.invoice_number
                row.invoice_id = done.invoice_id if done else ""
                row.state = (
                    "drafted_before"
                    if entry.status == "drafted" and entry.found is None
                    else ("found" if entry.status == "drafted" else "changed")
                )
                row.detail = entry.drafted_sentence() if row.state != "drafted_before" else ""
                row.changes = ", ".join(entry.changes)
            elif entry.status == "invalid":
                row.state, row.detail = "invalid", entry.reason
                row.near_contacts = list(entry.near_contacts)
            else:
                row.state, row.detail, row.checked = "new", entry.reason, True
            rows.append(row)
        self.rows = rows + self._refused_rows({entry.source.number for entry in outcome.plan})

    def choose_contact(self, row: QuoteRow, use_existing: bool) -> None:
        """The user's answer for a near-match row: its first existing contact, or a new contact; the
        quotes are planned again with it (every row of that customer follows)."""
        if row.near_contacts:
            self.contact_choices[exact_key(row.customer)] = row.near_contacts[0] if use_existing else None

    def to_send(self) -> list[PlannedInvoice]:
        """The plan minus the new quotes left unchecked; drafted and invalid entries stay so that the
        summary counts them, exactly as the CLI's does."""
        if self.plan is None:
            return []
        by_source = {row.source_id: row for row in self.rows}
        chosen = []
        for entry in self.plan:
            row = by_source.get(entry.source_id)
            if row is not None and row.checkable and not row.checked:
                continue
            chosen.append(entry)
        return chosen

    def checked_count(self) -> int:
        return sum(1 for row in self.rows if row.checkable and row.checked)

    def apply_report(self, report: DraftReport) -> DraftReport:
        """Statuses from the run; the loader's refused quotes join the report as invalid (as in the CLI)."""
        report = add_refused(report, self.loaded, self.plan or [])
        by_source = {row.source_id: row for row in self.rows}
        for result in report.results:
            row = by_source.get(result.source_id)
            if row is None or result.reported:
                continue  # a refused quote's row already says why, with its line
            row.checked = False
            row.retryable = result.retryable
            if result.status == "drafted":
                row.state, row.detail = "drafted", result.sentence() if result.difference else ""
            elif result.status == "skipped":
                row.state, row.detail = "drafted_before", ""
            elif result.status in ("found", "changed", "updated"):
                row.state, row.detail = result.status, result.sentence()
                row.changes = ", ".join(result.changes)
            elif result.status == "invalid":
                row.state, row.detail = "invalid", result.message
            elif result.status == "failed":
                row.state, row.detail, row.checked = "failed", result.message, result.retryable
            else:
                row.state, row.detail, row.checked = "not_sent", result.message, True
            if result.invoice_number:
                row.invoice_number = result.invoice_number
            if result.invoice_id:
                row.invoice_id = result.invoice_id
        return report


# -- the calls made in worker threads (the ledger is opened in the thread that uses it) ---------------


def plan_quotes(
    model: ConnectionModel,
    loaded: LoadResult,
    chosen: Defaults | None = None,
    contacts: ContactChoices | None = None,
    tracking: Mapping[str, str] | None = None,
) -> PlanOutcome:
    """make_plan for the loaded quotes (GETs only), with quotes the ledger does not know looked up in
    Xero so the table shows "found in Xero" before anything is sent; ``model`` is a ConnectionModel.
    ``chosen``: the account and tax rate the user picked in the window, remembered for the organisation;
    ``contacts``: the user's choices for near-match customers; ``tracking``: the {category: option} picked
    in the window for lines without their own (remembered too; None: the remembered one)."""
    client = model.client()
    tenant_id = model.settings.tenant_id
    organisation = model.settings.tenant_name or "this organisation"
    with drafting_ledger(tenant_id, organisation, WINDOW_PROGRAM, lock=False) as ledger:
        facts = TenantFacts.fetch(client)
        if chosen is not None:
            check_remembered(facts, chosen.account_code, chosen.tax_type)
            ledger.save_tenant_defaults(tenant_id, chosen.account_code, chosen.tax_type)
        if tracking is not None:
            ledger.save_tenant_tracking(tenant_id, dict(tracking))
        run_tracking = ledger.tenant_tracking(tenant_id)
        try:
            check_tracking(facts, run_tracking)
            plan = plan_run(
                client,
                ledger,
                tenant_id,
                loaded,
                look_up=True,
                facts=facts,
                contacts=contacts,
                tracking=run_tracking,
            )
        except MappingNeeded as exc:
            options = mapping_options(facts, choose_defaults(facts))
            return PlanOutcome([], ledger.drafted(tenant_id), options, problem=str(exc))
        remembered = ledger.tenant_defaults(tenant_id)
        selected = Defaults(*remembered) if remembered else choose_defaults(facts)
        calls, note_calls = estimate_calls_and_notes(plan)
        return PlanOutcome(
            plan,
            ledger.drafted(tenant_id),
            mapping_options(facts, selected, run_tracking),
            day_remaining=client.limits.day_remaining,
            calls=calls,
            note_calls=note_calls,
            history_notes=ledger.tenant_history_notes(tenant_id),
            short_code=facts.short_code,
        )


def draft_selected(
    model: ConnectionModel,
    entries: Sequence[PlannedInvoice],
    progress: Callable[[DraftProgress], None],
    cancel: threading.Event,
    *,
    update_changed: bool = False,
    history_notes: bool = True,
) -> DraftReport:
    """The run, holding the organisation's drafting lock; while another run holds it, waits (the
    progress says so, Cancel stops waiting). ``history_notes``: the "Drafted from CRM quote …" note on
    each new invoice (one call each), remembered for the organisation's next plan in the window."""
    client = model.client()
    tenant_id = model.settings.tenant_id
    organisation = model.settings.tenant_name or "this organisation"

    def waiting(sentence: str) -> None:
        progress(DraftProgress("locked", 0, len(entries), 0, 0, 0, 0, note=sentence))

    with drafting_ledger(
        tenant_id, organisation, WINDOW_PROGRAM, wait=True, on_wait=waiting, cancel=cancel
    ) as ledger:
        recheck_before_sending(client, [e.payload for e in entries if e.payload], organisation)
        ledger.save_tenant_history_notes(tenant_id, history_notes)  # the window's next plan offers it again
        return draft_invoices(
            client,
            tenant_id,
            entries,
            ledger,
            progress=progress,
            cancel=cancel,
            update_changed=update_changed,
            history_notes=history_notes,
        )


# -- links and export ---------------------------------------------------------------------------------


def invoice_url(model: ConnectionModel, invoice_id: str, short_code: str = "") -> str:
    """Where a drafted invoice opens: Xero's page for it in the organisation (the sandbox serves the
    same deep link with a page of its own)."""
    web = model.endpoints.sandbox_base if model.settings.is_sandbox else XERO_WEB
    template = DEEP_LINK if short_code else PLAIN_LINK
    return template.format(web=web, code=quote(short_code, safe="!"), id=quote(invoice_id, safe=""))


def csv_safe(value: object) -> str:
    """A cell a spreadsheet will not run: text starting with = + - @ gets a leading quote."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_MARKS) else text


def export_rows(rows: Iterable[QuoteRow], path: str | Path) -> None:
    with open(path, "w", newline="", encoding="utf-8-sig") as handle:  # BOM: Excel reads it as UTF-8
        writer = csv.writer(handle)
        writer.writerow(EXPORT_HEADER)
        for row in rows:
            cells = (
                row.number,
                row.customer,
                STATE_WORDS[row.state],
                row.invoice_number,
                row.invoice_id,
                row.message,
            )
            writer.writerow([csv_safe(cell) for cell in cells])
