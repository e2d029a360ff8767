"""Local files and arguments that are wrong: each is a sentence naming what is wrong (and the file),
refused before anything is saved; nothing is lost."""

from __future__ import annotations

import errno
import io
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from app.cli import main
from app.secrets import SecretStore
from app.settings import settings_path

NOT_SETTINGS = [
    "[]",
    "null",
    '"x"',
    "5",
    "true",
    '{"redirect_ports": "abc"}',
    '{"redirect_ports": [99999]}',
    '{"redirect_ports": []}',
    '{"redirect_ports": [53682, "x"]}',
    '{"client_id": 5}',
    '{"needs_reauthorisation": "yes"}',
    '{"scopes": [1]}',
]


def write_settings(profile: str, text: str):
    path = settings_path(profile)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("text", NOT_SETTINGS)
@pytest.mark.parametrize("command", ["status", "check", "disconnect"])
def test_settings_that_are_json_but_not_settings_are_a_sentence_naming_the_file(capsys, command, text):
    path = write_settings("sandbox", text)
    assert main([command, "--sandbox"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"Error: The settings file {path} cannot be used (") and "\n" not in err, err
    assert err.endswith("fix or delete it and run the setup again.")
    assert path.read_text(encoding="utf-8") == text  # left as it was for the user to fix


@pytest.mark.parametrize("text", ["[]", "null", '{"redirect_ports": [80]}'])
@pytest.mark.parametrize("profile", ["sandbox", "xero"])
@pytest.mark.parametrize("wizard_only", [True, False], ids=["wizard", "tray"])
def test_the_wizard_and_the_tray_say_the_same_sentence_instead_of_a_traceback(
    qapp, monkeypatch, text, profile, wizard_only
):
    from PySide6.QtWidgets import QMessageBox

    from app.ui import main as gui

    path = write_settings(profile, text)
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "critical", lambda _parent, _title, message: shown.append(message))
    monkeypatch.setattr(signal, "signal", lambda *a: None)  # leave pytest's SIGINT handler alone
    quit_on_last = qapp.quitOnLastWindowClosed()
    from PySide6.QtCore import QTimer

    QTimer.singleShot(5000, qapp.quit)  # a window that opened instead of the sentence must not hang the run
    try:
        assert gui.run_gui(profile, None, wizard_only=wizard_only) == 1
    finally:
        qapp.setQuitOnLastWindowClosed(quit_on_last)
    assert len(shown) == 1 and shown[0].startswith(f"The settings file {path} cannot be used ("), shown
    assert path.read_text(encoding="utf-8") == text


@pytest.mark.usefixtures("real_keyring")
@pytest.mark.parametrize("ports", ["99999", "-5", "0", "80", "53682,70000", "abc", "5368 2", ",", ""])
def test_bad_ports_are_refused_before_the_secret_or_any_setting_is_saved(capsys, monkeypatch, ports):
    client_id = "B" * 32
    monkeypatch.setattr(sys, "stdin", io.StringIO("a-client-secret-that-must-not-be-saved\n"))
    code = main(["connect", "--sandbox", "--client-id", client_id, "--no-browser", "--ports", ports])
    err = capsys.readouterr().err.strip()
    assert code == 1 and err.startswith("Error: --ports takes port numbers from 1024 to 65535"), err
    assert err.endswith("nothing was saved.") and "\n" not in err
    assert SecretStore("sandbox", client_id).client_secret() is None
    assert not settings_path("sandbox").exists()


def test_good_ports_still_load_and_duplicates_are_dropped():
    from app.settings import parse_ports

    assert parse_ports(" 53682, 53683 ,53682") == [53682, 53683]
    path = write_settings("sandbox", json.dumps({"redirect_ports": [50001, 50002], "from_the_future": [1]}))
    from app.settings import load_settings

    assert load_settings("sandbox").redirect_ports == [50001, 50002] and path.exists()


# ----- messages that must send the user the right way -----
ROOT = Path(__file__).resolve().parents[2]
LIMITED = """
import resource, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG instead
resource.setrlimit(resource.RLIMIT_FSIZE, (int(sys.argv[1]), resource.RLIM_INFINITY))
exec(sys.argv[2])
"""


def run_limited(limit: int, code: str, env: dict) -> subprocess.CompletedProcess:
    """``code`` in a fresh interpreter whose writes fail beyond ``limit`` bytes per file: a real
    failing write (EFBIG), as a full disk gives ENOSPC."""
    return subprocess.run(
        [sys.executable, "-c", LIMITED, str(limit), code],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env={**os.environ, **env},
    )


def test_a_log_file_that_cannot_be_written_is_said_once_and_then_nothing_is_logged(tmp_path):
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "xero-connect.log").write_text("x" * 4096)
    code = (
        "import logging; from app.logging_setup import configure_logging; configure_logging()\n"
        "for n in range(200): logging.getLogger('app.test').info('line %d', n)\n"
        "logging.getLogger('app.test').warning('still on the terminal')\nprint('finished')"
    )
    done = run_limited(4096, code, {"XERO_CONNECT_LOG_DIR": str(logs)})
    assert done.returncode == 0 and done.stdout.strip() == "finished", done.stderr[-800:]
    warnings = [line for line in done.stderr.splitlines() if line.startswith("Warning:")]
    log_file = logs / "xero-connect.log"
    assert warnings == [
        f"Warning: the log file {log_file} cannot be written (File too large); "
        "Xero Connect keeps no log from now on (warnings still reach the terminal)."
    ]
    assert "Traceback" not in done.stderr and "Logging error" not in done.stderr
    assert "still on the terminal" in done.stderr
    assert (logs / "xero-connect.log").read_text() == "x" * 4096  # nothing half-written


def test_no_log_folder_names_the_folder(tmp_path, capsys):
    from app.logging_setup import configure_logging

    blocker = tmp_path / "a-file"
    blocker.write_text("")
    os.environ["XERO_CONNECT_LOG_DIR"] = str(blocker / "logs")
    try:
        configure_logging()
    finally:
        del os.environ["XERO_CONNECT_LOG_DIR"]
    assert capsys.readouterr().err.strip() == (
        f"Warning: no log file in {blocker / 'logs'} (Not a directory); logging to the terminal only."
    )


def test_settings_that_cannot_be_written_name_the_file_and_keep_the_previous_one(tmp_path):
    config = tmp_path / "cfg"
    env = {"XERO_CONNECT_CONFIG_DIR": str(config)}
    code = (
        "from app.settings import Settings, save_settings\n"
        "save_settings(Settings(profile='sandbox', client_id='OLD'))"
    )
    assert run_limited(1 << 20, code, env).returncode == 0
    before = (config / "sandbox.json").read_text()
    code = (
        "from app.cli import main\nimport sys\n"
        "sys.exit(main(['connect', '--sandbox', '--client-id', 'A' * 32, '--app-type', 'pkce']))"
    )
    done = run_limited(10, code, env)
    assert done.returncode == 1
    err = done.stderr.strip().splitlines()[-1]
    path = config / "sandbox.json"
    assert err == (
        f"Error: Xero Connect could not save its settings to {path} (File too large); it reached "
        "the file size limit set here (ulimit -f); raise that limit, then try again."
    ), err
    assert (config / "sandbox.json").read_text() == before
    assert [p.name for p in config.iterdir()] == ["sandbox.json"]  # no temporary file left behind


@pytest.mark.parametrize(
    ("code", "reason", "hint"),
    [
        (errno.EROFS, "Read-only file system", "that disk is read-only"),
        (errno.ENOSPC, "No space left on device", "free some space on that disk"),
    ],
)
def test_a_read_only_or_full_disk_sentence_names_the_path(code, reason, hint):
    from app.errors import file_problem

    problem = file_problem(
        "Xero Connect could not save its settings to", "/x/sandbox.json", OSError(code, os.strerror(code))
    )
    expected = f"Xero Connect could not save its settings to /x/sandbox.json ({reason}); {hint}"
    assert str(problem).startswith(expected)
    assert isinstance(problem, OSError)


KEYRING_STATES = {
    # a login keyring never unlocked in this session (so not even created): its prompt cannot show here
    "never unlocked": "gnome-keyring-daemon --start --components=secrets >/dev/null",
    "locked": "printf pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null && "
    '"$PY" -c \'import keyring, secretstorage; keyring.set_password("x", "y", "z"); '
    "secretstorage.get_default_collection(secretstorage.dbus_init()).lock()'",
}


@pytest.mark.skipif(
    not shutil.which("gnome-keyring-daemon") or not shutil.which("dbus-run-session"),
    reason="needs gnome-keyring and dbus (./test.sh installs them)",
)
@pytest.mark.parametrize("state", list(KEYRING_STATES))
def test_a_locked_keyring_is_called_locked_never_missing(tmp_path, state):
    config = tmp_path / "cfg"
    config.mkdir()
    (config / "sandbox.json").write_text(json.dumps({"client_id": "C" * 32}))
    script = f'{KEYRING_STATES[state]} && "$PY" -m app status --sandbox'
    done = subprocess.run(
        ["dbus-run-session", "--", "bash", "-c", script],
        capture_output=True,
        text=True,
        timeout=90,
        cwd=ROOT,
        env={
            **os.environ,
            "PY": sys.executable,
            "XDG_DATA_HOME": str(tmp_path / "data"),
            "XERO_CONNECT_CONFIG_DIR": str(config),
        },
    )
    problem = [line for line in done.stdout.splitlines() if line.startswith("Keyring problem:")]
    assert len(problem) == 1, done.stdout + done.stderr[-800:]
    assert "locked" in problem[0] and "install" not in problem[0], problem[0]


@pytest.mark.usefixtures("real_keyring")
@pytest.mark.parametrize("count", [1, 2, 3])
def test_busy_ports_are_one_sentence_with_the_right_number(sandbox, sandbox_app, count):
    from app.errors import PortsBusy
    from app.model import ConnectionModel
    from app.xero.loopback import LoopbackListener
    from tests.helpers.sandbox import free_ports

    ports = free_ports(count)
    holders = []
    for port in ports:
        holder = socket.socket()
        holder.bind(("127.0.0.1", port))
        holder.listen(1)
        holders.append(holder)
    try:
        model = ConnectionModel("sandbox")
        model.settings.sandbox_url = sandbox.base_url
        model.settings.redirect_ports = ports
        model.save_credentials(sandbox_app.client_id, sandbox_app.client_secret)
        with pytest.raises(PortsBusy) as from_model:
            model.begin_authorization()
        with pytest.raises(PortsBusy) as from_listener:
            LoopbackListener(ports, "state", lambda url: url).start()
    finally:
        for holder in holders:
            holder.close()
        SecretStore("sandbox", sandbox_app.client_id).delete_all()
    assert str(from_model.value) == str(from_listener.value)
    names = ", ".join(map(str, ports[:-1])) + f" and {ports[-1]}"
    first = {
        1: f"Port {ports[0]} is in use by another program;",
        2: f"Ports {names} are both in use",
        3: f"Ports {names} are all in use",
    }[count]
    assert str(from_model.value).startswith(first), str(from_model.value)
