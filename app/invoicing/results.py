"""What a drafting run reports: each quote's outcome (QuoteResult, worded by app.invoicing.sentences),
the run's progress (DraftProgress) and its report (DraftReport)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from app.invoicing.sentences import quote_sentence

Outcome = Literal["drafted", "found", "skipped", "changed", "updated", "invalid", "failed", "not_sent"]
StopCause = Literal["", "limit", "lock", "other"]


@dataclass(frozen=True)
class DraftProgress:
    # "locked" | "recovering" | "checking" | "contacts" | "sending" | "updating" | "waiting" | "done"
    phase: str
    done: int  # quotes settled so far
    total: int
    drafted: int
    failed: int
    batch: int  # batches answered so far
    batches: int
    note: str = ""  # "locked": who holds the organisation's drafting lock


@dataclass
class QuoteResult:
    source_id: str
    number: str
    status: Outcome
    invoice_number: str = ""
    invoice_id: str = ""
    message: str = ""  # Xero's own words for "failed", the reason for "invalid"
    retryable: bool = False  # failed without Xero refusing it: a rerun may succeed
    reported: bool = False  # its problem was already shown where it was found (the file's row)
    changes: list[str] = field(default_factory=list)  # "total 1,658.40 → 1,550.40", for "changed"/"updated"
    not_by_this_app: bool = False  # "found": Xero says another app or a person created that invoice
    difference: str = ""  # "drafted": what Xero's totals differ in from the computed ones (readback)
    note_missing: str = ""  # "drafted": why its History note (provenance) could not be added

    def sentence(self) -> str:
        """What became of the quote, in the words the window and the CLI both show."""
        return quote_sentence(
            self.status,
            self.invoice_number,
            message=self.message,
            changes=self.changes,
            not_by_this_app=self.not_by_this_app,
            difference=self.difference,
        )


@dataclass
class DraftReport:
    results: list[QuoteResult] = field(default_factory=list)
    stopped: str = ""  # the sentence when the run stopped early
    stop_cause: StopCause = ""  # "limit": a Xero rate limit; "lock": another run; "other"
    cancelled: bool = False
    recovered: int = 0  # invoices of an interrupted earlier run found in Xero
    contacts_created: int = 0

    def count(self, status: Outcome) -> int:
        return sum(1 for r in self.results if r.status == status)

    @property
    def drafted(self) -> int:
        return self.count("drafted")

    @property
    def skipped_already_drafted(self) -> int:
        return self.count("skipped")

    @property
    def invalid(self) -> int:
        return self.count("invalid")

    @property
    def failed(self) -> int:
        return self.count("failed")

    @property
    def not_sent(self) -> int:
        return self.count("not_sent")

    def summary(self) -> str:
        extra = [
            f"{self.count('found')} found in Xero already" if self.count("found") else "",
            f"{self.count('changed')} changed since drafted" if self.count("changed") else "",
            f"{self.count('updated')} updated" if self.count("updated") else "",
        ]
        more = "".join(f", {part}" for part in extra if part)
        return (
            f"Drafted {self.drafted}, skipped {self.skipped_already_drafted} already drafted{more}, "
            f"{self.invalid} invalid, {self.failed} failed."
        )

    @property
    def all_done(self) -> bool:
        """Every quote is in Xero as the file says (drafted, found, skipped or updated)."""
        return (
            not self.stopped
            and not self.cancelled
            and all(r.status in ("drafted", "found", "skipped", "updated") for r in self.results)
        )
