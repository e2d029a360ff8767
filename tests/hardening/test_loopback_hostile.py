"""The loopback listener under hostile or broken traffic, over real sockets on 127.0.0.1."""

from __future__ import annotations

import contextlib
import errno
import http.client
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from app.xero import loopback
from app.xero.loopback import LoopbackListener
from tests.helpers.sandbox import free_ports

STATE = "the-one-state-of-this-attempt"


def request(port: int, target: str, method: str = "GET", timeout: float = 5) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, target)
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


@pytest.fixture
def listening():
    calls: list[str] = []

    def exchange(url: str) -> str:
        calls.append(url)
        return "tokens"

    listener = LoopbackListener(free_ports(1), STATE, exchange, timeout=20)
    listener.start()
    pool = ThreadPoolExecutor(1)
    waiting = pool.submit(listener.wait)
    yield listener, calls, waiting
    listener.cancel()
    listener.close()
    pool.shutdown(wait=False)


def finish(listener, calls, waiting) -> None:
    assert request(listener.port, f"/callback?code=real-code&state={STATE}") == 200
    assert waiting.result(timeout=5) == "tokens" and len(calls) == 1


def test_wrong_missing_or_empty_state_is_400_and_the_flow_goes_on(listening):
    listener, calls, waiting = listening
    for target in [
        "/callback?code=x&state=forged",
        "/callback?code=x",
        "/callback?code=x&state=",
        f"/callback?code=x&state={STATE}x",
        "/callback?state=%00&state=" + STATE,
    ]:
        assert request(listener.port, target) == 400, target
    assert not waiting.done() and calls == []
    finish(listener, calls, waiting)


def test_unknown_paths_and_other_methods_never_end_the_flow(listening):
    listener, calls, waiting = listening
    good = f"/callback?code=x&state={STATE}"
    for target in ["/", "/favicon.ico", "/callback/", "/CALLBACK?state=" + STATE, "/../etc/passwd", "//x"]:
        assert request(listener.port, target) == 404, target
    for method in ["POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"]:
        assert request(listener.port, good, method=method) in (404, 405), method
    assert not waiting.done() and calls == []
    finish(listener, calls, waiting)


def test_a_replayed_code_after_success_is_not_exchanged_again(listening):
    listener, calls, waiting = listening
    finish(listener, calls, waiting)
    try:
        status = request(listener.port, f"/callback?code=real-code&state={STATE}", timeout=2)
    except OSError:
        status = None  # the listener closed its port once the flow ended: even better
    assert status in (None, 409) and len(calls) == 1


def test_a_1_mb_query_string_gets_414_and_the_listener_stays_up(listening):
    listener, calls, waiting = listening
    with socket.create_connection(("127.0.0.1", listener.port), timeout=5) as sock:
        with contextlib.suppress(OSError):  # the listener may cut the upload short after answering
            sock.sendall(b"GET /callback?state=" + b"A" * 1_000_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
        answer = sock.recv(200)
    assert answer.startswith(b"HTTP/1.") and b" 414 " in answer.split(b"\r\n")[0]
    assert not waiting.done() and calls == []
    finish(listener, calls, waiting)


def test_slow_loris_connections_do_not_block_the_real_callback(listening, monkeypatch):
    listener, calls, waiting = listening
    monkeypatch.setattr(loopback._CallbackHandler, "timeout", 1.0)  # the per-connection idle timeout
    lorises = []
    for _ in range(10):
        sock = socket.create_connection(("127.0.0.1", listener.port), timeout=5)
        sock.sendall(b"GET /callback?sta")  # ... and then nothing for a long time
        lorises.append(sock)
    started = time.monotonic()
    finish(listener, calls, waiting)
    assert time.monotonic() - started < 2
    for sock in lorises:  # each stalled connection is cut by the per-connection timeout
        sock.settimeout(5)
        with contextlib.suppress(ConnectionResetError):
            assert sock.recv(100) == b""
        sock.close()


def test_a_request_trickling_in_is_cut_at_the_deadline_and_the_callback_still_wins(listening, monkeypatch):
    listener, calls, waiting = listening
    monkeypatch.setattr(loopback._CallbackHandler, "timeout", 1.0)  # each byte comes well inside this
    monkeypatch.setattr(loopback._CallbackHandler, "request_deadline", 0.5)
    sock = socket.create_connection(("127.0.0.1", listener.port), timeout=5)
    started = time.monotonic()
    cut = False
    for byte in b"GET /callback?state=" + b"x" * 200:  # one byte every 0.1 s: 20 s in all if never cut
        try:
            sock.sendall(bytes([byte]))
        except OSError:
            cut = True
            break
        time.sleep(0.1)
        if time.monotonic() - started > 3:
            break
        sock.setblocking(False)
        try:
            cut = sock.recv(100) == b""  # the listener closed its end
        except BlockingIOError:
            pass
        except OSError:
            cut = True
        finally:
            sock.setblocking(True)
        if cut:
            break
    sock.close()
    assert cut and time.monotonic() - started < 2
    finish(listener, calls, waiting)


def test_200_connections_at_once_are_answered_or_dropped_and_the_callback_still_wins(listening, monkeypatch):
    listener, calls, waiting = listening
    monkeypatch.setattr(loopback._CallbackHandler, "timeout", 1.0)
    idle = [socket.create_connection(("127.0.0.1", listener.port), timeout=5) for _ in range(200)]
    busy = []
    errors = []

    def hammer() -> None:
        try:
            busy.append(request(listener.port, "/callback?state=nope"))
        except OSError as exc:
            errors.append(exc)

    threads = [threading.Thread(target=hammer) for _ in range(50)]
    for thread in threads:
        thread.start()
    started = time.monotonic()
    finish(listener, calls, waiting)
    assert time.monotonic() - started < 5
    for thread in threads:
        thread.join(timeout=10)
    assert set(busy) <= {400} and len(busy) + len(errors) == 50
    deadline = time.monotonic() + 5
    for sock in idle:  # idle connections are closed by the listener within the timeout, not kept
        sock.settimeout(max(0.1, deadline - time.monotonic()))
        try:
            assert sock.recv(10) == b""
        except (ConnectionResetError, TimeoutError) as exc:
            assert isinstance(exc, ConnectionResetError), "an idle connection outlived the timeout"
        sock.close()


def _non_loopback_address() -> str | None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.254.254.254", 9))  # no packet is sent for UDP connect
            address = probe.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith("127.") else address


def test_only_loopback_is_ever_bound(listening):
    listener, calls, waiting = listening
    assert listener.server_address == ("127.0.0.1", listener.port)
    assert listener._server.socket.getsockname() == ("127.0.0.1", listener.port)
    assert listener.ipv6_address in (None, ("::1", listener.port))
    other = _non_loopback_address()
    if other is not None:
        with pytest.raises(OSError):
            socket.create_connection((other, listener.port), timeout=1).close()
    finish(listener, calls, waiting)


HOSTILE_DESCRIPTION = (
    "bad\x1b]0;owned\x07\x1b[2J\x1b[1;1H\x9b31m red\x00\x08\x7f\r\nline\u0085two \x1b]52;c;ZXZpbA==\x07done"
)


@pytest.mark.usefixtures("real_keyring")
def test_control_characters_in_a_callbacks_error_description_never_reach_the_terminal(
    sandbox, sandbox_app, callback_ports
):
    """A redirect carrying terminal escapes in error_description (and error): `connect` prints the
    sentence with every C0/C1 control stripped, so nothing can retitle, clear or write the clipboard."""
    import sys
    from urllib.parse import parse_qs, urlencode, urlsplit

    import requests

    from app.secrets import SecretStore
    from tests.helpers.flows import connect_in_terminal

    def hostile_redirect(authorize_url: str) -> None:
        query = parse_qs(urlsplit(authorize_url).query)
        answer = urlencode(
            {
                "error": "invalid_request\x1b[5m",
                "error_description": HOSTILE_DESCRIPTION,
                "state": query["state"][0],
            }
        )
        requests.get(f"{query['redirect_uri'][0]}?{answer}", timeout=10)

    try:
        code, out, err = connect_in_terminal(
            [sys.executable, "-m", "app"], sandbox, sandbox_app, callback_ports, consent=hostile_redirect
        )
    finally:
        SecretStore("sandbox", sandbox_app.client_id).delete_all()
    assert code == 1, err
    line = next(line for line in err.splitlines() if line.startswith("Error:"))
    controls = [c for c in out + err if c != "\n" and (ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F)]
    assert controls == [], repr(err)
    assert "invalid_request[5m: bad]0;owned[2J[1;1H31m red line two ]52;c;ZXZpbA==done" in line, line


def ipv6_loopback_available() -> bool:
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as probe:
            probe.bind(("::1", 0))
    except OSError:
        return False
    return True


needs_ipv6 = pytest.mark.skipif(
    not ipv6_loopback_available(),
    reason="no IPv6 loopback (::1) on this machine: the listener serves 127.0.0.1 alone, and nothing "
    "can squat [::1] either",
)


def squat(family: socket.AddressFamily, host: str, port: int) -> OSError | None:
    """What a hostile local program gets when it tries to listen on host:port now."""
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        if family == socket.AF_INET6:
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(1)
    except OSError as exc:
        return exc
    finally:
        sock.close()
    return None


@needs_ipv6
def test_the_port_is_held_on_ipv6_loopback_for_the_whole_wait(listening):
    """Browsers try ::1 first for localhost: a program that binds [::1]:PORT after the listener
    started would receive the code and state. The listener holds [::1]:PORT itself until the flow ends,
    and a callback arriving over ::1 is served like one over 127.0.0.1."""
    listener, calls, waiting = listening
    assert listener.ipv6_address == ("::1", listener.port)
    for family, host in [(socket.AF_INET6, "::1"), (socket.AF_INET, "127.0.0.1")]:
        refused = squat(family, host, listener.port)
        assert refused is not None and refused.errno == errno.EADDRINUSE, (host, refused)
    time.sleep(0.3)  # later in the wait it is still held
    assert squat(socket.AF_INET6, "::1", listener.port) is not None
    conn = http.client.HTTPConnection("::1", listener.port, timeout=5)
    try:
        conn.request("GET", "/callback?code=x&state=forged")
        assert conn.getresponse().status == 400  # the same handler and state check on ::1
    finally:
        conn.close()
    conn = http.client.HTTPConnection("::1", listener.port, timeout=5)
    try:
        conn.request("GET", f"/callback?code=real-code&state={STATE}")
        assert conn.getresponse().status == 200
    finally:
        conn.close()
    assert waiting.result(timeout=5) == "tokens" and len(calls) == 1
    listener.close()
    assert squat(socket.AF_INET6, "::1", listener.port) is None  # released when the flow ends


@needs_ipv6
def test_a_port_already_taken_on_ipv6_loopback_is_skipped_at_start():
    first, second = free_ports(2)
    holder = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    holder.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    holder.bind(("::1", first))
    holder.listen(1)
    try:
        with LoopbackListener([first, second], STATE, lambda url: "x") as listener:
            assert listener.start() == second
            assert listener.ipv6_address == ("::1", second)
        assert squat(socket.AF_INET, "127.0.0.1", first) is None  # the half bound on first was let go
    finally:
        holder.close()
