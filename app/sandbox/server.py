"""SandboxServer: the threaded loopback HTTP server, plus run_sandbox() for the command line."""

from __future__ import annotations

import contextlib
import errno
import ipaddress
import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

from app.sandbox import router, store
from app.sandbox.state import Consent, SandboxState
from app.sandbox.web import Request, Response, json_response

MAX_BODY = 10 * 1024 * 1024  # Xero's 2026 request size limit


class PortInUseError(OSError):
    """The chosen port is taken; the message is one sentence fit for the command line."""


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class _Handler(BaseHTTPRequestHandler):
    server: _HTTPServer
    server_version = "XeroSandbox/1.0"

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: request lines carry codes and tokens in query strings, so they are never logged."""

    def _serve(self) -> None:
        owner = self.server.owner
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            # Read the body away first, as a real front end does: closing on a client still sending
            # would reach it as a reset connection instead of Xero's 413.
            left = length
            while left > 0 and (chunk := self.rfile.read(min(left, 1 << 20))):
                left -= len(chunk)
            self.close_connection = True
            self._send(Response(413, b"Request too large", {"Content-Type": "text/plain"}))
            return
        req = Request(
            self.command,
            parts.path or "/",
            parse_qs(parts.query, keep_blank_values=True),
            {k.lower(): v for k, v in self.headers.items()},
            self.rfile.read(length) if length else b"",
        )
        if req.path.startswith("/sandbox/") and not _is_loopback(self.client_address[0]):
            self._send(json_response({"error": "The control API is only available on loopback."}, 403))
            return
        try:
            response = router.route(owner.state, req)
        except Exception:  # keep serving; a sandbox bug must not kill the thread silently
            response = json_response(
                {"ErrorNumber": 500, "Type": "UnknownErrorException", "Message": "Sandbox internal error"},
                500,
            )
        if response.drop:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        self._send(response)
        if router.mutates(req):
            owner.persist()

    def _send(self, response: Response) -> None:
        self.send_response(response.status)
        headers = {"Content-Length": str(len(response.body)), **response.headers}
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _serve


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    owner: SandboxServer

    def server_bind(self) -> None:
        # Skip HTTPServer's getfqdn() reverse lookup: no name resolution, loopback only.
        socket.socket.setsockopt(self.socket, socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.socket.bind(self.server_address)
        self.server_address = self.socket.getsockname()
        self.server_name, self.server_port = "localhost", self.server_address[1]

    def handle_error(self, request: socket.socket | tuple[bytes, socket.socket], client_address: Any) -> None:
        """A client that went away mid-answer (a killed CLI, a timed-out test) is not the sandbox's
        fault, as for a real front end: no traceback on the terminal. Anything else is printed."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class SandboxServer:
    def __init__(
        self, host: str = "127.0.0.1", port: int = 0, data_dir: str | None = None, auto_consent: bool = False
    ) -> None:
        if not _is_loopback(host):
            raise ValueError("The sandbox only binds to loopback addresses.")
        self.host, self.port, self.data_dir = host, port, data_dir
        self.state = SandboxState(consent=Consent(auto=auto_consent))
        if data_dir:
            store.load(self.state, data_dir)
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._save_lock = threading.Lock()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        try:
            httpd = _HTTPServer((self.host, self.port), _Handler, bind_and_activate=False)
            httpd.server_bind()
            httpd.server_activate()
        except OSError as exc:
            httpd.server_close()
            if exc.errno == errno.EADDRINUSE:
                raise PortInUseError(
                    errno.EADDRINUSE, f"Port {self.port} is already in use; choose another with --port."
                ) from exc
            raise
        httpd.owner = self
        self._httpd = httpd
        self.port = httpd.server_address[1]
        self.state.base_url = self.base_url
        self._thread = threading.Thread(
            target=httpd.serve_forever, args=(0.05,), name="xero-sandbox", daemon=True
        )
        self._thread.start()

    def persist(self) -> None:
        if self.data_dir:
            with self._save_lock:
                store.save(self.state, self.data_dir)

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        self.persist()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def run_sandbox(port: int = 8765, data_dir: str | None = None, auto_consent: bool = False) -> int:
    """Serve until Ctrl+C; returns a process exit code."""
    server = SandboxServer(port=port, data_dir=data_dir, auto_consent=auto_consent)
    try:
        server.start()
    except PortInUseError as exc:
        print(exc.strerror, file=sys.stderr)
        return 1
    print(
        f"Xero sandbox listening on {server.base_url} (developer portal: {server.base_url}/app/manage)",
        flush=True,
    )
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0
