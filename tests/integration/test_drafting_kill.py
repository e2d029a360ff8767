"""A drafting process killed with SIGKILL while a batch is in flight, then run again: each invoice once.

The drafting runs as `python -m app draft FILE --sandbox URL` in a child process, so the kill is real:
no finally blocks, no atexit, a half-used ledger.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from app.secrets import SecretStore
from app.settings import data_dir
from tests.helpers.drafting import INVOICES_PATH, connect

pytestmark = pytest.mark.usefixtures("real_keyring")
REPO = Path(__file__).resolve().parents[2]
COUNT = 120
HEADER = "Quote Number,Customer,Description,Quantity,Unit Price\n"
NAMES = ["Acme Ltd", "Bayside Club", "Kill Test Customer"]


def write_quotes(path: Path) -> Path:
    rows = [f"K-{n:04d},{NAMES[n % 3]},Work {n},1,100.00\n" for n in range(COUNT)]
    path.write_text(HEADER + "".join(rows), encoding="utf-8")
    return path


def batch_states() -> list[str]:
    path = data_dir() / "ledger.sqlite"
    if not path.exists():
        return []
    try:
        with sqlite3.connect(path, timeout=1) as db:
            return [row[0] for row in db.execute("SELECT state FROM batches ORDER BY created_at")]
    except sqlite3.OperationalError:  # tables not created yet
        return []


def start(csv: Path, base_url: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "app", "draft", str(csv), "--sandbox", base_url],
        cwd=REPO,
        env=os.environ.copy(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def held(sandbox, tenant_id: str) -> Counter:
    invoices = sandbox.state.orgs[tenant_id]["invoices"]
    return Counter(i["Reference"] for i in invoices if str(i.get("Reference", "")).startswith("K-"))


@pytest.mark.parametrize(
    ("kill_when", "batches_done"),
    [(["sending"], 0), (["done", "sending"], 1)],
    ids=["first-batch-in-flight", "second-batch-in-flight"],
)
def test_killed_mid_batch_then_rerun_holds_each_invoice_once(
    sandbox, sandbox_app, callback_ports, kill_when, batches_done, tmp_path
):
    csv = write_quotes(tmp_path / "crm-quotes.csv")
    model = connect(sandbox, sandbox_app, callback_ports)
    tenant = model.settings.tenant_id
    # Recovery looks references up one per call on the sandbox (its `where` has no OR): allow the burst.
    sandbox.post("limits", {"per_minute": 1000})
    sandbox.post(
        "faults",
        {"kind": "delay", "delay_seconds": 1, "count": 3, "path": INVOICES_PATH, "method": "PUT"},
    )  # not the History notes
    try:
        child = start(csv, sandbox.base_url)
        deadline = time.monotonic() + 20
        # Kill once the batch is written "sending" and the sandbox holds the PUT (delayed 1 s).
        while batch_states() != kill_when or not any(sandbox.state.in_flight.values()):
            assert child.poll() is None, child.communicate()
            assert time.monotonic() < deadline, batch_states()
            time.sleep(0.01)
        child.send_signal(signal.SIGKILL)
        child.communicate()  # reaps it and closes its pipes
        while any(sandbox.state.in_flight.values()):  # the killed request still completes in "Xero"
            time.sleep(0.02)
        in_xero = held(sandbox, tenant)
        assert sum(in_xero.values()) == 50 * (batches_done + 1)  # more in Xero than the ledger knows

        sandbox.control("DELETE", "faults")
        rerun = start(csv, sandbox.base_url)
        out, err = rerun.communicate(timeout=60)
        assert rerun.returncode == 0, err
        assert "50 invoice(s) of an interrupted earlier run were found in Xero." in out
        skipped = 50 * batches_done  # the batch killed in flight is reported by the rerun, as drafted
        assert out.endswith(
            f"Drafted {COUNT - skipped}, skipped {skipped} already drafted, 0 invalid, 0 failed.\n"
        )
        assert held(sandbox, tenant) == Counter({f"K-{n:04d}": 1 for n in range(COUNT)})
        assert batch_states() and set(batch_states()) == {"done"}
    finally:
        SecretStore("sandbox", sandbox_app.client_id).delete_all()


def test_ctrl_c_finishes_the_batch_in_flight_then_stops(sandbox, sandbox_app, callback_ports, tmp_path):
    csv = write_quotes(tmp_path / "crm-quotes.csv")
    model = connect(sandbox, sandbox_app, callback_ports)
    sandbox.post(
        "faults",
        {"kind": "delay", "delay_seconds": 1, "count": 1, "path": INVOICES_PATH, "method": "PUT"},
    )
    # The child sleeps for real: its 50 History notes must not meet the minute limit and wait a minute.
    sandbox.post("limits", {"per_minute": 1000})
    try:
        child = start(csv, sandbox.base_url)
        deadline = time.monotonic() + 20
        while batch_states() != ["sending"] or not any(sandbox.state.in_flight.values()):
            assert child.poll() is None and time.monotonic() < deadline, child.communicate()
            time.sleep(0.01)
        child.send_signal(signal.SIGINT)
        out, err = child.communicate(timeout=30)
        assert child.returncode == 1, err
        assert "Cancelling after the batch in flight" in err
        assert "Cancelled: 70 not sent; run the same command again to continue." in out
        assert out.endswith("Drafted 50, skipped 0 already drafted, 0 invalid, 0 failed.\n")
        assert batch_states() == ["done"] and sum(held(sandbox, model.settings.tenant_id).values()) == 50
    finally:
        SecretStore("sandbox", sandbox_app.client_id).delete_all()
