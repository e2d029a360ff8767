"""One tray per user, config folder and profile: real local sockets, real QLocalServer."""

from __future__ import annotations

import socket
import sys
import uuid
from pathlib import Path

import pytest
from PySide6.QtNetwork import QLocalServer
from PySide6.QtWidgets import QApplication

from app.settings import config_dir
from app.ui import main
from app.ui.single_instance import WIZARD, claim, hand_over, instance_name


@pytest.fixture
def name() -> str:
    return f"xero-connect-test-{uuid.uuid4().hex[:12]}"


def test_names_differ_by_folder_and_profile_and_repeat_for_the_same(tmp_path: Path) -> None:
    same = instance_name(tmp_path, "sandbox")
    assert same == instance_name(tmp_path, "sandbox") and same.startswith("xero-connect-")
    assert same != instance_name(tmp_path, "xero")
    assert same != instance_name(tmp_path / "other", "sandbox")


def test_nobody_listening_is_no_hand_over(name: str) -> None:
    assert hand_over(name) is False


def test_a_second_start_hands_over_and_the_first_is_asked_to_show(qtbot, name: str) -> None:
    first = claim(name)
    assert first is not None and first.server.isListening()
    try:
        with qtbot.waitSignal(first.show_requested, timeout=5_000):
            assert claim(name) is None  # the second start: handed over, nothing of its own
    finally:
        first.close()
    second = claim(name)  # the first has quit: the next start is the instance
    assert second is not None and second.server.isListening()
    second.close()


@pytest.mark.skipif(sys.platform == "win32", reason="named pipes leave no file behind")
def test_a_socket_file_left_by_a_crash_is_taken_over(name: str) -> None:
    probe = QLocalServer()
    assert probe.listen(name)
    path = probe.fullServerName()
    probe.close()
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(path)  # the file exists, nobody accepts on it: what a killed instance leaves
    stale.close()
    assert Path(path).exists() and hand_over(name) is False
    server = claim(name)
    try:
        assert server is not None and server.server.isListening()
    finally:
        if server is not None:
            server.close()


def test_starting_the_tray_twice_brings_the_first_forward(qtbot, qapp, capsys) -> None:
    running = claim(instance_name(config_dir(), "sandbox"))
    assert running is not None
    quit_on_last = QApplication.instance().quitOnLastWindowClosed()
    try:
        with qtbot.waitSignal(running.show_requested, timeout=5_000):
            code = main.run_gui("sandbox", None, wizard_only=False)  # returns at once: no tray, no loop
    finally:
        running.close()
        qapp.setQuitOnLastWindowClosed(quit_on_last)
    assert code == 0
    assert "already running (sandbox profile)" in capsys.readouterr().out
    assert not [w for w in QApplication.topLevelWidgets() if w.isVisible()]


def test_the_wizard_command_asks_the_running_tray_to_open_its_wizard(qtbot, qapp, capsys) -> None:
    running = claim(instance_name(config_dir(), "sandbox"))
    assert running is not None
    shown: list[str] = []
    running.show_requested.connect(lambda: shown.append("show"))
    quit_on_last = QApplication.instance().quitOnLastWindowClosed()
    try:
        with qtbot.waitSignal(running.wizard_requested, timeout=5_000):
            code = main.run_gui("sandbox", None, wizard_only=True)  # no wizard of its own
    finally:
        running.close()
        qapp.setQuitOnLastWindowClosed(quit_on_last)
    assert code == 0 and shown == []
    assert "already running (sandbox profile); it opened its setup wizard" in capsys.readouterr().out
    assert not [w for w in QApplication.topLevelWidgets() if w.isVisible()]


def test_a_wizard_request_is_told_apart_from_a_show_request(qtbot, name: str) -> None:
    server = claim(name)
    try:
        with qtbot.waitSignal(server.wizard_requested, timeout=5_000):
            assert hand_over(name, WIZARD)
    finally:
        server.close()
