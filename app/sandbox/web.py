"""Tiny request/response types shared by the sandbox's route modules."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

NOT_FOUND_TEXT = "The resource you're looking for cannot be found"


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-cased names
    body: bytes = b""
    delay: float = 0.0  # set by a "delay" fault; applied while the request counts as in flight
    no_rotation: bool = False  # set by a "no_rotation" fault: a refresh answers without a refresh token

    def arg(self, name: str, default: str | None = None) -> str | None:
        """Query parameter, matched case-insensitively as Xero does."""
        for key, values in self.query.items():
            if key.lower() == name.lower() and values:
                return values[0]
        return default

    def form(self) -> dict[str, list[str]]:
        return parse_qs(self.body.decode("utf-8", "replace"), keep_blank_values=True)

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8") or "null")


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False  # close the socket without answering


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    out = {"Content-Type": "application/json; charset=utf-8"}
    out.update(headers or {})
    return Response(status, json.dumps(data).encode(), out)


def text_response(text: str, status: int = 200, content_type: str = "text/plain") -> Response:
    return Response(status, text.encode(), {"Content-Type": f"{content_type}; charset=utf-8"})


def html_response(html: str, status: int = 200) -> Response:
    return text_response(html, status, "text/html")


def redirect(location: str) -> Response:
    return Response(302, b"", {"Location": location, "Cache-Control": "no-store"})


def not_found() -> Response:
    return text_response(NOT_FOUND_TEXT, 404)


def problem(status: int, detail: str) -> Response:
    """Xero's RFC 7807-style body for 401/403 on the API."""
    title = {401: "Unauthorized", 403: "Forbidden"}.get(status, "Error")
    return json_response(
        {
            "Type": None,
            "Title": title,
            "Status": status,
            "Detail": detail,
            "Instance": str(uuid.uuid4()),
            "Extensions": {},
        },
        status,
    )


def oauth_error(error: str) -> Response:
    return json_response({"error": error}, 400, {"Cache-Control": "no-store", "Pragma": "no-cache"})
