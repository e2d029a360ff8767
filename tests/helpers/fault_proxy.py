"""A small, bounded HTTP proxy on 127.0.0.1 in front of the sandbox, for answers its fault API cannot
give: a 401 for one path, a 307 from the token endpoint, a body of the wrong shape, a bad Retry-After,
a body of hundreds of megabytes (generated as it is sent, never held).

Everything else is forwarded to the sandbox as it came (redirects are passed back, not followed).
Every request the proxy sees is recorded (method, path, body), so a test can check what was re-sent.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import requests

MAX_FORWARDED_BODY = 16 * 1024 * 1024  # the proxy itself is bounded: it never buffers more than this
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "content-encoding", "host"}


@dataclass
class Answer:
    """A canned answer for requests whose method and path start match, ``count`` times."""

    method: str
    path_prefix: str
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    count: int = 1
    stream_bytes: int = 0  # > 0: send this many bytes of JSON-looking filler, generated as it goes
    declare_length: bool = True  # False: no Content-Length, the body ends when the connection closes


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    body: bytes


class FaultProxy:
    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")
        self.answers: list[Answer] = []
        self.seen: list[Seen] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def answer(self, method: str, path_prefix: str, status: int, body: bytes | str = b"", **kw: Any) -> None:
        data = body.encode() if isinstance(body, str) else body
        with self._lock:
            self.answers.append(Answer(method.upper(), path_prefix, status, data, **kw))

    def take(self, method: str, path: str) -> Answer | None:
        with self._lock:
            for answer in self.answers:
                if answer.method == method and path.startswith(answer.path_prefix) and answer.count > 0:
                    answer.count -= 1
                    if answer.count == 0:
                        self.answers.remove(answer)
                    return answer
        return None

    def __enter__(self) -> FaultProxy:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def _filler(total: int) -> Iterator[bytes]:
    head = b'{"Organisations": [{"Name": "'
    yield head
    chunk = b"x" * 65536
    left = total - len(head)
    while left > 0:
        piece = chunk[: min(left, len(chunk))]
        left -= len(piece)
        yield piece


def _handler(proxy: FaultProxy) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        timeout = 30

        def log_message(self, format: str, *args: Any) -> None:  # request lines carry codes
            pass

        def _relay(self) -> None:
            length = min(int(self.headers.get("Content-Length") or 0), MAX_FORWARDED_BODY)
            body = self.rfile.read(length) if length else b""
            proxy.seen.append(Seen(self.command, self.path, body))
            canned = proxy.take(self.command, self.path)
            if canned is not None:
                self._canned(canned)
                return
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
            upstream = requests.request(
                self.command,
                proxy.upstream + self.path,
                headers=headers,
                data=body,
                allow_redirects=False,
                timeout=(5, 60),
            )
            content = upstream.content[:MAX_FORWARDED_BODY]
            self.send_response(upstream.status_code)
            for key, value in upstream.headers.items():
                if key.lower() not in HOP_BY_HOP:
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)

        def _canned(self, canned: Answer) -> None:
            self.send_response(canned.status)
            headers = {"Content-Type": "application/json", **canned.headers}
            for key, value in headers.items():
                self.send_header(key, value)
            size = canned.stream_bytes or len(canned.body)
            if canned.declare_length:
                self.send_header("Content-Length", str(size))
            else:
                self.close_connection = True
            self.end_headers()
            try:
                if canned.stream_bytes:
                    for piece in _filler(canned.stream_bytes):
                        self.wfile.write(piece)
                else:
                    self.wfile.write(canned.body)
            except OSError:  # the client stopped reading: that is the point of a size cap
                self.close_connection = True

        do_GET = do_POST = do_PUT = do_DELETE = _relay

    return Handler
