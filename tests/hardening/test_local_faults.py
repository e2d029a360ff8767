"""Local files and arguments that are wrong: each is a sentence naming what is wrong (and the file),
refused before anything is saved; nothing is lost."""

from __future__ import annotations

import io
import json
import signal
import sys

import pytest

from app.cli import main
from app.secrets import SecretStore
from app.settings import settings_path

NOT_SETTINGS = ["[]", "null", '"x"', "5", "true", '{"redirect_ports": "abc"}', '{"redirect_ports": [99999]}',
                '{"redirect_ports": []}', '{"redirect_ports": [53682, "x"]}', '{"client_id": 5}',
                '{"needs_reauthorisation": "yes"}', '{"scopes": [1]}']


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
