"""Injected failures (429/500/503/drop/delay) for testing a client's retry handling, and ``no_rotation``:
a refresh at the token endpoint answered without a new refresh token (Xero always rotates; other OAuth
servers need not), the one sent staying valid."""

from __future__ import annotations

from typing import Any

from app.sandbox.state import SandboxState
from app.sandbox.web import Request, Response, json_response, text_response

KINDS = ("429", "500", "503", "drop", "delay", "no_rotation")


def add(state: SandboxState, spec: dict[str, Any]) -> dict[str, Any]:
    kind = str(spec.get("kind"))
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}")
    fault = {
        "kind": kind,
        "count": int(spec.get("count", 1)),
        "path_prefix": str(spec.get("path_prefix") or ""),
        "path": str(spec.get("path") or ""),  # set: this exact path only (not .../History below it)
        "method": str(spec.get("method") or "").upper(),  # "" = any method
        "delay_seconds": float(spec.get("delay_seconds", 1.0)),
        "problem": str(spec.get("problem", "minute")),
        "retry_after": spec.get("retry_after"),
    }
    with state.lock:
        state.faults.append(fault)
    return fault


def take(state: SandboxState, req: Request) -> dict[str, Any] | None:
    """Consume one matching fault, if any (first added, first used)."""
    with state.lock:
        for fault in state.faults:
            method_matches = not fault.get("method") or req.method.upper() == fault["method"]
            path_matches = (
                req.path == fault["path"] if fault.get("path") else req.path.startswith(fault["path_prefix"])
            )
            if path_matches and method_matches and fault["count"] > 0:
                fault["count"] -= 1
                if fault["count"] == 0:
                    state.faults.remove(fault)
                return dict(fault)
    return None


def respond(state: SandboxState, fault: dict[str, Any]) -> Response | None:
    """The injected response, or None for a delay or no_rotation (the caller handles the request)."""
    kind = fault["kind"]
    if kind == "drop":
        return Response(drop=True)
    if kind == "429":
        state.bump("rate_limited")
        retry = fault["retry_after"] if fault["retry_after"] is not None else 1
        return Response(429, b"", {"X-Rate-Limit-Problem": fault["problem"], "Retry-After": str(int(retry))})
    if kind == "500":
        return json_response(
            {
                "ErrorNumber": 500,
                "Type": "UnknownErrorException",
                "Message": "An error occurred in Xero. Please try again.",
            },
            500,
        )
    if kind == "503":
        response = text_response("The Xero API is currently offline for maintenance", 503)
        if fault["retry_after"] is not None:
            response.headers["Retry-After"] = str(int(fault["retry_after"]))
        return response
    return None
