"""The whole CLI flow with --verbose, then every place a secret could leak is searched: stdout, stderr,
the log file, the settings files, the raw bytes of the SQLite ledger; and the wizard's visible text.
Files holding the user's data are created readable by the user only."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from app.secrets import SecretStore
from app.settings import data_dir
from tests.helpers.flows import authorize, connect_in_terminal, new_model
from tests.helpers.sandbox import set_auto_consent

pytestmark = pytest.mark.usefixtures("real_keyring")
REPO = Path(__file__).resolve().parents[2]


class CodeCatcher:
    """follow_consent that also remembers the authorization code the browser carried."""

    def __init__(self) -> None:
        self.codes: list[str] = []

    def __call__(self, url: str) -> None:
        from urllib.parse import parse_qs, urlsplit

        answer = requests.get(url, allow_redirects=False, timeout=10)
        location = answer.headers["Location"]  # to localhost, as a browser delivers it
        self.codes += parse_qs(urlsplit(location).query).get("code", [])
        requests.get(location, timeout=30)


def cli(*args: str, stdin: str = "", env: dict) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app", "--verbose", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=REPO,
    )


def connect(sandbox, app, ports, env, catcher) -> tuple[str, str]:
    code, out, err = connect_in_terminal(
        [sys.executable, "-m", "app", "--verbose"], sandbox, app, ports, consent=catcher, env=env, cwd=REPO
    )
    assert code == 0, out + err
    return out, err


def tokens_now(app) -> list[str]:
    tokens = SecretStore("sandbox", app.client_id).token_set()
    return [] if tokens is None else [t for t in (tokens.access_token, tokens.refresh_token) if t]


def test_no_secret_in_any_output_log_settings_or_ledger(
    sandbox, sandbox_app, callback_ports, tmp_path, config_dir
):
    set_auto_consent(sandbox.base_url)
    log_dir = tmp_path / "logs"
    env = {**os.environ, "XERO_CONNECT_LOG_DIR": str(log_dir)}
    catcher = CodeCatcher()
    secrets: set[str] = {sandbox_app.client_secret}
    outputs: list[str] = []
    try:
        outputs += connect(sandbox, sandbox_app, callback_ports, env, catcher)
        secrets |= set(tokens_now(sandbox_app))
        check = cli("check", "--sandbox", sandbox.base_url, env=env)
        assert check.returncode == 0, check.stderr
        requests.post(f"{sandbox.base_url}/sandbox/clock", json={"advance_seconds": 1900}, timeout=5)
        quotes = tmp_path / "q.csv"
        quotes.write_text(
            "Quote Number,Customer,Description,Quantity,Unit Price\n"
            "L-1,Acme Ltd,Work,1,10\nL-2,Leak Test Ltd,Work,2,20\n",
            encoding="utf-8",
        )
        draft = cli("draft", str(quotes), "--sandbox", sandbox.base_url, env=env)  # refreshes first
        assert draft.returncode == 0, draft.stdout + draft.stderr
        secrets |= set(tokens_now(sandbox_app))
        refresh_token = tokens_now(sandbox_app)[1]
        requests.post(f"{sandbox.base_url}/sandbox/revoke", json={"refresh_token": refresh_token}, timeout=5)
        requests.post(f"{sandbox.base_url}/sandbox/clock", json={"advance_seconds": 1900}, timeout=5)
        failing = cli("check", "--sandbox", sandbox.base_url, env=env)
        assert failing.returncode != 0 and "authorise" in failing.stderr, failing.stderr
        gone = cli("disconnect", "--sandbox", sandbox.base_url, "--yes", env=env)
        for run in (check, draft, failing, gone):
            outputs += [run.stdout, run.stderr]
    finally:
        SecretStore("sandbox", sandbox_app.client_id).delete_all()
    assert catcher.codes, "the authorization code was not captured"
    secrets |= set(catcher.codes)
    assert len(secrets) >= 6 and all(len(s) >= 20 for s in secrets)
    assert any("DEBUG" in text or "INFO" in text for text in outputs), "--verbose logged nothing"

    places = {f"output {n}": text.encode() for n, text in enumerate(outputs)}
    for folder in (config_dir, data_dir(), log_dir):
        for path in Path(folder).rglob("*"):
            if path.is_file():
                places[str(path)] = path.read_bytes()  # raw bytes: SQLite pages, JSON, log lines
    assert any(name.endswith("ledger.sqlite") for name in places) and any(".log" in n for n in places)
    for name, blob in places.items():
        for secret in secrets:
            assert secret.encode() not in blob, f"a secret ({secret[:4]}…) leaked into {name}"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_settings_and_ledger_are_private_to_the_user(sandbox, sandbox_app, callback_ports, config_dir):
    from app.invoicing.ledger import Ledger
    from app.settings import active_profile_path, save_active_profile, settings_path

    old = os.umask(0o022)  # a typical desktop umask: files 0644 unless the program says otherwise
    try:
        model = new_model(sandbox, sandbox_app, callback_ports)
        save_active_profile("sandbox")
        with Ledger():
            pass
    finally:
        os.umask(old)
        SecretStore("sandbox", sandbox_app.client_id).delete_all()
    assert mode(settings_path(model.profile)) == 0o600
    assert mode(active_profile_path()) == 0o600
    assert mode(data_dir() / "ledger.sqlite") == 0o600
    assert mode(config_dir) == 0o700 and mode(data_dir()) == 0o700


def test_the_wizard_shows_no_secret_or_token_on_any_page(qtbot, sandbox, sandbox_app, callback_ports):
    from PySide6.QtCore import QThreadPool
    from PySide6.QtWidgets import QAbstractButton, QLabel, QLineEdit, QPlainTextEdit, QTextEdit

    from app.ui import steps
    from app.ui.wizard import SetupWizard

    set_auto_consent(sandbox.base_url)
    model = new_model(sandbox, sandbox_app, callback_ports)
    try:
        authorize(model)
        model.check_connection()
        secrets = {sandbox_app.client_secret, *tokens_now(sandbox_app)}
        seen: list[str] = []
        for step in steps.ALL_STEPS:
            wizard = SetupWizard(model, opener=lambda _url: None, start_id=step)
            qtbot.addWidget(wizard)
            wizard.show()
            qtbot.wait(300)
            QThreadPool.globalInstance().waitForDone(10_000)
            qtbot.wait(50)
            for widget in wizard.findChildren(QLabel) + wizard.findChildren(QAbstractButton):
                seen.append(widget.text())
            for field in wizard.findChildren(QLineEdit):
                if field.echoMode() == QLineEdit.EchoMode.Normal:
                    seen.append(field.text())
            for box in wizard.findChildren(QTextEdit) + wizard.findChildren(QPlainTextEdit):
                seen.append(box.toPlainText())
            seen.append(wizard.windowTitle())
            wizard.close()
        text = "\n".join(seen)
        assert "Demo Company (UK)" in text  # the pages really showed the connected model
        for secret in secrets:
            assert secret not in text
    finally:
        QThreadPool.globalInstance().waitForDone(10_000)
        SecretStore("sandbox", sandbox_app.client_id).delete_all()
