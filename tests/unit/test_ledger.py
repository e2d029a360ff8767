"""The drafting ledger on its own: write-ahead batches, atomic close, per-tenant rows, private file."""

from __future__ import annotations

import sqlite3
import stat

import pytest

from app.invoicing.ledger import DraftRow, Ledger
from app.settings import data_dir


@pytest.fixture
def ledger():
    with Ledger() as opened:
        yield opened


def test_lives_in_the_data_dir_private_and_in_wal_mode(ledger):
    assert ledger.path == data_dir() / "ledger.sqlite"
    assert stat.S_IMODE(ledger.path.stat().st_mode) == 0o600
    with sqlite3.connect(ledger.path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_batch_is_pending_from_before_the_send_until_closed_with_its_rows(ledger):
    ledger.begin_batch("t1", "k1", {"quote:Q-1": "Q-1", "quote:Q-2": "Q-2"})
    [pending] = ledger.pending_batches("t1")
    assert pending.batch_key == "k1" and list(pending.references) == ["quote:Q-1", "quote:Q-2"]
    assert ledger.pending_source_ids("t1") == {"quote:Q-1", "quote:Q-2"}
    ledger.close_batch("t1", "k1", [DraftRow("quote:Q-1", "Q-1", "ID-1", "INV-0001")])
    assert ledger.pending_batches("t1") == []
    assert ledger.drafted("t1") == {"quote:Q-1": DraftRow("quote:Q-1", "Q-1", "ID-1", "INV-0001")}
    assert ledger.known_invoice_ids("t1") == {"id-1"}


def test_closing_is_all_or_nothing(ledger):
    ledger.begin_batch("t1", "k1", {"quote:Q-1": "Q-1"})
    broken = DraftRow("quote:Q-2", "Q-2", None, "INV-2")  # type: ignore[arg-type]  # NOT NULL fails
    with pytest.raises(sqlite3.IntegrityError):
        ledger.close_batch("t1", "k1", [DraftRow("quote:Q-1", "Q-1", "ID-1", "INV-1"), broken])
    assert ledger.drafted("t1") == {}
    assert [b.batch_key for b in ledger.pending_batches("t1")] == ["k1"]


def test_the_same_batch_sent_again_is_one_pending_row(ledger):
    ledger.begin_batch("t1", "k1", {"quote:Q-1": "Q-1"})
    ledger.close_batch("t1", "k1", [])
    ledger.begin_batch("t1", "k1", {"quote:Q-1": "Q-1"})
    assert len(ledger.pending_batches("t1")) == 1


def test_tenants_do_not_see_each_others_rows(ledger):
    ledger.begin_batch("t1", "k1", {"quote:Q-1": "Q-1"})
    ledger.close_batch("t1", "k1", [DraftRow("quote:Q-1", "Q-1", "ID-1", "INV-1")])
    ledger.begin_batch("t2", "k2", {"quote:Q-1": "Q-1"})
    assert ledger.drafted("t2") == {} and ledger.pending_batches("t1") == []
    assert ledger.drafted("t1", ["quote:Q-9"]) == {}


def test_rows_and_defaults_survive_reopening(ledger):
    ledger.save_tenant_defaults("t1", "200", "OUTPUT2")
    ledger.begin_batch("t1", "k1", {"order:7": "7"})
    ledger.close()
    with Ledger() as again:
        assert again.tenant_defaults("t1") == ("200", "OUTPUT2")
        assert again.tenant_defaults("t2") is None
        assert [b.references for b in again.pending_batches("t1")] == [{"order:7": "7"}]


def test_the_tracking_chosen_per_organisation_survives_reopening_and_can_be_cleared(ledger):
    assert ledger.tenant_tracking("t1") == {}
    ledger.save_tenant_tracking("t1", {"Region": "North", "Department": "Sales"})
    ledger.save_tenant_tracking("t2", {"Region": "South"})
    ledger.close()
    with Ledger() as again:
        assert again.tenant_tracking("t1") == {"Region": "North", "Department": "Sales"}
        again.save_tenant_tracking("t2", {})  # (none) chosen for every category
        assert again.tenant_tracking("t2") == {}


def test_history_notes_are_on_until_a_run_for_the_organisation_left_them_out(ledger):
    assert ledger.tenant_history_notes("t1") is True
    ledger.save_tenant_history_notes("t1", False)
    ledger.close()
    with Ledger() as again:
        assert again.tenant_history_notes("t1") is False and again.tenant_history_notes("t2") is True
        again.save_tenant_history_notes("t1", True)
        assert again.tenant_history_notes("t1") is True


def test_a_batch_keeps_its_request_and_when_it_was_first_sent(ledger):
    ledger.begin_batch("t1", "k1", {"quote:Q-1": "Q-1"}, '{"Invoices": []}', "k1", now=1000.0)
    [pending] = ledger.pending_batches("t1")
    request = (pending.request_body, pending.idempotency_key, pending.sent_at)
    assert request == ('{"Invoices": []}', "k1", 1000.0)
    # Sent again soon after (same request): Xero's memory of the key dates from the first send.
    ledger.begin_batch(
        "t1", "k1", {"quote:Q-1": "Q-1"}, '{"Invoices": []}', "k1", now=1100.0, keep_first_sent_within=360
    )
    assert ledger.pending_batches("t1")[0].sent_at == 1000.0
    # Much later it is a new first send.
    ledger.begin_batch(
        "t1", "k1", {"quote:Q-1": "Q-1"}, '{"Invoices": []}', "k1", now=9000.0, keep_first_sent_within=360
    )
    assert ledger.pending_batches("t1")[0].sent_at == 9000.0
    ledger.begin_batch("t1", "k2", {"quote:Q-2": "Q-2"})  # no request known: looked up, never resent
    assert ledger.pending_batches("t1")[1].request_body is None


def test_a_ledger_of_the_first_version_is_migrated_in_place(tmp_path):
    path = tmp_path / "old.sqlite"
    with sqlite3.connect(path) as db:
        db.execute(
            "CREATE TABLE batches (tenant_id TEXT NOT NULL, batch_key TEXT NOT NULL, "
            "source_ids TEXT NOT NULL, state TEXT NOT NULL CHECK (state IN ('sending', 'done')), "
            "created_at REAL NOT NULL, PRIMARY KEY (tenant_id, batch_key))"
        )
        db.execute("""INSERT INTO batches VALUES ('t1', 'old', '{"quote:Q-1": "Q-1"}', 'sending', 5.0)""")
    db.close()
    with Ledger(path) as opened:
        [pending] = opened.pending_batches("t1")
        assert pending.references == {"q-1": "Q-1"} and pending.request_body is None  # keyed by identity now
        opened.begin_batch("t1", "new", {"quote:Q-2": "Q-2"}, "{}", "new", now=7.0)
        assert opened.pending_batches("t1")[1].sent_at == 7.0
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == 3
    db.close()
    with Ledger(path) as again:  # opening a migrated file changes nothing
        assert len(again.pending_batches("t1")) == 2
