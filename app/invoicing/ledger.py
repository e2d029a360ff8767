"""The drafting ledger: what was drafted in which organisation, and which batches may be in Xero.

One SQLite file in the data directory. A batch is written as "sending" *before* its request leaves
(write-ahead), so after a crash the next run knows exactly which quotes must be looked up in Xero
before anything is sent again. The drafts of a batch and the closing of the batch share one
transaction, so the ledger never says "done" without the rows, nor holds rows of an open batch.

A quote's row is keyed by its identity (its number as Xero compares References: trimmed, case
ignored), never by a file name or a quote/order label. A row is never replaced by another invoice: the
first invoice recorded for a quote stays its invoice. Each row keeps a fingerprint and a summary of what
was drafted, so a quote that the file now describes differently is reported as changed.

Each batch also keeps its exact request (the JSON body as sent and its Idempotency-Key) and the time it
was first sent, by this machine's clock: while Xero still honours the key, recovery resends that very
request and Xero replays its answer instead of creating anything again.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from app.errors import XeroConnectError
from app.invoicing.records import quote_identity
from app.settings import data_dir

log = logging.getLogger(__name__)

LEDGER_NAME = "ledger.sqlite"
BUSY_TIMEOUT_MS = 10_000  # a second program (tray + CLI) waits for the other's transaction
# 1: batches without their request; 2: request_body, idempotency_key, sent_at; 3: rows keyed by the
# quote's identity (was "quote:Q-1"/"order:Q-1"), with what was drafted and where the row came from
SCHEMA_VERSION = 3

SCHEMA = """
CREATE TABLE IF NOT EXISTS drafts (
    tenant_id TEXT NOT NULL,
    source_id TEXT NOT NULL,
    reference TEXT NOT NULL,
    invoice_id TEXT NOT NULL,
    invoice_number TEXT NOT NULL,
    drafted_at REAL NOT NULL,
    fingerprint TEXT,
    summary TEXT,
    found INTEGER NOT NULL DEFAULT 0,
    by_this_app INTEGER,
    PRIMARY KEY (tenant_id, source_id)
);
CREATE TABLE IF NOT EXISTS batches (
    tenant_id TEXT NOT NULL,
    batch_key TEXT NOT NULL,
    source_ids TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('sending', 'done')),
    created_at REAL NOT NULL,
    request_body TEXT,
    idempotency_key TEXT,
    sent_at REAL,
    PRIMARY KEY (tenant_id, batch_key)
);
CREATE TABLE IF NOT EXISTS tenant_defaults (
    tenant_id TEXT PRIMARY KEY,
    account_code TEXT NOT NULL,
    tax_type TEXT NOT NULL,
    chosen_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS tenant_tracking (
    tenant_id TEXT PRIMARY KEY,
    choice TEXT NOT NULL,
    chosen_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS tenant_history_notes (
    tenant_id TEXT PRIMARY KEY,
    history_notes INTEGER NOT NULL,
    chosen_at REAL NOT NULL
);
"""


@dataclass(frozen=True)
class DraftRow:
    source_id: str  # the quote's identity (records.quote_identity)
    reference: str  # the Reference as sent or as found in Xero
    invoice_id: str
    invoice_number: str
    fingerprint: str | None = None  # of the quote as drafted (fingerprint.quote_fingerprint); None: unknown
    summary: str | None = None  # fingerprint.Summary as JSON
    found: bool = False  # recorded from Xero by a lookup, not from this program's own request
    by_this_app: bool | None = None  # found: did Xero say this app created it? None: not asked


# Columns added after version 1; an older file gets them with ALTER TABLE (NULL: request unknown).
BATCH_COLUMNS = (("request_body", "TEXT"), ("idempotency_key", "TEXT"), ("sent_at", "REAL"))
DRAFT_COLUMNS = (
    ("fingerprint", "TEXT"),
    ("summary", "TEXT"),
    ("found", "INTEGER NOT NULL DEFAULT 0"),
    ("by_this_app", "INTEGER"),
)
DRAFT_FIELDS = "source_id, reference, invoice_id, invoice_number, fingerprint, summary, found, by_this_app"


@dataclass(frozen=True)
class PendingBatch:
    batch_key: str
    references: dict[str, str]  # source_id -> invoice Reference, in the order sent
    created_at: float
    request_body: str | None = None  # the JSON body exactly as sent; None for a batch of an older version
    idempotency_key: str | None = None
    sent_at: float | None = None  # when the request was first sent (time.time() of this machine)


class Ledger:
    """Thread-safe (one connection behind a lock): the GUI may draft from a worker thread."""

    def __init__(self, path: Path | None = None, *, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> None:
        self.path = path or data_dir() / LEDGER_NAME
        self.busy_timeout_ms = busy_timeout_ms
        self._lock = threading.RLock()
        with _in_words(self.path, busy_timeout_ms):
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            # Create the file 0600 ourselves: sqlite would use the umask, and the ledger names customers.
            os.close(os.open(self.path, os.O_CREAT | os.O_RDWR, 0o600))
            os.chmod(self.path, 0o600)
            self._db = sqlite3.connect(
                self.path, timeout=busy_timeout_ms / 1000, isolation_level=None, check_same_thread=False
            )
            self._db.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA synchronous = FULL")  # a closed batch must survive a power cut
        with self._transaction() as db:
            for statement in _statements():  # not executescript: it would commit on its own
                db.execute(statement)
            _migrate(db)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock, _in_words(self.path, self.busy_timeout_ms):
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                with contextlib.suppress(sqlite3.Error):  # a damaged file may refuse even this
                    self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    @contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        with self._lock, _in_words(self.path, self.busy_timeout_ms):
            yield self._db

    # -- drafts ----------------------------------------------------------------------------------

    def drafted(self, tenant_id: str, source_ids: Iterable[str] | None = None) -> dict[str, DraftRow]:
        """Drafts of this tenant (all, or those among ``source_ids``), keyed by source_id."""
        with self._reading():
            rows = self._db.execute(
                f"SELECT {DRAFT_FIELDS} FROM drafts WHERE tenant_id = ?", (tenant_id,)
            ).fetchall()
        wanted = None if source_ids is None else set(source_ids)
        return {r[0]: _draft_row(r) for r in rows if wanted is None or r[0] in wanted}

    def record(self, tenant_id: str, drafts: Sequence[DraftRow]) -> None:
        """Record invoices found in Xero (or updated in place) outside a batch."""
        with self._transaction() as db:
            _insert_drafts(db, tenant_id, drafts)

    def record_update(
        self, tenant_id: str, source_id: str, invoice_id: str, fingerprint: str, summary: str
    ) -> None:
        """The quote's invoice was updated in place to what the file says now."""
        with self._transaction() as db:
            db.execute(
                "UPDATE drafts SET fingerprint = ?, summary = ?, drafted_at = ? "
                "WHERE tenant_id = ? AND source_id = ? AND invoice_id = ?",
                (fingerprint, summary, time.time(), tenant_id, source_id, invoice_id),
            )

    def known_invoice_ids(self, tenant_id: str) -> set[str]:
        with self._reading():
            rows = self._db.execute("SELECT invoice_id FROM drafts WHERE tenant_id = ?", (tenant_id,))
            return {r[0].lower() for r in rows}

    # -- batches ---------------------------------------------------------------------------------

    def begin_batch(
        self,
        tenant_id: str,
        batch_key: str,
        references: dict[str, str],
        request_body: str | None = None,
        idempotency_key: str | None = None,
        *,
        now: float | None = None,
        keep_first_sent_within: float = 0.0,
    ) -> None:
        """Write-ahead: committed before the request is sent, with the request itself.

        The same batch (same key) sent again keeps its earlier ``sent_at`` if that is less than
        ``keep_first_sent_within`` seconds old: Xero's memory of the key dates from the first request.
        """
        with self._transaction() as db:
            _insert_batch(
                db,
                tenant_id,
                batch_key,
                references,
                request_body,
                idempotency_key,
                time.time() if now is None else now,
                keep_first_sent_within,
            )

    @contextmanager
    def claiming(self, tenant_id: str, source_ids: Iterable[str]) -> Iterator[BatchClaim]:
        """One transaction that re-reads the ledger: ``claim.free`` are the quotes no run has drafted
        or left pending, and ``claim.begin`` writes the batch of those, before anyone else can."""
        with self._transaction() as db:
            wanted = list(dict.fromkeys(source_ids))
            placeholders = ",".join("?" * len(wanted)) or "NULL"
            drafted = {
                r[0]
                for r in db.execute(
                    f"SELECT source_id FROM drafts WHERE tenant_id = ? AND source_id IN ({placeholders})",
                    (tenant_id, *wanted),
                )
            }
            pending = {
                sid
                for (ids,) in db.execute(
                    "SELECT source_ids FROM batches WHERE tenant_id = ? AND state = 'sending'", (tenant_id,)
                )
                for sid in json.loads(ids)
            }
            yield BatchClaim(db, tenant_id, [sid for sid in wanted if sid not in drafted | pending])

    def close_batch(self, tenant_id: str, batch_key: str, drafts: Sequence[DraftRow]) -> None:
        """Record the batch's drafted invoices and mark it done, atomically."""
        with self._transaction() as db:
            _insert_drafts(db, tenant_id, drafts)
            db.execute(
                "UPDATE batches SET state = 'done' WHERE tenant_id = ? AND batch_key = ?",
                (tenant_id, batch_key),
            )

    def pending_batches(self, tenant_id: str) -> list[PendingBatch]:
        with self._reading():
            rows = self._db.execute(
                "SELECT batch_key, source_ids, created_at, request_body, idempotency_key, sent_at "
                "FROM batches WHERE tenant_id = ? AND state = 'sending' ORDER BY created_at",
                (tenant_id,),
            ).fetchall()
        return [PendingBatch(key, dict(json.loads(ids)), *rest) for key, ids, *rest in rows]

    def pending_source_ids(self, tenant_id: str) -> set[str]:
        return {sid for batch in self.pending_batches(tenant_id) for sid in batch.references}

    # -- tenant defaults -------------------------------------------------------------------------

    def tenant_defaults(self, tenant_id: str) -> tuple[str, str] | None:
        """(account code, tax type) chosen for this tenant by an earlier run, if any."""
        with self._reading():
            row = self._db.execute(
                "SELECT account_code, tax_type FROM tenant_defaults WHERE tenant_id = ?", (tenant_id,)
            ).fetchone()
        return (row[0], row[1]) if row else None

    def tenant_tracking(self, tenant_id: str) -> dict[str, str]:
        """{category: option} chosen in the window for this tenant's lines without their own tracking."""
        with self._reading():
            row = self._db.execute(
                "SELECT choice FROM tenant_tracking WHERE tenant_id = ?", (tenant_id,)
            ).fetchone()
        try:
            choice = json.loads(row[0]) if row else {}
        except ValueError:
            return {}
        return {str(k): str(v) for k, v in choice.items()} if isinstance(choice, dict) else {}

    def save_tenant_tracking(self, tenant_id: str, choice: dict[str, str]) -> None:
        with self._transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO tenant_tracking (tenant_id, choice, chosen_at) VALUES (?, ?, ?)",
                (tenant_id, json.dumps(choice, sort_keys=True), time.time()),
            )

    def tenant_history_notes(self, tenant_id: str) -> bool:
        """Whether the window's last run for this tenant added History notes (yes until one did not)."""
        with self._reading():
            row = self._db.execute(
                "SELECT history_notes FROM tenant_history_notes WHERE tenant_id = ?", (tenant_id,)
            ).fetchone()
        return bool(row[0]) if row else True

    def save_tenant_history_notes(self, tenant_id: str, history_notes: bool) -> None:
        with self._transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO tenant_history_notes (tenant_id, history_notes, chosen_at) "
                "VALUES (?, ?, ?)",
                (tenant_id, int(history_notes), time.time()),
            )

    def save_tenant_defaults(self, tenant_id: str, account_code: str, tax_type: str) -> None:
        with self._transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO tenant_defaults (tenant_id, account_code, tax_type, chosen_at) "
                "VALUES (?, ?, ?, ?)",
                (tenant_id, account_code, tax_type, time.time()),
            )


class LedgerUnavailable(XeroConnectError):
    """The ledger file cannot be used (locked, damaged, disk full, not writable); nothing was sent."""


@contextmanager
def _in_words(path: Path, busy_timeout_ms: int) -> Iterator[None]:
    """SQLite's and the OS's failures on the ledger as a sentence naming the file."""
    try:
        yield
    except sqlite3.OperationalError as exc:
        text = str(exc).lower()
        if "locked" in text or "busy" in text:
            raise LedgerUnavailable(
                f"The drafting ledger {path} has been locked by another program for more than "
                f"{busy_timeout_ms / 1000:g} seconds; close the other Xero Connect window or command and "
                "try again. Nothing was sent."
            ) from exc
        if "full" in text:
            raise LedgerUnavailable(
                f"There is no space left for the drafting ledger {path}; free some disk space and try "
                "again. Nothing more was sent."
            ) from exc
        if "readonly" in text or "read-only" in text or "unable to open" in text:
            raise LedgerUnavailable(
                f"The drafting ledger {path} cannot be written ({exc}); check the folder's permissions "
                "and free space. Nothing was sent."
            ) from exc
        raise LedgerUnavailable(
            f"The drafting ledger {path} cannot be used ({exc}). Nothing was sent."
        ) from exc
    except sqlite3.IntegrityError:
        raise  # a broken row is this program's bug, not the file's: the transaction is rolled back
    except sqlite3.DatabaseError as exc:  # "file is not a database", "database disk image is malformed"
        raise LedgerUnavailable(
            f"The drafting ledger {path} is damaged ({exc}). Move it aside and try again: Xero Connect "
            "starts a new one and finds the quotes already in Xero there, so none is drafted twice."
        ) from exc
    except OSError as exc:
        raise LedgerUnavailable(
            f"The drafting ledger {path} cannot be opened ({exc.strerror or exc}); check the folder's "
            "permissions and free space. Nothing was sent."
        ) from exc


@dataclass
class BatchClaim:
    """Inside :meth:`Ledger.claiming`'s transaction: the quotes still free, and the write-ahead."""

    _db: sqlite3.Connection
    tenant_id: str
    free: list[str]

    def begin(
        self,
        batch_key: str,
        references: dict[str, str],
        request_body: str,
        idempotency_key: str,
        *,
        keep_first_sent_within: float = 0.0,
    ) -> None:
        taken = set(references) - set(self.free)
        if taken:
            raise ValueError(f"claimed quotes that are not free: {sorted(taken)}")
        _insert_batch(
            self._db,
            self.tenant_id,
            batch_key,
            references,
            request_body,
            idempotency_key,
            time.time(),
            keep_first_sent_within,
        )


def _draft_row(r: Sequence[object]) -> DraftRow:
    sid, ref, inv_id, number, fingerprint, summary, found, by_app = r
    return DraftRow(
        str(sid),
        str(ref),
        str(inv_id),
        str(number),
        fingerprint=None if fingerprint is None else str(fingerprint),
        summary=None if summary is None else str(summary),
        found=bool(found),
        by_this_app=None if by_app is None else bool(by_app),
    )


def _insert_drafts(db: sqlite3.Connection, tenant_id: str, drafts: Sequence[DraftRow]) -> None:
    # Never another invoice for a quote already recorded: the first invoice stays its invoice (a second
    # run that raced this one, or a lookup, may only confirm the same invoice).
    now = time.time()
    for d in drafts:
        kept = db.execute(
            "SELECT invoice_id FROM drafts WHERE tenant_id = ? AND source_id = ?", (tenant_id, d.source_id)
        ).fetchone()
        if kept is not None and kept[0].lower() != d.invoice_id.lower():
            log.warning(
                "quote %s already recorded as invoice %s; %s not recorded for it",
                d.reference,
                kept[0],
                d.invoice_id,
            )
            continue
        db.execute(
            f"INSERT INTO drafts (tenant_id, {DRAFT_FIELDS}, drafted_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (tenant_id, source_id) DO UPDATE SET invoice_number = excluded.invoice_number, "
            "fingerprint = COALESCE(excluded.fingerprint, drafts.fingerprint), "
            "summary = COALESCE(excluded.summary, drafts.summary)",
            (
                tenant_id,
                d.source_id,
                d.reference,
                d.invoice_id,
                d.invoice_number,
                d.fingerprint,
                d.summary,
                int(d.found),
                None if d.by_this_app is None else int(d.by_this_app),
                now,
            ),
        )


def _insert_batch(
    db: sqlite3.Connection,
    tenant_id: str,
    batch_key: str,
    references: dict[str, str],
    request_body: str | None,
    idempotency_key: str | None,
    now: float,
    keep_first_sent_within: float,
) -> None:
    db.execute(
        "INSERT INTO batches (tenant_id, batch_key, source_ids, state, created_at, request_body, "
        "idempotency_key, sent_at) VALUES (?, ?, ?, 'sending', ?, ?, ?, ?) "
        "ON CONFLICT (tenant_id, batch_key) DO UPDATE SET state = 'sending', "
        "source_ids = excluded.source_ids, created_at = excluded.created_at, "
        "request_body = excluded.request_body, idempotency_key = excluded.idempotency_key, "
        "sent_at = CASE WHEN batches.sent_at IS NOT NULL AND batches.idempotency_key IS "
        "excluded.idempotency_key AND batches.request_body IS excluded.request_body "
        "AND excluded.sent_at - batches.sent_at BETWEEN 0 AND ? "
        "THEN batches.sent_at ELSE excluded.sent_at END",
        (
            tenant_id,
            batch_key,
            json.dumps(references),
            now,
            request_body,
            idempotency_key,
            now if request_body is not None else None,
            keep_first_sent_within,
        ),
    )


def _migrate(db: sqlite3.Connection) -> None:
    """Bring a ledger written by an older version up to SCHEMA_VERSION (inside the opening transaction)."""
    (version,) = db.execute("PRAGMA user_version").fetchone()
    if version >= SCHEMA_VERSION:
        return
    for table, columns in (("batches", BATCH_COLUMNS), ("drafts", DRAFT_COLUMNS)):
        present = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
        for name, kind in columns:
            if name not in present:
                db.execute(f"ALTER TABLE {table} ADD COLUMN {name} {kind}")
    if version < 3:
        _rekey_by_identity(db)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


def _old_identity(source_id: str) -> str:
    # Version 2 keyed rows "quote:<number>" or "order:<number>".
    label, sep, number = source_id.partition(":")
    return quote_identity(number if sep and label in ("quote", "order") else source_id)


def _rekey_by_identity(db: sqlite3.Connection) -> None:
    """Rows of one quote under two labels ("quote:Q-1", "order:Q-1") become one: the earliest invoice."""
    rows = db.execute("SELECT rowid, tenant_id, source_id FROM drafts ORDER BY drafted_at, rowid").fetchall()
    kept: set[tuple[str, str]] = set()
    for rowid, tenant_id, source_id in rows:
        identity = _old_identity(source_id)
        if (tenant_id, identity) in kept:
            log.warning("ledger: a second invoice for quote %s is left out of the ledger", identity)
            db.execute("DELETE FROM drafts WHERE rowid = ?", (rowid,))
            continue
        kept.add((tenant_id, identity))
        # v2 ids all carry a label, so a new id never collides with a row not yet rewritten
        db.execute("UPDATE drafts SET source_id = ? WHERE rowid = ?", (identity, rowid))
    for rowid, ids in db.execute("SELECT rowid, source_ids FROM batches").fetchall():
        references = {_old_identity(sid): ref for sid, ref in json.loads(ids).items()}
        db.execute("UPDATE batches SET source_ids = ? WHERE rowid = ?", (json.dumps(references), rowid))


def _statements() -> list[str]:
    return [s.strip() for s in SCHEMA.split(";") if s.strip()]
