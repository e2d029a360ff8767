"""The one HTTP session factory and the one retry policy for every call to Xero or the local sandbox.

urllib3's own retries are switched off: only :func:`send` decides when a request is repeated, so a
rate limit, an outage and a dropped connection are each handled once, in one place. The sign-in
service's token endpoint goes through it too, with :meth:`RetryPolicy.for_sign_in`.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import NewConnectionError
from urllib3.util.retry import Retry

from app import __version__
from app.xero.endpoints import require_secure
from app.xero.errors import AnswerTooLarge, network_error, rate_limited, retry_after_seconds

USER_AGENT = f"XeroConnect/{__version__}"
CONNECT_TIMEOUT = 10.0
READ_TIMEOUT = 60.0
DEFAULT_TIMEOUT = (CONNECT_TIMEOUT, READ_TIMEOUT)

# The most read from one answer (after decompression). Our largest real answers are a page of 100
# invoices with their line items (a few MB) and the echo of a 50-invoice PUT, whose request Xero caps
# at 10 MB; 64 MiB is far above both and bounds what a broken or hostile server can make us hold.
MAX_ANSWER_BYTES = 64 * 1024 * 1024
READ_CHUNK = 64 * 1024

RETRY_STATUSES = frozenset({500, 502, 503, 504})
# Failures where the answer may simply come next time; anything else (bad URL, redirect loop) will not.
RETRY_EXCEPTIONS: tuple[type[requests.RequestException], ...] = (
    requests.ConnectionError,
    requests.exceptions.ChunkedEncodingError,
    requests.Timeout,
)
# Methods Xero applies at most once by nature; PUT/POST are only replayed when they carry a key.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "DELETE"})

log = logging.getLogger("app.xero.http")

ResponseHook = Callable[[requests.Response], None]


class _TimeoutAdapter(HTTPAdapter):
    """Gives every request a timeout: requests waits forever by default, which would hang a worker."""

    def __init__(self, timeout: tuple[float, float] = DEFAULT_TIMEOUT) -> None:
        super().__init__(max_retries=Retry(total=0, read=False, redirect=False, raise_on_status=False))
        self.timeout = timeout

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.timeout
        streamed = kwargs.get("stream", False)
        kwargs["stream"] = True  # read by _read_capped below, never all at once by requests
        response = super().send(request, *args, **kwargs)
        if not streamed:
            _read_capped(response)
        return response


def _read_capped(response: requests.Response) -> None:
    """Read the body in chunks, at most MAX_ANSWER_BYTES; more is AnswerTooLarge, with nothing kept."""
    declared = response.headers.get("Content-Length", "")
    chunks: list[bytes] = []
    total = int(declared) if declared.isdigit() else 0
    if total <= MAX_ANSWER_BYTES:
        total = 0
        for chunk in response.iter_content(READ_CHUNK):
            total += len(chunk)
            if total > MAX_ANSWER_BYTES:
                break
            chunks.append(chunk)
    if total > MAX_ANSWER_BYTES:
        response.close()
        chunks.clear()
        where = urlsplit(response.url)
        raise AnswerTooLarge(
            f"The answer from {where.hostname} to {response.request.method} {where.path or '/'} was larger "
            f"than {MAX_ANSWER_BYTES // (1024 * 1024)} MB, far more than any Xero answer Xero Connect asks "
            "for, so it was not read; check the Xero or sandbox address in the settings and try again later."
        )
    response._content = b"".join(chunks)
    response._content_consumed = True


def make_session(timeout: tuple[float, float] = DEFAULT_TIMEOUT) -> requests.Session:
    """A session for Xero: our User-Agent, JSON answers (Xero defaults to XML) and a default timeout."""
    session = requests.Session()
    session.headers.update({"User-Agent": USER_AGENT, "Accept": "application/json"})
    adapter = _TimeoutAdapter(timeout)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


@dataclass
class RetryPolicy:
    max_attempts: int = 4
    base_delay: float = 1.0  # exponential backoff with jitter for 5xx and dropped connections
    max_delay: float = 30.0  # cap per wait
    max_retry_after: float = 65.0  # a longer Retry-After is the daily limit: give up at once
    sleep: Callable[[float], None] = time.sleep
    jitter: Callable[[float, float], float] = random.uniform

    def backoff(self, attempt: int) -> float:
        """Wait after failed attempt ``attempt`` (1-based): between half and all of the capped step."""
        step = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
        return min(self.max_delay, max(0.0, self.jitter(step / 2, step)))

    def for_sign_in(self, longest_wait: float | None = None) -> RetryPolicy:
        """This policy for the sign-in service's token endpoint: one attempt more at most, and a
        Retry-After beyond ``longest_wait`` (default ``max_retry_after``) is the user's to know."""
        wait = self.max_retry_after if longest_wait is None else longest_wait
        return replace(self, max_attempts=min(self.max_attempts, 2), max_retry_after=wait)


def _path(url: str) -> str:
    # The query string may carry filters with customer names; the path is enough to follow retries.
    return urlsplit(url).path or "/"


def _is_rate_limit(response: requests.Response) -> bool:
    # Xero's older rate-limit answer is a 503 naming the problem; treat it exactly like a 429.
    return response.status_code == 429 or (
        response.status_code == 503 and "X-Rate-Limit-Problem" in response.headers
    )


def _replay_safe(method: str, headers: Mapping[str, str] | None) -> bool:
    """A PUT/POST that may have reached Xero is only repeated under the same Idempotency-Key."""
    if method.upper() in SAFE_METHODS:
        return True
    return any(name.lower() == "idempotency-key" for name in headers or {})


def _wait_for(
    response: requests.Response, attempt: int, policy: RetryPolicy, replayable: bool
) -> float | None:
    """Seconds to wait before the next attempt, or None when this response is the answer."""
    if _is_rate_limit(response):
        retry_after = retry_after_seconds(response.headers)
        if retry_after is not None and retry_after > policy.max_retry_after:
            # Typically the daily limit: hours away, so tell the user now rather than hang.
            raise rate_limited(response)
        # A rate-limited request was not processed, so repeating it is safe even without a key.
        return retry_after if retry_after is not None else policy.backoff(attempt)
    if response.status_code in RETRY_STATUSES and replayable:
        return policy.backoff(attempt)
    return None


def _log_retry(method: str, url: str, outcome: str, wait: float, attempt: int) -> None:
    log.info(
        "retrying %s %s after %s: waiting %.1f s (attempt %d)", method, _path(url), outcome, wait, attempt
    )


def send(
    session: requests.Session,
    method: str,
    url: str,
    *,
    policy: RetryPolicy,
    on_response: ResponseHook | None = None,
    replayable: bool | None = None,
    what: str = "Xero",
    **kwargs: Any,
) -> requests.Response:
    """Send one request with the retry policy; the final response is returned for the caller to map.

    ``on_response`` sees every response, retried ones included, so rate-limit headers are never missed.
    The same ``kwargs`` (headers, Idempotency-Key, body) are re-sent on every attempt. ``replayable``
    says whether a request that may have reached the server can be sent again (default: a safe method
    or one with an Idempotency-Key); ``what`` names the server in a network error's sentence.
    Raises RateLimited for a Retry-After beyond ``policy.max_retry_after`` and NetworkError when the
    connection still fails after the last attempt.
    """
    require_secure(url)  # every call carries a token: never over plain http to another computer
    method = method.upper()
    if replayable is None:
        replayable = _replay_safe(method, kwargs.get("headers"))
    attempt = 0
    while True:
        attempt += 1
        try:
            response = session.request(method, url, **kwargs)
        except RETRY_EXCEPTIONS as exc:
            if attempt >= policy.max_attempts or not _may_retry_exception(exc, replayable):
                raise network_error(exc, what) from exc
            pause = policy.backoff(attempt)
            _log_retry(method, url, type(exc).__name__, pause, attempt)
            policy.sleep(pause)
            continue
        except requests.RequestException as exc:
            raise network_error(exc, what) from exc
        if on_response is not None:
            on_response(response)
        wait = _wait_for(response, attempt, policy, replayable)
        if wait is None or attempt >= policy.max_attempts:
            return response
        _log_retry(method, url, f"HTTP {response.status_code}", wait, attempt)
        response.close()  # hand the connection back to the pool before sleeping
        policy.sleep(wait)


def _may_retry_exception(exc: requests.RequestException, replayable: bool) -> bool:
    # A failed connect never reached Xero; any other failure might have, so it needs a replay-safe request.
    if replayable or isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(reason, NewConnectionError)
