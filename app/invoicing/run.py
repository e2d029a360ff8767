"""One drafting run as the `draft` command and the Draft invoices window both drive it (Qt-free): the
loaded quotes planned against the organisation, the plan drafted under the organisation's lock, and the
finished run's report with every sentence either front end shows about it. The CLI (app/cli/draft.py)
prints these sentences; the window (app/ui/invoices.py) shows them; neither words an outcome itself.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date

from app.invoicing.contact_names import ContactChoices, near_match_hint, near_matches
from app.invoicing.drafting import calls_sentence, estimate_calls, fits_today
from app.invoicing.ledger import Ledger
from app.invoicing.mapping import unused_category_columns
from app.invoicing.plan import make_plan
from app.invoicing.planned import Plan, PlannedInvoice, TenantFacts
from app.invoicing.provenance import missing_notes_sentence
from app.invoicing.records import LoadResult
from app.invoicing.results import DraftProgress, DraftReport, QuoteResult
from app.invoicing.run_lock import TenantLock
from app.invoicing.sentences import (
    RATE_LIMIT_WAIT,
    cancelled_sentence,
    changed_cli_sentence,
    plan_counts_sentence,
    recovered_sentence,
    unused_tracking_column_sentence,
)
from app.xero.client import XeroClient

CLI_PROGRAM = "the command line"  # who holds the organisation's drafting lock, for the other run's sentence
WINDOW_PROGRAM = "the Draft invoices window"
# The window's progress text for each phase of a run (the CLI's bar says only the counts and the wait).
PHASE_WORDS = {
    "recovering": "Checking an interrupted earlier run",
    "contacts": "Creating new contacts",
    "checking": "Checking Xero for quotes it already has",
    "updating": "Updating changed drafts",
    "waiting": RATE_LIMIT_WAIT[:1].upper() + RATE_LIMIT_WAIT[1:],
}


# -- what the loader left ------------------------------------------------------------------------------


def refused_file(loaded: LoadResult) -> bool:
    """The whole file was refused (missing, unreadable, not an export): no quote and a file problem."""
    return not loaded.quotes and any(p.line is None and not p.number for p in loaded.problems)


def file_problems(loaded: LoadResult) -> list[str]:
    """Problems about a whole file (no line, no number): they belong in the notice, not in a row."""
    return [str(p) for p in loaded.problems if not p.number and p.line is None]


def blocked_numbers(loaded: LoadResult) -> dict[str, str]:
    """Quote numbers the loader flagged, with the sentence the plan reports for them."""
    return {p.number: f"see the problem reported for it ({p.reason})" for p in loaded.problems if p.number}


def refused_numbers(loaded: LoadResult, plan: Iterable[PlannedInvoice]) -> list[str]:
    """Quote numbers the loader refused and the plan never saw: they still count as invalid."""
    planned = {entry.source.number for entry in plan}
    return sorted(loaded.invalid_numbers - planned)


# -- planning ------------------------------------------------------------------------------------------


@contextlib.contextmanager
def drafting_ledger(
    tenant_id: str,
    organisation: str,
    program: str,
    *,
    lock: bool = True,
    wait: bool = False,
    on_wait: Callable[[str], None] | None = None,
    cancel: threading.Event | None = None,
) -> Iterator[Ledger]:
    """The ledger, opened in the thread that uses it; with ``lock``, under the organisation's drafting
    lock too (one run per organisation; ``wait``: wait for another run instead of stopping)."""
    with contextlib.ExitStack() as stack:
        if lock:
            stack.enter_context(
                TenantLock(tenant_id, organisation, program, wait=wait, on_wait=on_wait, cancel=cancel)
            )
        yield stack.enter_context(Ledger())


def plan_run(
    client: XeroClient,
    ledger: Ledger,
    tenant_id: str,
    loaded: LoadResult,
    *,
    account: str | None = None,
    tax_type: str | None = None,
    remember: bool = True,
    look_up: bool = False,
    facts: TenantFacts | None = None,
    tracking: Mapping[str, str] | None = None,
    contacts: ContactChoices | None = None,
    keep_quote_date: bool = False,
    today: date | None = None,
) -> Plan:
    """make_plan for the loaded quotes (GETs only); the quotes the loader flagged are planned as invalid."""
    return make_plan(
        client,
        ledger,
        tenant_id,
        loaded.quotes,
        account=account,
        tax_type=tax_type,
        blocked=blocked_numbers(loaded),
        today=today,
        remember=remember,
        look_up=look_up,
        facts=facts,
        tracking=tracking,
        contacts=contacts,
        keep_quote_date=keep_quote_date,
    )


def run_calls_sentence(
    client: XeroClient,
    plan: Iterable[PlannedInvoice],
    update_changed: bool = False,
    history_notes: bool = True,
) -> str:
    """ "About 112 calls to Xero; 880 left today for this organisation." for drafting this plan."""
    return calls_sentence(
        estimate_calls(list(plan), update_changed, history_notes), client.limits.day_remaining
    )


def notes_calls_sentence(
    calls: int, notes: int, day_remaining: int | None, history_notes: bool, notes_off_hint: str
) -> str:
    """The calls sentence for a run of ``calls`` plus, with History notes, ``notes`` more (from
    estimate_calls_and_notes); ``notes_off_hint`` is added when only the run without them fits today."""
    text = calls_sentence(calls + notes if history_notes else calls, day_remaining)
    if history_notes and not fits_today(calls + notes, day_remaining) and fits_today(calls, day_remaining):
        text += " " + notes_off_hint
    return text


def unused_tracking_lines(
    loaded: LoadResult, plan: Plan, organisation: str, how: Callable[[str], str]
) -> list[str]:
    """One sentence per column named as one of the organisation's tracking categories but not mapped."""
    return [
        unused_tracking_column_sentence(column, category, organisation, how(column))
        for column, category in unused_category_columns(loaded.mapping, plan.categories)
    ]


def near_match_lines(plan: Iterable[PlannedInvoice]) -> list[str]:
    """One hint per CRM customer that is only a near match of existing Xero contacts."""
    return [near_match_hint(crm_name, xero_names) for crm_name, xero_names in near_matches(plan).items()]


@dataclass(frozen=True)
class PlanCounts:
    """How the plan splits the quotes, for the plan's summary sentence."""

    new: int
    drafted: int  # already drafted, or found in Xero
    changed: int
    invalid: int

    @classmethod
    def of(cls, plan: Iterable[PlannedInvoice], refused_at_load: int = 0) -> PlanCounts:
        statuses = [entry.status for entry in plan]
        return cls(
            statuses.count("new"),
            statuses.count("drafted"),
            statuses.count("changed"),
            statuses.count("invalid") + refused_at_load,
        )

    def sentence(self, changed_hint: str = "") -> str:
        """ "3 to draft, 1 already drafted, 2 changed since drafted, 0 invalid" (no full stop)."""
        return plan_counts_sentence(self.new, self.drafted, self.changed, self.invalid, changed_hint)


# -- the finished run ----------------------------------------------------------------------------------


def add_refused(report: DraftReport, loaded: LoadResult, plan: Iterable[PlannedInvoice]) -> DraftReport:
    """The report of the whole file: the loader's refused quotes join it as invalid, already reported
    where they were found (the file's problem, the table's row)."""
    reasons = {p.number: p.reason for p in loaded.problems if p.number}
    report.results.extend(
        QuoteResult(f"refused:{number}", number, "invalid", message=reasons[number], reported=True)
        for number in refused_numbers(loaded, plan)
    )
    return report


@dataclass
class RunReport:
    """The sentences about a finished run, for the CLI and the window alike."""

    report: DraftReport

    def outcome_lines(self) -> list[str]:
        """ "Q-1042: drafted as INV-0007" for every quote not skipped and not reported already."""
        return [
            f"{result.number}: {result.sentence()}"
            for result in self.report.results
            if result.status != "skipped" and not result.reported
        ]

    def changed(self, update_changed: bool) -> str:
        """The CLI's hint for quotes changed since drafted, unless it was asked to update them."""
        count = self.report.count("changed")
        return changed_cli_sentence(count) if count and not update_changed else ""

    @property
    def recovered(self) -> str:
        return recovered_sentence(self.report.recovered)

    @property
    def notes(self) -> str:
        return missing_notes_sentence(self.report.results)

    def cancelled(self, again: str) -> str:
        """ "" unless the run was cancelled; ``again`` says how this front end continues."""
        return cancelled_sentence(self.report.not_sent, again) if self.report.cancelled else ""

    @property
    def summary(self) -> str:
        return self.report.summary()


# -- progress ------------------------------------------------------------------------------------------


def progress_bar_text(p: DraftProgress, width: int) -> str:
    """The CLI's bar: "[#####-----] 40/120 drafted 39, failed 1 - waiting for Xero's rate limit"."""
    filled = width * p.done // p.total if p.total else width
    return (
        f"[{'#' * filled}{'-' * (width - filled)}] {p.done}/{p.total} "
        f"drafted {p.drafted}, failed {p.failed}" + (f" - {RATE_LIMIT_WAIT}" if p.phase == "waiting" else "")
    )


def progress_text(p: DraftProgress) -> str:
    """The window's bar: "Sending batch 2 of 3 — 100 of 120 quotes settled, 99 drafted"."""
    batches = f"batch {min(p.batch + 1, p.batches)} of {p.batches}" if p.batches else ""
    if p.phase == "sending" and p.batches:
        head = f"Sending {batches}" if p.batch < p.batches else f"{p.batches} of {p.batches} batches sent"
    elif p.phase == "done":
        head = f"{p.batch} of {p.batches} batches sent" if p.batches else "Done"
    else:
        head = PHASE_WORDS.get(p.phase, p.phase.capitalize())
    return f"{head} — {p.done} of {p.total} quotes settled, {p.drafted} drafted"
