"""The command line end to end: connect → tenant → check → status → disconnect, as a user runs it.

The CLI runs as a real subprocess against the sandbox over loopback, with the real keyring; the test
plays the browser by following the printed authorize URL.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers.flows import connect_in_terminal
from tests.helpers.sandbox import follow_consent, set_auto_consent

pytestmark = pytest.mark.usefixtures("real_keyring")


def run_cli(*args: str, stdin: str = "", timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=os.environ.copy(),
    )


def connect(sandbox, app, ports, *extra: str, consent=follow_consent) -> tuple[int, str, str]:
    return connect_in_terminal(
        [sys.executable, "-m", "app"], sandbox, app, ports, *extra, consent=consent, env=os.environ.copy()
    )


def test_connect_then_check_prints_the_organisation(sandbox, sandbox_app, callback_ports, config_dir):
    set_auto_consent(sandbox.base_url)
    code, out, err = connect(sandbox, sandbox_app, callback_ports)
    assert code == 0, out + err
    assert "Organisation: Demo Company (UK)" in out
    assert sandbox_app.client_secret not in out + err

    check = run_cli("check", "--sandbox", sandbox.base_url)
    assert check.returncode == 0, check.stderr
    assert check.stdout.splitlines()[0] == "Connection attempt successful: Demo Company (UK)"
    assert "calls left today" in check.stdout and "more days" in check.stdout

    status = run_cli("status", "--sandbox", sandbox.base_url)
    assert status.returncode == 0
    assert "Demo Company (UK)" in status.stdout and sandbox_app.client_id in status.stdout
    assert sandbox_app.client_secret not in status.stdout

    # Nothing secret in any file the program wrote.
    for path in Path(config_dir).rglob("*"):
        if path.is_file():
            assert sandbox_app.client_secret not in path.read_text(errors="ignore")

    refused = run_cli("disconnect", "--sandbox", sandbox.base_url)
    assert refused.returncode != 0 and "Nothing was changed" in refused.stdout

    gone = run_cli("disconnect", "--sandbox", sandbox.base_url, "--yes")
    assert gone.returncode == 0, gone.stderr
    assert "Revoked" in gone.stdout
    after = run_cli("check", "--sandbox", sandbox.base_url)
    assert after.returncode != 0 and "not set up" in after.stderr


def test_several_organisations_without_a_choice_save_nothing(sandbox, sandbox_app, callback_ports):
    tenants = sandbox.control("GET", "tenants")
    set_auto_consent(sandbox.base_url, tenant_ids=[t["tenant_id"] for t in tenants])
    code, _out, err = connect(sandbox, sandbox_app, callback_ports)
    assert code != 0
    assert "choose one with --tenant" in err and "Nothing was saved" in err
    check = run_cli("check", "--sandbox", sandbox.base_url)
    assert check.returncode != 0 and "No Xero organisation is chosen" in check.stderr

    code, _out, err = connect(sandbox, sandbox_app, callback_ports, "--tenant", "Demo Company (NZ)")
    assert code == 0, err
    check = run_cli("check", "--sandbox", sandbox.base_url)
    assert "Connection attempt successful: Demo Company (NZ)" in check.stdout


def test_wrong_secret_is_one_sentence(sandbox, sandbox_app, callback_ports):
    set_auto_consent(sandbox.base_url)
    wrong = sandbox_app.client_secret[:-4] + "abcd"
    app = type(sandbox_app)(sandbox_app.client_id, wrong, sandbox_app.redirect_uris, sandbox.base_url)
    code, out, err = connect(sandbox, app, callback_ports)
    assert code == 1
    assert "this client secret is wrong" in err  # found before the browser: no consent page printed
    assert "/identity/connect/authorize" not in out
    assert wrong not in err + out and "Traceback" not in err
    check = run_cli("check", "--sandbox", sandbox.base_url)
    assert check.returncode != 0 and "not set up" in check.stderr  # the wrong secret was not saved


def test_check_without_setup_and_with_the_sandbox_down(sandbox, config_dir):
    result = run_cli("check", "--sandbox", sandbox.base_url)
    assert result.returncode == 1 and "not set up yet" in result.stderr


def test_gui_without_a_display_says_so_in_one_line():
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    result = subprocess.run(
        [sys.executable, "-m", "app"], capture_output=True, text=True, env=env, timeout=30
    )
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "No display found" in result.stderr and "xero-connect check" in result.stderr
