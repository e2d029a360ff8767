"""The embedded localhost listener that receives Xero's redirect at the end of the browser sign-in.

Xero matches redirect URIs exactly (port included), so the admin registers a few fixed ports and the
listener takes the first free one. It serves only ``GET <path>``, checks ``state`` before anything
else, lets ``on_callback`` exchange the code and only then answers the browser, so the page tells the
truth about the outcome. It never writes the request line to a log: the query string holds the code.
"""

from __future__ import annotations

import base64
import contextlib
import errno
import hashlib
import hmac
import html
import os
import socket
import socketserver
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Generic, TypeVar, cast
from urllib.parse import parse_qs, urlsplit

from app import APP_NAME
from app.app_naming import CONNECTION_CAP_HINT
from app.errors import Cancelled, PortsBusy, XeroConnectError
from app.resources import resource_path
from app.xero.endpoints import CALLBACK_PATH, IPV4_LOOPBACK, redirect_uri
from app.xero.errors import CallbackTimeout

T = TypeVar("T")

PAGES_DIR = resource_path("listener")
IPV6_LOOPBACK = "::1"
POLL_INTERVAL = 0.05  # seconds: keeps cancel(), timeout and close() prompt
HANDLER_TIMEOUT = 10.0  # seconds: an idle browser preconnect must not hold a handler thread for long
# Seconds for the request line and headers in all: a client trickling a byte just inside
# HANDLER_TIMEOUT would otherwise hold its handler thread for ever.
REQUEST_DEADLINE = 15.0

SUCCESS_MESSAGE = (
    "Xero Connect is authorised. Return to Xero Connect (its window or the terminal): it shows the "
    "organisation you approved."
)
CLOSE_HINT = "You can close this tab now."
# Browsers close only tabs a script opened; where they refuse, the sentence above stays.
CLOSE_SCRIPT = "setTimeout(function () { window.close(); }, 1500);"
_SCRIPT_HASH = base64.b64encode(hashlib.sha256(CLOSE_SCRIPT.encode()).digest()).decode()
CONTENT_SECURITY_POLICY = (
    f"default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'sha256-{_SCRIPT_HASH}'"
)
STALE_MESSAGE = (
    "This answer does not belong to the current sign-in attempt. Use the tab opened by the latest "
    "sign-in, or start the authorisation again from Xero Connect."
)
ALREADY_HANDLED_MESSAGE = "Xero Connect has already received an answer for this sign-in attempt."
INTERNAL_ERROR_MESSAGE = (
    "Xero Connect could not finish the authorisation because of an internal error; "
    "return to Xero Connect and try again."
)
NOT_FOUND_MESSAGE = "Nothing is served at this address."
_FALLBACK_PAGE = (
    f'<!DOCTYPE html><html lang="en"><meta charset="utf-8"><title>{APP_NAME}</title><p>{{message}}</p>'
)


def join_ports(ports: Sequence[int | str]) -> str:
    names = [str(p) for p in ports]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def ports_busy_error(ports: Sequence[int]) -> PortsBusy:
    if len(ports) == 1:
        return PortsBusy(
            f"Port {ports[0]} is in use by another program; "
            "close that program or paste the redirect URL instead."
        )
    quantifier = "both" if len(ports) == 2 else "all"
    return PortsBusy(
        f"Ports {join_ports(ports)} are {quantifier} in use by other programs; "
        "close one of them or paste the redirect URL instead."
    )


def _describe_duration(seconds: float) -> str:
    if seconds >= 60:
        minutes = round(seconds / 60)
        return f"{minutes} minute" if minutes == 1 else f"{minutes} minutes"
    return f"{seconds:g} seconds"


# What reached the listener besides the awaited callback: the cause a timeout names.
NOTHING_ARRIVED = "nothing"
OTHER_PATH = "other path"
OTHER_STATE = "other state"


def timeout_error(timeout: float, redirect_uri: str, seen: str = NOTHING_ARRIVED) -> CallbackTimeout:
    """The sentence for a wait that ran out, naming what did (or did not) reach the listener."""
    within = _describe_duration(timeout)
    if seen == OTHER_STATE:
        return CallbackTimeout(
            f"No approval for this sign-in arrived within {within}: the browser came back to {redirect_uri} "
            "from an older approval page (a tab left from an earlier attempt). Click Retry and approve in "
            "the tab it opens."
        )
    if seen == OTHER_PATH:
        return CallbackTimeout(
            f"No approval arrived within {within}: the browser came back to this port at another address "
            f"than {redirect_uri}, so the redirect URI registered in Xero differs. Make it exactly "
            f"{redirect_uri} in the Xero developer portal, then click Retry."
        )
    return CallbackTimeout(
        f"Nothing came back from the browser within {within}: the approval page was probably closed, or "
        f"left without clicking Allow access (nothing reached {redirect_uri}). Click Retry to open it again. "
        + CONNECTION_CAP_HINT
    )


def waiting_hint(redirect_uri: str, seen: str) -> str:
    """Shown while the wait goes on for long: what the listener has seen so far, and what to do."""
    if seen == OTHER_STATE:
        return (
            "Taking long? An answer came from an older approval page; approve in the tab opened last, "
            "or click Open the page again."
        )
    if seen == OTHER_PATH:
        return (
            f"Taking long? The browser came back at another address than {redirect_uri}: the redirect "
            "URI registered in Xero must be exactly this one."
        )
    return (
        "Taking long? Nothing has come back from the browser yet. If you closed the approval tab, click "
        "Open the page again."
    )


def _logo_uri() -> str:
    """The app's logo as a data: URI (the page may load nothing from elsewhere); empty if missing."""
    try:
        svg = resource_path("icons", "xero-connect.svg").read_bytes()
    except OSError:
        return ""
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode()


def render_page(name: str, message: str) -> bytes:
    """Fill a page from resources/listener; replace() rather than format() because the CSS has braces."""
    try:
        template = (PAGES_DIR / name).read_text(encoding="utf-8")
    except OSError:  # a damaged install must still tell the user what happened
        template = _FALLBACK_PAGE
    return (
        template.replace("{logo}", _logo_uri())
        .replace("{close_hint}", html.escape(CLOSE_HINT))
        .replace("{close_script}", CLOSE_SCRIPT)
        .replace("{message}", html.escape(message))
        .encode("utf-8")
    )


def _exclusive_bind(sock: socket.socket) -> None:
    """POSIX needs SO_REUSEADDR to rebind over TIME_WAIT; on Windows it would let programs share a port."""
    if os.name == "nt":
        if hasattr(socket, "SO_EXCLUSIVEADDRUSE"):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_EXCLUSIVEADDRUSE, 1)
    else:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)


def _in_use(exc: OSError) -> bool:
    return exc.errno in (errno.EADDRINUSE, getattr(errno, "WSAEADDRINUSE", errno.EADDRINUSE))


def _ipv6_loopback_taken(port: int) -> bool:
    """True if another program listens on [::1]:port: browsers may resolve localhost to ::1 first."""
    if not socket.has_ipv6:
        return False
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as probe:
            _exclusive_bind(probe)
            probe.bind((IPV6_LOOPBACK, port))
    except OSError as exc:
        return _in_use(exc)
    return False


def find_free_port(ports: Sequence[int], host: str = IPV4_LOOPBACK) -> int | None:
    """The first port of ``ports`` the listener could bind now (a hint for the UI; start() re-checks)."""
    for port in ports:
        if _ipv6_loopback_taken(port):
            continue
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
                _exclusive_bind(probe)
                probe.bind((host, port))
                probe.listen(1)
        except OSError:
            continue
        return port
    return None


@dataclass(frozen=True)
class _Reply:
    status: int
    page: str
    message: str
    ends_flow: bool = False
    result: Any = None
    error: BaseException | None = None


class _CallbackServer(ThreadingHTTPServer):
    """One thread per connection, so an idle preconnect or a slow code exchange never blocks the loop."""

    daemon_threads = True
    block_on_close = False  # close() must not wait for a handler stuck in a slow exchange
    allow_reuse_address = False  # set per OS in server_bind()
    request_queue_size = 128  # the default 5 refuses the real callback behind a burst of browser preconnects

    def __init__(
        self, address: tuple[str, int], listener: LoopbackListener[Any], family: int = socket.AF_INET
    ) -> None:
        self.listener = listener
        self.address_family = family  # read by TCPServer.__init__ when it makes the socket
        super().__init__(address, _CallbackHandler)

    def server_bind(self) -> None:
        _exclusive_bind(self.socket)
        if self.address_family == socket.AF_INET6:
            # [::1] only: 127.0.0.1 is held by this server's IPv4 twin.
            self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        # HTTPServer.server_bind() would call getfqdn(), a reverse DNS lookup that can stall for seconds.
        socketserver.TCPServer.server_bind(self)
        self.server_name = "localhost"
        self.server_port = self.server_address[1]


class _CallbackHandler(BaseHTTPRequestHandler):
    server_version = "XeroConnect"
    sys_version = ""
    timeout = HANDLER_TIMEOUT
    request_deadline = REQUEST_DEADLINE

    def setup(self) -> None:
        super().setup()
        self._request_read = False
        self._deadline_lock = threading.Lock()
        self._deadline = threading.Timer(self.request_deadline, self._cut_off)
        self._deadline.daemon = True
        self._deadline.start()

    def _cut_off(self) -> None:
        """Past the deadline with the request still unread: close the connection, ending the handler."""
        with self._deadline_lock:
            if self._request_read:
                return
            with contextlib.suppress(OSError):  # already gone
                self.connection.shutdown(socket.SHUT_RDWR)

    def parse_request(self) -> bool:
        parsed = super().parse_request()  # reads the headers
        with self._deadline_lock:
            self._request_read = True  # from here on, the code exchange may take as long as it takes
        self._deadline.cancel()
        return parsed

    def finish(self) -> None:
        self._deadline.cancel()
        super().finish()

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the default access log: the request line carries the authorization code."""

    def do_GET(self) -> None:
        listener = cast(_CallbackServer, self.server).listener
        reply = listener._handle(self.path)
        try:
            self._send(reply.status, render_page(reply.page, reply.message))
        finally:
            # Deliver only after the page went out: the caller may close the listener or exit right away.
            listener._deliver(reply)

    def _not_found(self) -> None:
        self._send(404, render_page("error.html", NOT_FOUND_MESSAGE))

    do_POST = do_PUT = do_DELETE = do_HEAD = do_OPTIONS = do_PATCH = _not_found

    def _send(self, status: int, body: bytes) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.send_header("Referrer-Policy", "no-referrer")
            self.send_header("X-Content-Type-Options", "nosniff")
            self.send_header("Content-Security-Policy", CONTENT_SECURITY_POLICY)
            self.send_header("Connection", "close")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
        except OSError:  # the browser tab went away; the flow's outcome is already decided
            pass


class LoopbackListener(Generic[T]):
    """Waits for one browser redirect carrying the expected ``state`` and returns ``on_callback``'s result."""

    def __init__(
        self,
        ports: Sequence[int],
        expected_state: str,
        on_callback: Callable[[str], T],
        timeout: float = 300.0,
        host: str = IPV4_LOOPBACK,
    ) -> None:
        if not ports:
            raise ValueError("LoopbackListener needs at least one port")
        if not expected_state:
            raise ValueError("LoopbackListener needs the state of the pending authorization")
        self.ports = tuple(ports)
        self.timeout = timeout

        self.host = host
        self._expected_state = expected_state
        self._on_callback = on_callback
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._claimed = False  # a callback with the right state is being (or was) handled
        self._result: T | None = None
        self._error: BaseException | None = None
        self._server: _CallbackServer | None = None  # the one on ``host``
        self._servers: list[_CallbackServer] = []  # with its [::1] twin when there is one
        self._threads: list[threading.Thread] = []
        self._deadline = 0.0
        self._port: int | None = None
        self._seen = NOTHING_ARRIVED  # the latest request that was not the awaited callback

    # -- lifecycle -------------------------------------------------------------------------------------

    def start(self) -> int:
        """Bind the first port of ``ports`` (in order) free on ``host`` and, for 127.0.0.1, on [::1]
        too, and serve both in the background until the flow ends.

        Browsers resolve localhost to ::1 first; holding [::1]:port for the whole wait means no other
        program can bind it later and receive the code. Without IPv6 loopback, 127.0.0.1 serves alone.
        """
        if self._server is not None:
            raise RuntimeError("listener already started")
        for port in self.ports:
            servers = self._try_bind(port)
            if servers:
                break
        else:
            raise ports_busy_error(self.ports)
        self._server, self._servers, self._port = servers[0], servers, port
        self._deadline = time.monotonic() + self.timeout
        self._threads = [
            threading.Thread(
                target=server.serve_forever, args=(POLL_INTERVAL,), name=f"loopback-{port}", daemon=True
            )
            for server in servers
        ]
        for thread in self._threads:
            thread.start()
        return port

    def _try_bind(self, port: int) -> list[_CallbackServer]:
        try:
            first = _CallbackServer((self.host, port), self)
        except OSError:
            return []
        if self.host != IPV4_LOOPBACK:
            return [first]
        try:
            twin = _CallbackServer((IPV6_LOOPBACK, port), self, socket.AF_INET6)
        except OSError as exc:
            if _in_use(exc):  # another program holds [::1]:port and would get the browser's redirect
                first.server_close()
                return []
            return [first]  # no IPv6 loopback here (EADDRNOTAVAIL, EAFNOSUPPORT): 127.0.0.1 alone
        return [first, twin]

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("listener not started")
        return self._port

    @property
    def redirect_uri(self) -> str:
        return redirect_uri(self.port)

    @property
    def server_address(self) -> tuple[str, int] | None:
        return cast(tuple[str, int], self._server.server_address) if self._server else None

    @property
    def ipv6_address(self) -> tuple[str, int] | None:
        """[::1] and the port while its twin serves there; None without IPv6 loopback."""
        twins = [s for s in self._servers if s.address_family == socket.AF_INET6]
        return cast(tuple[str, int], tuple(twins[0].server_address[:2])) if twins else None

    def wait(self) -> T:
        """Block until a callback was handled, the timeout passed or cancel() was called.

        The port is released before this returns, so a caller that forgets close() leaks nothing.
        """
        if self._server is None:
            raise RuntimeError("listener not started")
        try:
            while not self._done.wait(POLL_INTERVAL):
                # Once a matching callback is being exchanged the timeout no longer applies.
                if not self._claimed and time.monotonic() >= self._deadline:
                    self._finish(error=timeout_error(self.timeout, self.redirect_uri, self._seen))
            if self._error is not None:
                raise self._error
            return cast(T, self._result)
        finally:
            self.close()

    @property
    def seen(self) -> str:
        """NOTHING_ARRIVED, OTHER_PATH or OTHER_STATE: what reached the listener besides the callback."""
        return self._seen

    def cancel(self) -> None:
        """Safe from any thread: wait() raises Cancelled."""
        self._finish(error=Cancelled("The authorisation was cancelled."))

    def close(self) -> None:
        """Stop serving and release the port; idempotent."""
        with self._lock:
            servers, threads = self._servers, self._threads
            self._threads = []
        if not threads:
            return
        for server in servers:
            server.shutdown()
            server.server_close()
        for thread in threads:
            thread.join()

    def __enter__(self) -> LoopbackListener[T]:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.cancel()
        self.close()

    # -- request handling (runs on a handler thread) ---------------------------------------------------

    def _finish(self, result: T | None = None, error: BaseException | None = None) -> bool:
        """Record the outcome once; later outcomes (a late exchange after cancel) are dropped."""
        with self._lock:
            if self._done.is_set():
                return False
            self._result, self._error = result, error
            self._done.set()
            return True

    def _claim(self) -> bool:
        with self._lock:
            if self._claimed or self._done.is_set():
                return False
            self._claimed = True
            return True

    def _handle(self, target: str) -> _Reply:
        """Decide status, page and message for one GET; never puts the request's values in the page."""
        parts = urlsplit(target)
        query = parse_qs(parts.query)
        if parts.path != CALLBACK_PATH:
            if "state" in query or "code" in query or "error" in query:  # Xero's answer, at another path
                self._seen = OTHER_PATH
            return _Reply(404, "error.html", NOT_FOUND_MESSAGE)
        state = (query.get("state") or [""])[0]
        # State first: a stale tab or a forged request must neither run the exchange nor end the flow.
        if not hmac.compare_digest(state.encode(), self._expected_state.encode()):
            self._seen = OTHER_STATE
            return _Reply(400, "error.html", STALE_MESSAGE)
        if not self._claim():
            return _Reply(409, "error.html", ALREADY_HANDLED_MESSAGE)
        return self._run_callback(f"{self.redirect_uri}?{parts.query}")

    def _run_callback(self, url: str) -> _Reply:
        try:
            result = self._on_callback(url)
        except XeroConnectError as exc:
            return _Reply(200, "error.html", str(exc), ends_flow=True, error=exc)
        except Exception as exc:  # a bug must still reach wait() instead of hanging the wizard
            return _Reply(500, "error.html", INTERNAL_ERROR_MESSAGE, ends_flow=True, error=exc)
        return _Reply(200, "success.html", SUCCESS_MESSAGE, ends_flow=True, result=result)

    def _deliver(self, reply: _Reply) -> None:
        if reply.ends_flow:
            self._finish(result=reply.result, error=reply.error)
