"""The drafting ledger locked, damaged or full: a sentence naming the file, never a traceback, and
nothing sent or lost. Real SQLite files."""

from __future__ import annotations

import sqlite3

import pytest

from app.cli import main
from app.invoicing.ledger import LEDGER_NAME, DraftRow, Ledger, LedgerUnavailable
from app.settings import data_dir
from tests.helpers.drafting import puts

pytestmark = pytest.mark.usefixtures("real_keyring")


def test_a_ledger_locked_by_another_program_past_the_timeout_is_a_sentence(tmp_path):
    path = tmp_path / LEDGER_NAME
    ledger = Ledger(path, busy_timeout_ms=100)
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")  # another program holds a write transaction
    try:
        with pytest.raises(LedgerUnavailable) as caught:
            ledger.begin_batch("t", "k", {"q-1": "Q-1"})
        assert str(path) in str(caught.value)
        assert "locked by another program for more than 0.1 seconds" in str(caught.value)
    finally:
        other.execute("ROLLBACK")
        other.close()
    ledger.begin_batch("t", "k", {"q-1": "Q-1"})  # free again: works, nothing lost
    assert [b.batch_key for b in ledger.pending_batches("t")] == ["k"]


def test_a_damaged_ledger_says_to_move_it_aside(tmp_path):
    path = tmp_path / LEDGER_NAME
    path.write_bytes(b"this is not an SQLite database" * 100)
    with pytest.raises(LedgerUnavailable) as caught:
        Ledger(path)
    assert f"The drafting ledger {path} is damaged" in str(caught.value)
    assert "Move it aside" in str(caught.value)


def test_a_full_disk_under_the_ledger_is_a_sentence_and_keeps_what_was_recorded(tmp_path):
    path = tmp_path / LEDGER_NAME
    with Ledger(path) as ledger:
        ledger.record("t", [DraftRow("q-0", "Q-0", "ID-0", "INV-0")])
        (pages,) = ledger._db.execute("PRAGMA page_count").fetchone()
        ledger._db.execute(f"PRAGMA max_page_count = {pages}")  # SQLite's own "disk full"
        with pytest.raises(LedgerUnavailable) as caught:
            ledger.record("t", [DraftRow(f"q-{n}", f"Q-{n}", f"ID-{n}", "x" * 2000) for n in range(1, 200)])
        assert "no space left for the drafting ledger" in str(caught.value) and str(path) in str(caught.value)
    with Ledger(path) as again:
        assert set(again.drafted("t")) == {"q-0"}  # the failed transaction left nothing half-written


def test_draft_with_a_damaged_ledger_prints_the_sentence_and_sends_nothing(
    sandbox, connected, capsys, tmp_path
):
    data_dir().mkdir(parents=True, exist_ok=True)
    (data_dir() / LEDGER_NAME).write_bytes(b"\x00garbage" * 512)
    export = tmp_path / "crm.csv"
    export.write_text("Quote Number,Customer,Description,Quantity,Unit Price\nQ-1,Acme Ltd,Widget,1,10\n")
    code = main(["draft", str(export), "--sandbox", sandbox.base_url])
    err = capsys.readouterr().err
    assert code != 0 and "is damaged" in err and "Traceback" not in err
    assert puts(sandbox) == 0
