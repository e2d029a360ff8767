"""The loopback listener over real HTTP on 127.0.0.1: port choice, state check, pages, timeout, cancel."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import html
import http.client
import socket
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor

import pytest

from app.app_naming import CONNECTION_CAP_HINT
from app.errors import Cancelled, PortsBusy
from app.xero.errors import CallbackError, CallbackTimeout, ConsentRefused
from app.xero.loopback import (
    CLOSE_HINT,
    CLOSE_SCRIPT,
    NOTHING_ARRIVED,
    OTHER_PATH,
    OTHER_STATE,
    PAGES_DIR,
    LoopbackListener,
    find_free_port,
    timeout_error,
    waiting_hint,
)

STATE = "expected-state-123"
CODE = "secret-code-xyz"
CONSENT_SENTENCE = (
    "You (or the Xero user) chose Cancel on Xero's consent page, so Xero Connect was not authorised."
)


def free_ports(count: int) -> list[int]:
    """Ports the OS just handed out, so they are free right now."""
    socks = [socket.socket() for _ in range(count)]
    try:
        for sock in socks:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in socks]
    finally:
        for sock in socks:
            sock.close()


@contextlib.contextmanager
def occupied(
    port: int, family: socket.AddressFamily = socket.AF_INET, host: str = "127.0.0.1"
) -> Iterator[None]:
    """Another program listening on the port."""
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        if family == socket.AF_INET6:
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        sock.bind((host, port))
        sock.listen(1)
        yield


def get(port: int, target: str, method: str = "GET") -> tuple[int, dict[str, str], str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request(method, target)
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read().decode("utf-8")
    finally:
        conn.close()


@pytest.fixture
def pool() -> Iterator[ThreadPoolExecutor]:
    with ThreadPoolExecutor(max_workers=2) as executor:
        yield executor


def started(
    on_callback: Callable[[str], object] | None = None, timeout: float = 5.0, ports: list[int] | None = None
) -> tuple[LoopbackListener[object], list[str]]:
    seen: list[str] = []

    def record(url: str) -> object:
        seen.append(url)
        return on_callback(url) if on_callback else "tokens"

    listener: LoopbackListener[object] = LoopbackListener(ports or free_ports(1), STATE, record, timeout)
    listener.start()
    return listener, seen


def test_first_free_port_is_chosen_when_the_first_is_occupied() -> None:
    first, second = free_ports(2)
    with occupied(first):
        assert find_free_port([first, second]) == second
        listener: LoopbackListener[str] = LoopbackListener([first, second], STATE, lambda url: "x")
        with listener:
            assert listener.start() == second
            assert listener.redirect_uri == f"http://localhost:{second}/callback"


def test_port_taken_on_ipv6_loopback_is_skipped() -> None:
    """Browsers may resolve localhost to ::1 first, so a program there would steal the redirect."""
    first, second = free_ports(2)
    try:
        ctx = occupied(first, socket.AF_INET6, "::1")
        ctx.__enter__()
    except OSError:
        pytest.skip("no IPv6 loopback here")
    try:
        with LoopbackListener([first, second], STATE, lambda url: "x") as listener:
            assert listener.start() == second
    finally:
        ctx.__exit__(None, None, None)


def test_two_busy_ports_sentence() -> None:
    first, second = free_ports(2)
    with occupied(first), occupied(second), pytest.raises(PortsBusy) as caught:
        LoopbackListener([first, second], STATE, lambda url: "x").start()
    assert str(caught.value).startswith(f"Ports {first} and {second} are both in use by other programs;")


def test_all_ports_busy_raises_ports_busy() -> None:
    ports = free_ports(3)
    with occupied(ports[0]), occupied(ports[1]), occupied(ports[2]):
        assert find_free_port(ports) is None
        listener: LoopbackListener[str] = LoopbackListener(ports, STATE, lambda url: "x")
        with pytest.raises(PortsBusy) as caught:
            listener.start()
    assert str(caught.value) == (
        f"Ports {ports[0]}, {ports[1]} and {ports[2]} are all in use by other programs; "
        "close one of them or paste the redirect URL instead."
    )


def test_binds_127_0_0_1_only() -> None:
    listener, _ = started()
    with listener:
        assert listener.server_address == ("127.0.0.1", listener.port)


def test_other_paths_get_404_and_do_not_end_the_flow(pool: ThreadPoolExecutor) -> None:
    listener, seen = started()
    future: Future[object] = pool.submit(listener.wait)
    stray = [("/favicon.ico", "GET"), ("/", "GET"), (f"/callback?code={CODE}&state={STATE}", "POST")]
    for target, method in stray:
        status, _, body = get(listener.port, target, method)
        assert status == 404
        assert CODE not in body
    assert not future.done() and seen == []
    status, _, _ = get(listener.port, f"/callback?code={CODE}&state={STATE}")
    assert status == 200
    assert future.result(timeout=5) == "tokens"


def test_wrong_state_gets_400_and_keeps_waiting_then_right_state_wins(pool: ThreadPoolExecutor) -> None:
    listener, seen = started()
    future: Future[object] = pool.submit(listener.wait)
    foreign = [
        f"/callback?code={CODE}&state=forged",
        f"/callback?code={CODE}",
        "/callback?error=access_denied",
    ]
    for target in foreign:
        status, _, body = get(listener.port, target)
        assert status == 400
        assert "This answer does not belong to the current sign-in attempt" in body
        assert CODE not in body
    assert not future.done() and seen == []

    status, headers, body = get(listener.port, f"/callback?code={CODE}&state={STATE}")
    assert status == 200
    assert "Xero Connect is authorised." in body and "it shows the organisation you approved" in body
    assert CODE not in body
    assert headers["Cache-Control"] == "no-store"
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert future.result(timeout=5) == "tokens"
    assert seen == [f"http://localhost:{listener.port}/callback?code={CODE}&state={STATE}"]


def test_on_callback_error_shows_its_sentence_and_reaches_wait(pool: ThreadPoolExecutor) -> None:
    def refuse(url: str) -> object:
        raise ConsentRefused(CONSENT_SENTENCE)

    listener, _ = started(refuse)
    future: Future[object] = pool.submit(listener.wait)
    status, _, body = get(listener.port, f"/callback?error=access_denied&state={STATE}")
    assert status == 200
    assert html.escape(CONSENT_SENTENCE) in body
    with pytest.raises(ConsentRefused) as caught:
        future.result(timeout=5)
    assert str(caught.value) == CONSENT_SENTENCE


def test_error_sentence_is_html_escaped(pool: ThreadPoolExecutor) -> None:
    def fail(url: str) -> object:
        raise CallbackError("Xero said <script>alert(1)</script>")

    listener, _ = started(fail)
    future: Future[object] = pool.submit(listener.wait)
    _, _, body = get(listener.port, f"/callback?code={CODE}&state={STATE}")
    assert "&lt;script&gt;" in body and "<script>" not in body
    with pytest.raises(CallbackError):
        future.result(timeout=5)


def test_unexpected_exception_gives_500_and_reaches_wait(pool: ThreadPoolExecutor) -> None:
    def crash(url: str) -> object:
        raise RuntimeError("bug")

    listener, _ = started(crash)
    future: Future[object] = pool.submit(listener.wait)
    status, _, body = get(listener.port, f"/callback?code={CODE}&state={STATE}")
    assert status == 500 and "internal error" in body
    with pytest.raises(RuntimeError, match="bug"):
        future.result(timeout=5)


def test_second_answer_while_exchanging_gets_409(pool: ThreadPoolExecutor) -> None:
    release = threading.Event()
    listener, seen = started(lambda url: release.wait(5) and "tokens")
    future: Future[object] = pool.submit(listener.wait)
    first = pool.submit(get, listener.port, f"/callback?code={CODE}&state={STATE}")
    while not seen:  # the exchange has started
        release.wait(0.01)
    status, _, body = get(listener.port, f"/callback?code=other&state={STATE}")
    assert status == 409 and "already received" in body
    release.set()
    assert first.result(timeout=5)[0] == 200
    assert future.result(timeout=5) == "tokens"
    assert len(seen) == 1


def test_a_timeout_with_nothing_arrived_blames_the_closed_tab_not_the_redirect_uri() -> None:
    listener, _ = started(timeout=0.3)
    uri = listener.redirect_uri
    with pytest.raises(CallbackTimeout) as caught:
        listener.wait()
    message = str(caught.value)
    assert message.startswith(
        "Nothing came back from the browser within 0.3 seconds: the approval page was probably closed"
    )
    assert f"nothing reached {uri}" in message and "redirect URI" not in message


def test_a_timeout_after_an_answer_at_another_path_names_the_registered_redirect_uri() -> None:
    listener, seen = started(timeout=0.5)
    uri = listener.redirect_uri
    assert get(listener.port, f"/oauth/callback?code=c&state={STATE}")[0] == 404
    assert listener.seen == OTHER_PATH
    with pytest.raises(CallbackTimeout) as caught:
        listener.wait()
    assert "the redirect URI registered in Xero differs" in str(caught.value)
    assert f"Make it exactly {uri}" in str(caught.value) and seen == []


def test_a_timeout_after_a_stale_tab_names_the_older_approval_page() -> None:
    listener, seen = started(timeout=0.5)
    assert get(listener.port, "/callback?code=c&state=an-old-attempt")[0] == 400
    assert listener.seen == OTHER_STATE
    assert "older approval page" in waiting_hint(listener.redirect_uri, listener.seen)
    with pytest.raises(CallbackTimeout) as caught:
        listener.wait()
    assert "from an older approval page (a tab left from an earlier attempt)" in str(caught.value)
    assert seen == []


def test_a_browser_preconnect_or_favicon_is_not_taken_for_an_answer() -> None:
    listener, _ = started(timeout=5)
    assert get(listener.port, "/favicon.ico")[0] == 404
    assert listener.seen == NOTHING_ARRIVED
    listener.cancel()
    with pytest.raises(Cancelled):
        listener.wait()


def test_timeout_sentence_counts_minutes() -> None:
    message = str(timeout_error(300, "http://localhost:53682/callback"))
    assert message == (
        "Nothing came back from the browser within 5 minutes: the approval page was probably closed, or "
        "left without clicking Allow access (nothing reached http://localhost:53682/callback). Click Retry "
        "to open it again. " + CONNECTION_CAP_HINT
    )


def test_timeout_does_not_cut_a_running_exchange(pool: ThreadPoolExecutor) -> None:
    gate = threading.Event()
    listener, _ = started(lambda url: gate.wait(0.6) or "tokens", timeout=0.3)
    future: Future[object] = pool.submit(listener.wait)
    assert get(listener.port, f"/callback?code={CODE}&state={STATE}")[0] == 200
    assert future.result(timeout=5) == "tokens"


def test_cancel_from_another_thread(pool: ThreadPoolExecutor) -> None:
    listener, _ = started(timeout=30)
    future: Future[object] = pool.submit(listener.wait)
    threading.Thread(target=listener.cancel).start()
    with pytest.raises(Cancelled) as caught:
        future.result(timeout=2)
    assert str(caught.value) == "The authorisation was cancelled."


def test_port_is_released_after_close_and_can_be_bound_again(pool: ThreadPoolExecutor) -> None:
    listener, _ = started()
    port = listener.port
    future: Future[object] = pool.submit(listener.wait)
    get(listener.port, "/favicon.ico")  # leave a closed connection behind on the port
    get(listener.port, f"/callback?code={CODE}&state={STATE}")
    future.result(timeout=5)
    listener.close()
    listener.close()  # idempotent

    again: LoopbackListener[str] = LoopbackListener([port], STATE, lambda url: "again")
    with again:
        assert again.start() == port
        assert find_free_port([port]) is None
    assert find_free_port([port]) == port


def test_context_manager_releases_the_port_without_wait() -> None:
    port = free_ports(1)[0]
    with LoopbackListener([port], STATE, lambda url: "x") as listener:
        listener.start()
    assert find_free_port([port]) == port


def test_the_success_page_shows_the_logo_says_the_tab_can_be_closed_and_tries_to_close_it() -> None:
    listener, _ = started()
    status, headers, body = get(listener.port, f"/callback?code={CODE}&state={STATE}")
    assert status == 200 and listener.wait() == "tokens"
    assert '<img class="logo" src="data:image/svg+xml;base64,' in body
    assert CLOSE_HINT in body and f"<script>{CLOSE_SCRIPT}</script>" in body and "window.close()" in body
    # Only that one script may run, and images only from the page itself.
    digest = base64.b64encode(hashlib.sha256(CLOSE_SCRIPT.encode()).digest()).decode()
    policy = headers["Content-Security-Policy"]
    assert f"script-src 'sha256-{digest}'" in policy and "img-src data:" in policy
    assert "default-src 'none'" in policy and "unsafe-inline'" not in policy.split("script-src")[1]


def test_pages_have_a_message_placeholder() -> None:
    for name in ("success.html", "error.html"):
        text = (PAGES_DIR / name).read_text(encoding="utf-8")
        assert "{message}" in text and "<style>" in text
