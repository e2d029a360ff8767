"""The rotating log file: private (0600 in a 0700 folder), redacted like stderr, bounded by rotation."""

from __future__ import annotations

import logging
import stat
import sys
from pathlib import Path

import pytest

from app import logging_setup
from app.logging_setup import LOG_FILE, configure_logging, file_handler, log_dir

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")

SECRET = "s3cr3t-Value-0123456789abcdef"


@pytest.fixture
def logs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    path = tmp_path / "logs"
    monkeypatch.setenv("XERO_CONNECT_LOG_DIR", str(path))
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    yield path
    for handler in root.handlers:
        handler.close()
    root.handlers[:], root.level = saved[0], saved[1]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_log_dir_follows_xdg_state_home(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("XERO_CONNECT_LOG_DIR", raising=False)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    if sys.platform.startswith("linux"):
        assert log_dir() == tmp_path / "state" / "xero-connect" / "logs"
        monkeypatch.delenv("XDG_STATE_HOME")
        monkeypatch.setenv("HOME", str(tmp_path))
        assert log_dir() == tmp_path / ".local" / "state" / "xero-connect" / "logs"


def test_a_secret_logged_at_debug_never_reaches_the_file(logs: Path) -> None:
    configure_logging(verbose=True)
    log = logging.getLogger("app.test")
    log.debug("token exchange: client_secret=%s refresh_token=%s", SECRET, SECRET)
    log.debug("header Authorization: Bearer %s", SECRET)
    try:
        raise ValueError(f"code={SECRET}")
    except ValueError:
        log.exception("failed")
    log.info("still here")
    for handler in logging.getLogger().handlers:
        handler.flush()
    text = (logs / LOG_FILE).read_text(encoding="utf-8")
    assert "token exchange" in text and "still here" in text and "[redacted]" in text
    assert SECRET not in text


def test_the_file_is_0600_and_its_folder_0700(logs: Path) -> None:
    configure_logging()
    logging.getLogger("app.test").warning("hello")
    assert mode(logs) == 0o700
    assert mode(logs / LOG_FILE) == 0o600


def test_an_existing_looser_file_is_tightened(logs: Path) -> None:
    logs.mkdir(mode=0o755)
    (logs / LOG_FILE).write_text("old\n")
    (logs / LOG_FILE).chmod(0o644)
    configure_logging()
    assert mode(logs) == 0o700 and mode(logs / LOG_FILE) == 0o600


def test_without_verbose_the_file_keeps_info_but_not_debug(logs: Path) -> None:
    configure_logging(verbose=False)
    log = logging.getLogger("app.test")
    log.debug("a debug line")
    log.info("an info line")
    text = (logs / LOG_FILE).read_text(encoding="utf-8")
    assert "an info line" in text and "a debug line" not in text


def test_rotation_keeps_five_private_backups(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(logging_setup, "MAX_BYTES", 2_000)
    handler = file_handler(tmp_path / "rot")
    handler.setLevel(logging.DEBUG)
    log = logging.getLogger("app.rotation-test")
    log.propagate = False
    log.setLevel(logging.DEBUG)
    log.addHandler(handler)
    try:
        for n in range(400):
            log.info("line %04d %s", n, "x" * 60)
    finally:
        log.removeHandler(handler)
        handler.close()
    names = sorted(p.name for p in (tmp_path / "rot").iterdir())
    assert names == [LOG_FILE] + [f"{LOG_FILE}.{n}" for n in range(1, 6)]
    for path in (tmp_path / "rot").iterdir():
        assert path.stat().st_size <= 2_100
        assert mode(path) == 0o600
    assert "line 0399" in (tmp_path / "rot" / LOG_FILE).read_text()


def test_an_unwritable_log_folder_does_not_stop_the_program(tmp_path: Path, monkeypatch, capsys, logs):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("XERO_CONNECT_LOG_DIR", str(blocker / "logs"))
    configure_logging()
    assert "no log file" in capsys.readouterr().err
    assert all(not isinstance(h, logging.FileHandler) for h in logging.getLogger().handlers)
