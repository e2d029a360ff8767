"""The one session factory and the one retry policy: waits, give-ups and what gets logged."""

from __future__ import annotations

import logging

import pytest
import requests
import responses
from requests.adapters import HTTPAdapter

from app import __version__
from app.xero.endpoints import XeroEndpoints
from app.xero.errors import NetworkError, RateLimited
from app.xero.http import USER_AGENT, RetryPolicy, make_session, send
from app.xero.oauth import AppCredentials, refresh_token_set

URL = "https://api.xero.com/api.xro/2.0/Invoices"


class FakeSleep:
    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture
def sleep() -> FakeSleep:
    return FakeSleep()


@pytest.fixture
def policy(sleep: FakeSleep) -> RetryPolicy:
    # Jitter pinned to the top of its range so the waits are predictable.
    return RetryPolicy(max_attempts=4, base_delay=1.0, max_delay=2.5, sleep=sleep, jitter=lambda lo, hi: hi)


@pytest.fixture
def session() -> requests.Session:
    return make_session()


@responses.activate
def test_session_sends_user_agent_accept_and_default_timeout(session: requests.Session) -> None:
    responses.get(URL, json={})
    session.get(URL)
    request = responses.calls[0].request
    assert request.headers["User-Agent"] == f"XeroConnect/{__version__}"
    assert request.headers["User-Agent"] == USER_AGENT
    assert request.headers["Accept"] == "application/json"
    assert vars(request)["req_kwargs"]["timeout"] == (10.0, 60.0)  # set by responses


@responses.activate
def test_explicit_timeout_wins_over_default(session: requests.Session) -> None:
    responses.get(URL, json={})
    session.get(URL, timeout=3)
    assert vars(responses.calls[0].request)["req_kwargs"]["timeout"] == 3  # set by responses


def test_session_has_no_urllib3_retries(session: requests.Session) -> None:
    for prefix in ("https://", "http://"):
        adapter = session.get_adapter(prefix + "example.invalid")
        assert isinstance(adapter, HTTPAdapter) and adapter.max_retries.total == 0


@responses.activate
def test_429_waits_retry_after_then_succeeds(session, policy, sleep) -> None:
    responses.get(URL, status=429, headers={"Retry-After": "7", "X-Rate-Limit-Problem": "minute"})
    responses.get(URL, json={"Invoices": []})
    response = send(session, "GET", URL, policy=policy)
    assert response.status_code == 200
    assert sleep.waits == [7.0]


@responses.activate
def test_daily_429_raises_at_once(session, policy, sleep) -> None:
    responses.get(URL, status=429, headers={"Retry-After": "40000", "X-Rate-Limit-Problem": "day"})
    with pytest.raises(RateLimited) as caught:
        send(session, "GET", URL, policy=policy)
    assert caught.value.problem == "day"
    assert caught.value.retry_after == 40000.0
    tiers = "limit of calls per day (1,000 for an app on Xero's Starter tier, 5,000 on Core and above)"
    assert tiers in str(caught.value)
    assert sleep.waits == []
    assert len(responses.calls) == 1


@responses.activate
def test_429_without_retry_after_backs_off(session, policy, sleep) -> None:
    responses.get(URL, status=429, headers={"X-Rate-Limit-Problem": "concurrent"})
    responses.get(URL, json={})
    assert send(session, "GET", URL, policy=policy).status_code == 200
    assert sleep.waits == [1.0]


@responses.activate
def test_500_retried_with_capped_backoff_then_returned(session, policy, sleep) -> None:
    responses.get(URL, status=500, body="boom")
    response = send(session, "GET", URL, policy=policy)
    assert response.status_code == 500  # the caller maps it
    assert len(responses.calls) == 4
    assert sleep.waits == [1.0, 2.0, 2.5]


def test_backoff_jitter_stays_within_half_and_cap() -> None:
    policy = RetryPolicy(base_delay=1.0, max_delay=30.0)
    for attempt in range(1, 10):
        step = min(30.0, 2 ** (attempt - 1))
        for _ in range(20):
            assert step / 2 <= policy.backoff(attempt) <= step


@responses.activate
def test_503_with_rate_limit_problem_honours_retry_after(session, policy, sleep) -> None:
    responses.get(
        URL,
        status=503,
        body="oauth_problem=rate limit exceeded",
        headers={"X-Rate-Limit-Problem": "Minute", "Retry-After": "12"},
    )
    responses.get(URL, json={})
    assert send(session, "GET", URL, policy=policy).status_code == 200
    assert sleep.waits == [12.0]


@responses.activate
def test_plain_503_backs_off(session, policy, sleep) -> None:
    responses.get(URL, status=503, body="The Xero API is currently offline for maintenance")
    responses.get(URL, json={})
    assert send(session, "GET", URL, policy=policy).status_code == 200
    assert sleep.waits == [1.0]


@responses.activate
def test_connection_reset_is_retried(session, policy, sleep) -> None:
    responses.get(URL, body=requests.ConnectionError("Connection reset by peer"))
    responses.get(URL, json={"ok": True})
    assert send(session, "GET", URL, policy=policy).json() == {"ok": True}
    assert sleep.waits == [1.0]


@responses.activate
def test_connection_failure_after_last_attempt_is_network_error(session, policy, sleep) -> None:
    responses.get(URL, body=requests.ConnectionError("Connection reset by peer"))
    with pytest.raises(NetworkError, match="Could not reach Xero"):
        send(session, "GET", URL, policy=policy)
    assert len(responses.calls) == 4
    assert len(sleep.waits) == 3


@responses.activate
def test_timeout_after_last_attempt_says_so(session, policy) -> None:
    responses.get(URL, body=requests.ReadTimeout("read timed out"))
    with pytest.raises(NetworkError, match="did not answer in time"):
        send(session, "GET", URL, policy=policy)


@responses.activate
def test_chunked_encoding_error_is_retried(session, policy, sleep) -> None:
    responses.get(URL, body=requests.exceptions.ChunkedEncodingError("truncated"))
    responses.get(URL, json={})
    assert send(session, "GET", URL, policy=policy).status_code == 200


@responses.activate
def test_put_with_idempotency_key_replays_same_headers_and_body(session, policy) -> None:
    responses.put(URL, status=502)
    responses.put(URL, json={"Invoices": []})
    headers = {"Idempotency-Key": "key-1"}
    send(session, "PUT", URL, policy=policy, headers=headers, json={"Invoices": [{"Type": "ACCREC"}]})
    first, second = (call.request for call in responses.calls)
    assert first.headers["Idempotency-Key"] == second.headers["Idempotency-Key"] == "key-1"
    assert first.body == second.body


@responses.activate
def test_put_without_idempotency_key_is_not_replayed_after_500(session, policy, sleep) -> None:
    responses.put(URL, status=500)
    assert send(session, "PUT", URL, policy=policy, json={}).status_code == 500
    assert len(responses.calls) == 1
    assert sleep.waits == []


@responses.activate
def test_put_without_idempotency_key_is_retried_after_429(session, policy, sleep) -> None:
    # A rate-limited request was never processed, so repeating it cannot create duplicates.
    responses.put(URL, status=429, headers={"Retry-After": "2"})
    responses.put(URL, json={})
    assert send(session, "PUT", URL, policy=policy, json={}).status_code == 200
    assert sleep.waits == [2.0]


@responses.activate
def test_put_without_key_not_replayed_after_reset(session, policy) -> None:
    responses.put(URL, body=requests.ConnectionError("Connection reset by peer"))
    with pytest.raises(NetworkError):
        send(session, "PUT", URL, policy=policy, json={})
    assert len(responses.calls) == 1


@responses.activate
def test_last_429_is_returned_for_the_caller_to_map(session, policy, sleep) -> None:
    responses.get(URL, status=429, headers={"Retry-After": "1"})
    assert send(session, "GET", URL, policy=policy).status_code == 429
    assert sleep.waits == [1.0, 1.0, 1.0]


@responses.activate
def test_on_response_sees_every_response(session, policy) -> None:
    responses.get(URL, status=429, headers={"Retry-After": "1", "X-MinLimit-Remaining": "0"})
    responses.get(URL, json={}, headers={"X-MinLimit-Remaining": "59"})
    seen: list[str | None] = []
    send(
        session,
        "GET",
        URL,
        policy=policy,
        on_response=lambda r: seen.append(r.headers.get("X-MinLimit-Remaining")),
    )
    assert seen == ["0", "59"]


@responses.activate
def test_retry_log_has_path_status_and_wait_but_no_query_or_headers(session, policy, caplog) -> None:
    responses.get(URL, status=500)
    responses.get(URL, json={})
    caplog.set_level(logging.INFO, logger="app.xero.http")
    send(
        session,
        "GET",
        URL + "?where=Name%3D%3D%22Secret%20Ltd%22",
        policy=policy,
        headers={"Authorization": "Bearer tok-123"},
    )
    records = [r for r in caplog.records if r.name == "app.xero.http"]
    assert len(records) == 1
    text = records[0].getMessage()
    assert "GET /api.xro/2.0/Invoices" in text and "HTTP 500" in text and "1.0 s" in text
    assert "Secret" not in text and "where" not in text and "tok-123" not in text


TOKEN_URL = XeroEndpoints.real().token_url
WEB_APP = AppCredentials("CLIENTID1", "very-secret-value")
TOKENS = {"access_token": "access-2", "refresh_token": "refresh-2", "expires_in": 1800}


def rate_limited_token_endpoint(times: int, retry_after: str | None) -> None:
    """The sign-in service's token endpoint rate limits ``times`` times, then answers a token set."""
    headers = {"Retry-After": retry_after} if retry_after is not None else {}
    for _ in range(times):
        responses.post(TOKEN_URL, status=429, headers=headers, json={})
    responses.post(TOKEN_URL, json=TOKENS)


def renew(policy: RetryPolicy, longest_wait: float | None = None) -> str:
    sign_in = policy.for_sign_in(longest_wait)
    tokens = refresh_token_set(XeroEndpoints.real(), WEB_APP, "refresh-1", make_session(), policy=sign_in)
    return tokens.access_token


@responses.activate
def test_a_rate_limited_sign_in_call_is_sent_once_more_after_retry_after(policy, sleep) -> None:
    rate_limited_token_endpoint(1, retry_after="3")
    assert renew(policy) == "access-2"
    assert (len(responses.calls), sleep.waits) == (2, [3])


@responses.activate
def test_without_retry_after_the_policy_backoff_is_waited(policy, sleep) -> None:
    rate_limited_token_endpoint(1, retry_after=None)
    assert renew(policy) == "access-2"
    assert sleep.waits == [1.0]


@responses.activate
def test_a_second_rate_limit_or_a_long_wait_is_the_users_sentence(policy, sleep) -> None:
    rate_limited_token_endpoint(2, retry_after="3")
    with pytest.raises(RateLimited):
        renew(policy)
    assert sleep.waits == [3] and len(responses.calls) == 2
    responses.reset()
    rate_limited_token_endpoint(1, retry_after="3600")
    with pytest.raises(RateLimited):  # the daily limit: hours away, so no wait at all
        renew(policy)
    assert sleep.waits == [3]
    responses.reset()
    rate_limited_token_endpoint(1, retry_after="40")
    with pytest.raises(RateLimited):  # beyond what the caller may wait (the refresh lock's holder)
        renew(policy, longest_wait=30)
    assert sleep.waits == [3]
