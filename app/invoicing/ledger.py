"""The drafting ledger: what was drafted in which organisation, and which batches may be in Xero.

One SQLite file in the data directory. A batch is written as "sending" *before* its request leaves
(write-ahead), so after a crash the next run knows exactly which quotes must be looked up in Xero
before anything is sent again. The drafts of a batch and the closing of the batch share one
transaction, so the ledger never says "done" without the rows, nor holds rows of an open batch.

Each batch also keeps its exact request (the JSON body as sent and its Idempotency-Key) and the time it
was first sent, by this machine's clock: while Xero still honours the key, recovery resends that very
request and Xero replays its answer instead of creating anything again.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from app.settings import data_dir

LEDGER_NAME = "ledger.sqlite"
BUSY_TIMEOUT_MS = 10_000  # a second program (tray + CLI) waits for the other's transaction
SCHEMA_VERSION = 2  # 1: batches without their request; 2: request_body, idempotency_key, sent_at

SCHEMA = """
CREATE TABLE IF NOT EXISTS drafts (
    tenant_id TEXT NOT NULL,
    source_id TEXT NOT NULL,
    reference TEXT NOT NULL,
    invoice_id TEXT NOT NULL,
    invoice_number TEXT NOT NULL,
    drafted_at REAL NOT NULL,
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
"""


@dataclass(frozen=True)
class DraftRow:
    source_id: str
    reference: str
    invoice_id: str
    invoice_number: str


# Columns added after version 1; an older file gets them with ALTER TABLE (NULL: request unknown).
BATCH_COLUMNS = (("request_body", "TEXT"), ("idempotency_key", "TEXT"), ("sent_at", "REAL"))


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

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or data_dir() / LEDGER_NAME
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        # Create the file 0600 ourselves: sqlite would use the umask, and the ledger names customers.
        os.close(os.open(self.path, os.O_CREAT | os.O_RDWR, 0o600))
        os.chmod(self.path, 0o600)
        self._lock = threading.RLock()
        self._db = sqlite3.connect(
            self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
        )
        self._db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
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
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    # -- drafts ----------------------------------------------------------------------------------

    def drafted(self, tenant_id: str, source_ids: Iterable[str] | None = None) -> dict[str, DraftRow]:
        """Drafts of this tenant (all, or those among ``source_ids``), keyed by source_id."""
        with self._lock:
            rows = self._db.execute(
                "SELECT source_id, reference, invoice_id, invoice_number FROM drafts WHERE tenant_id = ?",
                (tenant_id,),
            ).fetchall()
        wanted = None if source_ids is None else set(source_ids)
        return {r[0]: DraftRow(*r) for r in rows if wanted is None or r[0] in wanted}

    def known_invoice_ids(self, tenant_id: str) -> set[str]:
        with self._lock:
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
        now = time.time() if now is None else now
        with self._transaction() as db:
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
                (tenant_id, batch_key, json.dumps(references), now, request_body, idempotency_key,
                 now if request_body is not None else None, keep_first_sent_within),
            )

    def close_batch(self, tenant_id: str, batch_key: str, drafts: Sequence[DraftRow]) -> None:
        """Record the batch's drafted invoices and mark it done, atomically."""
        now = time.time()
        with self._transaction() as db:
            db.executemany(
                "INSERT OR REPLACE INTO drafts "
                "(tenant_id, source_id, reference, invoice_id, invoice_number, drafted_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [(tenant_id, d.source_id, d.reference, d.invoice_id, d.invoice_number, now) for d in drafts],
            )
            db.execute(
                "UPDATE batches SET state = 'done' WHERE tenant_id = ? AND batch_key = ?",
                (tenant_id, batch_key),
            )

    def pending_batches(self, tenant_id: str) -> list[PendingBatch]:
        with self._lock:
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
        with self._lock:
            row = self._db.execute(
                "SELECT account_code, tax_type FROM tenant_defaults WHERE tenant_id = ?", (tenant_id,)
            ).fetchone()
        return (row[0], row[1]) if row else None

    def save_tenant_defaults(self, tenant_id: str, account_code: str, tax_type: str) -> None:
        with self._transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO tenant_defaults (tenant_id, account_code, tax_type, chosen_at) "
                "VALUES (?, ?, ?, ?)",
                (tenant_id, account_code, tax_type, time.time()),
            )


def _migrate(db: sqlite3.Connection) -> None:
    """Bring a ledger written by an older version up to SCHEMA_VERSION (inside the opening transaction)."""
    (version,) = db.execute("PRAGMA user_version").fetchone()
    if version >= SCHEMA_VERSION:
        return
    present = {row[1] for row in db.execute("PRAGMA table_info(batches)")}
    for name, kind in BATCH_COLUMNS:
        if name not in present:
            db.execute(f"ALTER TABLE batches ADD COLUMN {name} {kind}")
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


def _statements() -> list[str]:
    return [s.strip() for s in SCHEMA.split(";") if s.strip()]
