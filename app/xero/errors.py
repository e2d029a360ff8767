"""Xero's answers as typed errors whose message is a sentence the user can act on, and the one mapper.

The base class and the errors that are not about Xero are in ``app/errors.py``. The UI and the CLI
show ``str(error)`` as it is; they never write their own wording. No message may contain a secret, a
token or an authorization code.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from app.errors import XeroConnectError

if TYPE_CHECKING:  # requests costs a tenth of a second to import; the wizard's first page needs none
    import requests


class NetworkError(XeroConnectError):
    pass


class XeroUnavailable(XeroConnectError):
    pass


class SecretRejected(XeroConnectError):
    pass


WRONG_SECRET = (
    "Xero says this client secret is wrong for this client ID: copy the secret again from the "
    "app's Configuration tab in Xero, or generate a new one there (step 3) and paste that."
)


class WrongSecret(SecretRejected):
    """Xero's token endpoint authenticated the client before any consent and refused the secret."""

    def __init__(self, message: str = WRONG_SECRET) -> None:
        super().__init__(message)


class ReauthorisationNeeded(XeroConnectError):
    pass


class GrantInvalid(ReauthorisationNeeded):
    """Xero's token endpoint said ``invalid_grant``: the saved authorisation is dead for good.

    The only evidence that sets ``needs_reauthorisation``; a refused access token or tokens missing
    from this session's keyring are not (the next refresh or another session may still work).
    """


class ConsentRefused(XeroConnectError):
    pass


class RedirectUriNotRegistered(XeroConnectError):
    pass


class UnknownClient(XeroConnectError):
    pass


class InvalidScope(XeroConnectError):
    pass


class TenantDisconnected(XeroConnectError):
    pass


class MissingScope(XeroConnectError):
    pass


class RateLimited(XeroConnectError):
    def __init__(self, message: str, problem: str, retry_after: float | None) -> None:
        super().__init__(message)
        self.problem = problem
        self.retry_after = retry_after


class ValidationFailed(XeroConnectError):
    def __init__(self, message: str, details: list[str]) -> None:
        super().__init__(message)
        self.details = details


class StillProcessing(XeroConnectError):
    """409 to a request whose Idempotency-Key names one still being processed: its outcome is not known
    yet (the sandbox and the IETF Idempotency-Key draft answer so; Xero does not document it)."""


class RequestTooLarge(XeroConnectError):
    """413: Xero refused the request for its size before processing it; nothing was created."""


class NotFound(XeroConnectError):
    pass


class CallbackError(XeroConnectError):
    """The browser came back to the loopback listener with something we cannot accept."""


class CallbackTimeout(XeroConnectError):
    pass


class TenantChoiceNeeded(XeroConnectError):
    pass


class AnswerTooLarge(XeroConnectError):
    pass


RATE_LIMIT_NAMES = {
    "minute": "the limit of 60 calls per minute for this organisation",
    "day": "this organisation's limit of calls per day (1,000 for an app on Xero's Starter tier, "
    "5,000 on Core and above)",
    "concurrent": "the limit of 5 calls at once for this organisation",
    "appminute": "the app-wide limit of 10,000 calls per minute",
}


def _json_body(response: requests.Response) -> dict[str, Any] | None:
    """Xero answers some errors in plain text (404, 503), so never assume JSON."""
    try:
        body = json.loads(response.content or b"null")
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _validation_messages(body: dict[str, Any]) -> list[str]:
    messages: list[str] = []
    elements = body.get("Elements")
    for element in elements if isinstance(elements, list) else []:
        errors = element.get("ValidationErrors") if isinstance(element, dict) else None
        for error in errors if isinstance(errors, list) else []:
            text = (error.get("Message") or error.get("Description")) if isinstance(error, dict) else None
            if text:
                messages.append(str(text))
    return messages


def retry_after_seconds(headers: Mapping[str, str]) -> float | None:
    """Retry-After as seconds, when it is a finite number (negative counts as 0).

    Anything else (``nan``, ``1e400``, an HTTP date, junk) is None: the caller backs off on its own.
    """
    try:
        value = float(headers["Retry-After"])
    except (KeyError, ValueError):
        return None
    return max(0.0, value) if math.isfinite(value) else None


def describe_wait(seconds: float | None) -> str:
    if seconds is None or not math.isfinite(seconds):
        return "later"
    seconds = max(0, round(seconds))
    if seconds < 90:
        return f"in {seconds} seconds"
    if seconds < 5400:
        return f"in {round(seconds / 60)} minutes"
    return f"in about {round(seconds / 3600)} hours"


def rate_limited(response: requests.Response) -> RateLimited:
    problem = (response.headers.get("X-Rate-Limit-Problem") or "minute").lower()
    retry_after = retry_after_seconds(response.headers)
    limit = RATE_LIMIT_NAMES.get(problem, f"a Xero rate limit ({problem})")
    when = describe_wait(retry_after)
    return RateLimited(
        f"Xero is rate limiting this connection: {limit} was reached; try again {when}.",
        problem,
        retry_after,
    )


def map_api_error(response: requests.Response) -> XeroConnectError:
    """Turn a failed Accounting or connections API answer into one sentence."""
    status = response.status_code
    body = _json_body(response) or {}
    detail = str(body.get("Detail") or body.get("detail") or "")
    if status == 429:
        return rate_limited(response)
    if status == 401:
        if detail.startswith("TokenExpired"):
            return ReauthorisationNeeded(
                "Xero says the access token has expired and it could not be renewed; "
                "authorise Xero Connect again."
            )
        return ReauthorisationNeeded(
            "Xero refused this connection's access token even after it was renewed; try again in a few "
            "minutes, and if it keeps happening authorise Xero Connect again."
        )
    if status == 403:
        if "AuthorizationUnsuccessful" in detail:
            return MissingScope(
                "Xero refused the request because this connection lacks the permission (scope) it needs; "
                "authorise Xero Connect again so Xero can ask for it."
            )
        return TenantDisconnected(
            "Xero refused access to the chosen organisation: it has been disconnected from this app "
            "or the user lost access; reconnect it with the setup wizard."
        )
    if status == 400 and body.get("Type") == "ValidationException":
        details = _validation_messages(body)
        summary = "; ".join(details) if details else str(body.get("Message") or "validation failed")
        return ValidationFailed(f"Xero rejected the data: {summary}.", details)
    if status == 404:
        return NotFound("Xero could not find the requested record.")
    if status == 409:
        return StillProcessing(
            "Xero is still processing a batch whose answer was lost (a request timed out or a run was "
            "interrupted)."
        )
    if status == 413:
        return RequestTooLarge("Xero refused the request because it is larger than Xero accepts (HTTP 413).")
    if status in (500, 502, 503, 504):
        if status == 503 and "X-Rate-Limit-Problem" in response.headers:
            return rate_limited(response)
        return XeroUnavailable(f"Xero is unavailable right now (HTTP {status}); try again in a few minutes.")
    return XeroConnectError(f"Xero answered with an unexpected error (HTTP {status}).")


def map_token_error(response: requests.Response) -> XeroConnectError:
    """Turn an error from Xero's token endpoint (OAuth JSON ``{"error": ...}``) into one sentence."""
    body = _json_body(response) or {}
    error = str(body.get("error") or "")
    if error == "invalid_client" or response.status_code == 401:
        return SecretRejected(
            "Xero rejected the client ID or client secret; check both in the Xero developer portal "
            "and enter them again (generate a new secret if it was lost)."
        )
    if error == "invalid_grant":
        return GrantInvalid(
            "Xero no longer accepts the saved authorisation (it expired, was revoked or was already "
            "used); authorise Xero Connect again."
        )
    if error == "unauthorized_client":
        return UnknownClient(
            "Xero does not allow this client to use this kind of sign-in; check the app's integration "
            "type in the Xero developer portal."
        )
    if error == "invalid_scope":
        return InvalidScope("Xero refused the requested permissions (scopes) for this app.")
    if response.status_code >= 500:
        return XeroUnavailable(
            f"Xero's sign-in service is unavailable right now (HTTP {response.status_code}); "
            "try again in a few minutes."
        )
    if response.status_code == 429:
        return rate_limited(response)
    return XeroConnectError(
        f"Xero's sign-in service answered with an unexpected error ({error or response.status_code})."
    )


def network_error(exc: BaseException, what: str = "Xero") -> NetworkError:
    """A connection failure, without the URL's query string (it may carry a code)."""
    import requests  # network stack: loaded on first use

    if isinstance(exc, requests.Timeout):
        return NetworkError(f"{what} did not answer in time; check the network connection and try again.")
    return NetworkError(f"Could not reach {what}; check the network connection and try again.")
