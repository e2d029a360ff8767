"""Logging with a redaction filter: tokens, codes and secrets never reach a log line."""

from __future__ import annotations

import logging
import re

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


def configure_logging(verbose: bool = False) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if verbose else logging.WARNING)
    # urllib3 logs full URLs at DEBUG; the authorize and callback URLs carry state and codes.
    logging.getLogger("urllib3").setLevel(logging.INFO)
    logging.getLogger("requests_oauthlib").setLevel(logging.WARNING)
    logging.getLogger("oauthlib").setLevel(logging.WARNING)
