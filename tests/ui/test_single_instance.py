"""One tray per user, config folder and profile: real local sockets in a private folder, real QLocalServer."""

from __future__ import annotations

import os
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from app.instance_socket import InstanceFolderNotPrivate, instance_address, instance_folder
from app.settings import config_dir
from app.ui import main, single_instance
from app.ui.single_instance import ANSWER, WIZARD, claim, hand_over

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="Unix sockets and folder modes")
as_root_only = pytest.mark.skipif(
    not hasattr(os, "getuid") or os.getuid() != 0,
    reason="making a folder or a process of another user needs root",
)
NOBODY = 65534


@pytest.fixture(autouse=True)
def runtime_dir(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A private $XDG_RUNTIME_DIR per test; short, as socket paths must be (about 100 bytes)."""
    folder = Path(tempfile.mkdtemp(prefix="xc-run-"))  # 0700, ours
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(folder))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def address(tmp_path: Path) -> str:
    return instance_address(tmp_path / f"config-{uuid.uuid4().hex[:6]}", "sandbox")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


class Squatter:
    """A Unix socket server that is not a Xero Connect tray: it reads what comes and answers ``reply``."""

    def __init__(self, path: str, reply: bytes) -> None:
        self.reply = reply
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(path)
        self.sock.listen(4)
        self.seen: list[bytes] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.sock.accept()
            except OSError:
                return
            with connection:
                connection.settimeout(2)
                try:
                    self.seen.append(connection.recv(100))
                    if self.reply:
                        connection.sendall(self.reply)
                    connection.recv(100)  # hold the line until the caller lets go
                except OSError:
                    pass

    def close(self) -> None:
        self.sock.close()


# ----- where the socket lives -----
def test_addresses_differ_by_folder_and_profile_and_repeat_for_the_same(tmp_path: Path) -> None:
    same = instance_address(tmp_path, "sandbox")
    assert same == instance_address(tmp_path, "sandbox")
    assert same != instance_address(tmp_path, "xero")
    assert same != instance_address(tmp_path / "other", "sandbox")


@posix_only
def test_the_socket_lives_in_a_private_folder_of_the_runtime_dir(runtime_dir: Path, address: str) -> None:
    folder = Path(address).parent
    assert folder == runtime_dir / "xero-connect"
    assert mode(folder) == 0o700 and folder.stat().st_uid == os.getuid()
    assert not address.startswith("/tmp/xero-connect-")  # never a predictable name in the shared /tmp


@posix_only
@pytest.mark.parametrize("runtime", ["missing", "shared"])
def test_without_a_private_runtime_dir_the_cache_folder_is_used(tmp_path: Path, monkeypatch, runtime) -> None:
    cache = Path(tempfile.mkdtemp(prefix="xc-cache-"))
    try:
        monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
        if runtime == "missing":
            monkeypatch.delenv("XDG_RUNTIME_DIR")
        else:  # a runtime dir others may write into is no better than /tmp
            shared = tmp_path / "shared"
            shared.mkdir(mode=0o777)
            shared.chmod(0o777)
            monkeypatch.setenv("XDG_RUNTIME_DIR", str(shared))
        assert instance_folder() == cache / "xero-connect"
        assert mode(cache / "xero-connect") == 0o700
    finally:
        shutil.rmtree(cache, ignore_errors=True)


@posix_only
def test_a_folder_of_ours_with_a_loose_mode_is_tightened(runtime_dir: Path, tmp_path: Path) -> None:
    loose = runtime_dir / "xero-connect"
    loose.mkdir(mode=0o755)
    loose.chmod(0o777)
    instance_address(tmp_path, "sandbox")
    assert mode(loose) == 0o700


@posix_only
def test_a_link_in_place_of_the_folder_is_refused(runtime_dir: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(mode=0o755)
    (runtime_dir / "xero-connect").symlink_to(elsewhere)
    with pytest.raises(InstanceFolderNotPrivate, match="not a folder of your own"):
        instance_address(tmp_path, "sandbox")
    assert mode(elsewhere) == 0o755  # the link's target was not touched


@posix_only
@as_root_only
def test_a_folder_of_another_user_is_refused_and_the_tray_starts_anyway(runtime_dir: Path, capsys) -> None:
    theirs = runtime_dir / "xero-connect"
    theirs.mkdir(mode=0o700)
    os.chown(theirs, NOBODY, NOBODY)
    with pytest.raises(InstanceFolderNotPrivate):
        instance_folder()
    handed_over, server = main._claim_or_hand_over("sandbox", wizard_only=False)
    assert (handed_over, server) == (False, None)  # runs on its own rather than exiting
    assert "not a folder of your own" in capsys.readouterr().err
    assert theirs.stat().st_uid == NOBODY and mode(theirs) == 0o700


# ----- handing over -----
def test_nobody_listening_is_no_hand_over(address: str) -> None:
    assert hand_over(address) is False


def test_a_second_start_hands_over_and_the_first_is_asked_to_show(qtbot, address: str) -> None:
    first = claim(address)
    assert first is not None and first.server.isListening()
    try:
        with qtbot.waitSignal(first.show_requested, timeout=5_000):
            assert claim(address) is None  # the second start: handed over, nothing of its own
    finally:
        first.close()
    second = claim(address)  # the first has quit: the next start is the instance
    assert second is not None and second.server.isListening()
    second.close()


@posix_only
def test_a_socket_file_left_by_a_crash_is_taken_over(address: str) -> None:
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(address)  # the file exists, nobody accepts on it: what a killed instance leaves
    stale.close()
    assert Path(address).exists() and hand_over(address) is False
    server = claim(address)
    try:
        assert server is not None and server.server.isListening()
    finally:
        if server is not None:
            server.close()


@posix_only
@pytest.mark.parametrize("reply", [b"HTTP/1.1 200 OK\r\n\r\n", b""], ids=["answers-something-else", "silent"])
def test_a_squatting_server_of_another_kind_does_not_make_the_tray_exit(monkeypatch, capsys, reply) -> None:
    monkeypatch.setattr(single_instance, "ANSWER_TIMEOUT_MS", 300)  # the silent one is waited for
    address = instance_address(config_dir(), "sandbox")
    squatter = Squatter(address, reply)
    try:
        assert hand_over(address, WIZARD) is False
        handed_over, server = main._claim_or_hand_over("sandbox", wizard_only=False)
        assert handed_over is False and server is not None and server.server.isListening()
        server.close()
    finally:
        squatter.close()
    assert squatter.seen  # it was asked, and its answer did not count
    assert "already running" not in capsys.readouterr().out


@posix_only
@as_root_only
def test_a_tray_like_server_of_another_user_is_not_handed_over_to(address: str) -> None:
    """It even answers as a tray does; the uid the kernel reports for it (SO_PEERCRED) gives it away."""
    imitator = (
        "import os, socket, sys\n"
        "s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)\n"
        "s.bind(sys.argv[1])\n"
        f"os.setgid({NOBODY}); os.setuid({NOBODY})\n"  # listen() records the credentials a peer sees
        "s.listen(4)\n"
        "print('ready', flush=True)\n"
        "while True:\n"
        "    c, _ = s.accept()\n"
        "    c.recv(100)\n"
        f"    c.sendall({ANSWER!r})\n"
        "    c.close()\n"
    )
    child = subprocess.Popen([sys.executable, "-c", imitator, address], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "ready"
        assert hand_over(address) is False
        server = claim(address)
        assert server is not None and server.server.isListening()
        server.close()
    finally:
        child.kill()
        child.communicate(timeout=5)  # reaps it and closes its pipe


# ----- the two ways a later start asks -----
def test_starting_the_tray_twice_brings_the_first_forward(qtbot, qapp, capsys) -> None:
    running = claim(instance_address(config_dir(), "sandbox"))
    assert running is not None
    quit_on_last = QApplication.quitOnLastWindowClosed()
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
    running = claim(instance_address(config_dir(), "sandbox"))
    assert running is not None
    shown: list[str] = []
    running.show_requested.connect(lambda: shown.append("show"))
    quit_on_last = QApplication.quitOnLastWindowClosed()
    try:
        with qtbot.waitSignal(running.wizard_requested, timeout=5_000):
            code = main.run_gui("sandbox", None, wizard_only=True)  # no wizard of its own
    finally:
        running.close()
        qapp.setQuitOnLastWindowClosed(quit_on_last)
    assert code == 0 and shown == []
    assert "already running (sandbox profile); it opened its setup wizard" in capsys.readouterr().out
    assert not [w for w in QApplication.topLevelWidgets() if w.isVisible()]


def test_a_wizard_request_is_told_apart_from_a_show_request(qtbot, address: str) -> None:
    server = claim(address)
    assert server is not None  # nobody else listens at a fresh address
    try:
        with qtbot.waitSignal(server.wizard_requested, timeout=5_000):
            assert hand_over(address, WIZARD)
    finally:
        server.close()
