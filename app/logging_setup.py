"""Logging with a redaction filter: tokens, codes and secrets never reach a log line."""

from __future__ import annotations

import contextlib
import logging
import logging.handlers
import os
import re
import sys
from pathlib import Path

from app.settings import user_base

_PATTERNS = [
    # key=value or "key": "value" forms of anything secret
    re.compile(
        r"(?i)((?:client_secret|refresh_token|access_token|id_token|code_verifier|code|token|secret|password)"
        r"[\"']?\s*[=:]\s*[\"']?)[^\s&\"',;}]+"
    ),
    re.compile(r"(?i)(authorization:\s*(?:bearer|basic)\s+)[^\s\"',]+"),
    re.compile(r"(?i)(bearer\s+)[A-Za-z0-9\-_.~+/=]{16,}"),
    re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*"),  # any JWT
]
REDACTED = "[redacted]"


def redact(text: str) -> str:
    for pattern in _PATTERNS:
        if pattern.groups:
            text = pattern.sub(lambda m: m.group(1) + REDACTED, text)
        else:
            text = pattern.sub(REDACTED, text)
    return text


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and record.exc_info[1] is not None:
            # Exception texts are written by us and hold no secrets, but tracebacks may show locals'
            # reprs from libraries; keep only the type and our sentence.
            exc = record.exc_info[1]
            record.msg = f"{record.getMessage()} ({type(exc).__name__}: {redact(str(exc))})"
            record.args, record.exc_info, record.exc_text = None, None, None
        return True


LOG_DIR_ENV = "XERO_CONNECT_LOG_DIR"
LOG_FILE = "xero-connect.log"
MAX_BYTES = 1_000_000
BACKUPS = 5
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def log_dir() -> Path:
    """The per-user log folder (XERO_CONNECT_LOG_DIR overrides it, for tests and portable installs)."""
    override = os.environ.get(LOG_DIR_ENV)
    if override:
        return Path(override)
    if sys.platform == "win32":
        return user_base("LOCALAPPDATA", "AppData", "Local") / "xero-connect" / "logs"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Logs" / "xero-connect"
    # Logs are state, not configuration or data: XDG_STATE_HOME (XDG Base Directory spec 0.8).
    return user_base("XDG_STATE_HOME", ".local", "state") / "xero-connect" / "logs"


class PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """Every generation of the log file is created 0600: logs name organisations and client IDs. Once
    a write fails (full disk, read-only), it says so once and logs to nowhere."""

    failed = False

    def handleError(self, record: logging.LogRecord) -> None:
        """Say once where and why logging stopped, instead of a logging traceback for every line."""
        if self.failed:
            return
        self.failed = True
        exc = sys.exc_info()[1]
        reason = getattr(exc, "strerror", None) or type(exc).__name__
        print(
            f"Warning: the log file {self.baseFilename} cannot be written ({reason}); Xero Connect "
            "keeps no log from now on (warnings still reach the terminal).",
            file=sys.stderr,
        )
        stream, self.stream = self.stream, None  # type: ignore[assignment]
        if stream is not None:
            with contextlib.suppress(OSError):  # its buffer cannot be written either
                stream.close()

    def _open(self):  # type: ignore[no-untyped-def]  # the base class's signature
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        os.chmod(self.baseFilename, 0o600)  # an older file may have been created with the umask's mode
        return os.fdopen(fd, "a", encoding=self.encoding, errors=self.errors)

    def emit(self, record: logging.LogRecord) -> None:
        if not self.failed:
            super().emit(record)  # rotates by size first; a failure reaches handleError


def file_handler(directory: Path | None = None) -> PrivateRotatingFileHandler:
    """The rotating log file (1 MB x 5) in a 0700 folder, with the redaction filter. Raises OSError."""
    folder = directory or log_dir()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    handler = PrivateRotatingFileHandler(
        folder / LOG_FILE, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8"
    )
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(RedactingFilter())
    return handler


def configure_logging(verbose: bool = False, log_file: bool = True) -> None:
    """stderr gets warnings (everything with --verbose); the log file gets INFO (DEBUG with --verbose)."""
    stream = logging.StreamHandler()
    stream.setFormatter(logging.Formatter(FORMAT))
    stream.addFilter(RedactingFilter())
    stream.setLevel(logging.DEBUG if verbose else logging.WARNING)
    handlers: list[logging.Handler] = [stream]
    if log_file:
        try:
            handler = file_handler()
        except OSError as exc:  # a read-only home must not stop the program; say it once
            reason = exc.strerror or exc
            print(
                f"Warning: no log file in {log_dir()} ({reason}); logging to the terminal only.",
                file=sys.stderr,
            )
        else:
            handler.setLevel(logging.DEBUG if verbose else logging.INFO)
            handlers.append(handler)
    root = logging.getLogger()
    for old in root.handlers:
        old.close()  # configured twice in one process (tests, main() called again): no leaked files
    root.handlers[:] = handlers
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    # urllib3 logs full URLs at DEBUG; the authorize and callback URLs carry state and codes.
    logging.getLogger("urllib3").setLevel(logging.INFO)
    logging.getLogger("requests_oauthlib").setLevel(logging.WARNING)
    logging.getLogger("oauthlib").setLevel(logging.WARNING)
