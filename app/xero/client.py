"""The Accounting API client: the few Xero calls this program makes, each answer typed or mapped to an error.

Every failure leaves here as an error from :mod:`app.xero.errors` (through ``map_api_error``), so the
UI and the CLI only ever show its sentence.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import quote

import requests

from app.errors import XeroConnectError
from app.xero.endpoints import XeroEndpoints
from app.xero.errors import GrantInvalid, NotFound, TenantChoiceNeeded, map_api_error
from app.xero.http import RetryPolicy, make_session, send
from app.xero.json_body import dumps

log = logging.getLogger(__name__)
CORRELATION_HEADER = "Xero-Correlation-Id"  # what Xero's support asks for about one call

PAGE_SIZE = 100  # Xero's page size when no pageSize is sent
MAX_PAGE_SIZE = 1000  # the largest pageSize Xero takes on Contacts, Invoices and other paged lists
MAX_BATCH = 50  # Xero's advised ceiling of elements per PUT; the caller splits larger batches
MINUTE_WAIT = 60.0  # Xero's minute window is fixed but its start is unknown: a full minute always clears it


class AccessTokenProvider(Protocol):
    # Refreshes this provider made itself: a token renewed by another process does not count.
    refresh_count: int

    def access_token(self) -> str:
        """A valid access token, refreshed beforehand if it is near expiry."""
        ...

    def refresh_after_401(self, rejected: str) -> str:
        """Xero rejected ``rejected``: refresh once (single-flight) and return the new token."""
        ...


@dataclass(frozen=True)
class Connection:
    id: str  # for DELETE /connections/{id}
    tenant_id: str  # for the xero-tenant-id header
    tenant_name: str
    tenant_type: str
    auth_event_id: str | None
    created: str
    updated: str

    @classmethod
    def from_json(cls, item: dict[str, Any]) -> Connection:
        return cls(
            id=str(item.get("id") or ""),
            tenant_id=str(item.get("tenantId") or ""),
            tenant_name=str(item.get("tenantName") or ""),
            tenant_type=str(item.get("tenantType") or ""),
            auth_event_id=item.get("authEventId"),
            created=str(item.get("createdDateUtc") or ""),
            updated=str(item.get("updatedDateUtc") or ""),
        )


@dataclass
class RateLimitStatus:
    day_remaining: int | None = None
    minute_remaining: int | None = None
    app_minute_remaining: int | None = None


LIMIT_HEADERS = {
    "X-DayLimit-Remaining": "day_remaining",
    "X-MinLimit-Remaining": "minute_remaining",
    "X-AppMinLimit-Remaining": "app_minute_remaining",
}


@dataclass(frozen=True)
class BatchItemResult:
    index: int  # position in the batch that was sent
    ok: bool
    record: dict[str, Any]  # the element as Xero echoed it (InvoiceID etc. when ok)
    errors: list[str]
    warnings: list[str]

    @classmethod
    def from_element(cls, index: int, element: dict[str, Any]) -> BatchItemResult:
        errors = _messages(element.get("ValidationErrors"))
        status = str(element.get("StatusAttributeString") or "").upper()
        ok = status != "ERROR" and not element.get("HasErrors") and not errors
        return cls(index, ok, element, errors, _messages(element.get("Warnings")))


def _messages(items: Any) -> list[str]:
    # Xero's examples use both {"Message": ...} and {"Description": ...} inside elements.
    texts = (item.get("Message") or item.get("Description") for item in items or [] if isinstance(item, dict))
    return [str(text) for text in texts if text]


def _quote_where(value: str) -> str:
    """A string literal for Xero's ``where``: backslashes and double quotes escaped with a backslash."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def where_references(references: Sequence[str]) -> str:
    """Xero's `where` for invoices with any of these References (Invoices has no References= filter;
    an OR of equalities is the documented way; Xero compares them ignoring case)."""
    return " OR ".join(f"Reference=={_quote_where(ref)}" for ref in references)


def _csv(values: Sequence[str]) -> str | None:
    return ",".join(values) if values else None


def _segment(value: str) -> str:
    # An ID or invoice number goes in the path: encode "/" and friends so it stays one segment.
    return quote(value, safe="")


class XeroClient:
    def __init__(
        self,
        endpoints: XeroEndpoints,
        tokens: AccessTokenProvider,
        tenant_id: str | None = None,
        session: requests.Session | None = None,
        policy: RetryPolicy | None = None,
        on_authorisation: Callable[[bool], None] | None = None,
        on_failed_call: Callable[[str], None] | None = None,
    ) -> None:
        """``on_authorisation`` hears True after every answered call and False when Xero said the
        grant is dead (invalid_grant); nothing else is evidence either way. ``on_failed_call`` hears
        a line naming each failed call and its Xero-Correlation-Id."""
        self.endpoints = endpoints
        self.on_authorisation = on_authorisation
        self.on_failed_call = on_failed_call
        self.tokens = tokens
        self.tenant_id = tenant_id
        self.session = session or make_session()
        self.policy = policy or RetryPolicy()
        self.limits = RateLimitStatus()

    def wait_for_minute_limit(self, on_wait: Callable[[], None] | None = None) -> None:
        """Before a call: when Xero's last answer said this minute's calls are spent, wait for the next
        minute instead of provoking a 429 (Xero counts rejected calls too); ``on_wait`` hears it first."""
        if self.limits.minute_remaining is not None and self.limits.minute_remaining <= 0:
            if on_wait is not None:
                on_wait()
            self.policy.sleep(MINUTE_WAIT)
            self.limits.minute_remaining = None  # unknown until the next answer says

    # -- plumbing -------------------------------------------------------------------------------

    def _note_limits(self, response: requests.Response) -> None:
        for header, attr in LIMIT_HEADERS.items():
            value = response.headers.get(header)
            if value is None:
                continue
            try:
                setattr(self.limits, attr, int(value))
            except ValueError:
                continue  # a malformed header must not fail a good answer

    def _headers(self, token: str, tenant: bool, extra: dict[str, str] | None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        if tenant:
            if not self.tenant_id:
                raise TenantChoiceNeeded(
                    "No Xero organisation is chosen for this connection; pick one in the setup wizard."
                )
            headers["xero-tenant-id"] = self.tenant_id
        headers.update(extra or {})
        return headers

    def _request(
        self,
        method: str,
        url: str,
        *,
        tenant: bool = True,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> requests.Response:
        """One call with auth headers; a 401 gets exactly one token refresh; any other failure is mapped."""
        try:
            response = self._authorised(method, url, tenant, headers, kwargs)
        except GrantInvalid:
            self._tell(alive=False)
            raise
        if not response.ok:
            self._note_failure(method, url, response)
            raise map_api_error(response)
        self._tell(alive=True)
        return response

    def _note_failure(self, method: str, url: str, response: requests.Response) -> None:
        """Log every failed call with the id Xero's support can look it up by; tell the model."""
        correlation = response.headers.get(CORRELATION_HEADER, "").strip()[:100] or "(none sent)"
        path = url.split("?", 1)[0].removeprefix(self.endpoints.api_base)
        line = (
            f"{correlation} ({method} {path or url} answered {response.status_code}, "
            f"{time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime())})"
        )
        # A 404 is how a look-up says "not there" (before every draft run): logged, never the last failure.
        level = logging.INFO if response.status_code == 404 else logging.WARNING
        log.log(
            level,
            "Xero call failed: %s %s answered %d; %s %s",
            method,
            path or url,
            response.status_code,
            CORRELATION_HEADER,
            correlation,
        )
        if self.on_failed_call is not None and response.status_code != 404:
            self.on_failed_call(line)

    def _tell(self, alive: bool) -> None:
        if self.on_authorisation is not None:
            self.on_authorisation(alive)

    def _authorised(
        self, method: str, url: str, tenant: bool, headers: dict[str, str] | None, kwargs: dict[str, Any]
    ) -> requests.Response:
        token = self.tokens.access_token()
        response = self._send(method, url, self._headers(token, tenant, headers), kwargs)
        if response.status_code == 401:
            renewed = self.tokens.refresh_count
            token = self.tokens.refresh_after_401(token)
            response = self._send(method, url, self._headers(token, tenant, headers), kwargs)
            if response.status_code == 401 and self.tokens.refresh_count == renewed:
                # The token came from another process's refresh (not renewed here) and Xero refused it
                # too, e.g. its expiry by Xero's clock passed: renew it ourselves, once.
                token = self.tokens.refresh_after_401(token)
                response = self._send(method, url, self._headers(token, tenant, headers), kwargs)
        return response

    def _send(
        self, method: str, url: str, headers: dict[str, str], kwargs: dict[str, Any]
    ) -> requests.Response:
        return send(
            self.session,
            method,
            url,
            policy=self.policy,
            on_response=self._note_limits,
            headers=headers,
            **kwargs,
        )

    def _get(self, path: str, key: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        response = self._request("GET", f"{self.endpoints.api_base}/{path}", params=_drop_none(params))
        return _records(response, key)

    def _get_one(self, path: str, key: str) -> dict[str, Any] | None:
        try:
            items = self._get(path, key)
        except NotFound:
            return None
        return items[0] if items else None

    def _put_batch(
        self,
        path: str,
        key: str,
        items: Sequence[dict[str, Any]],
        idempotency_key: str | None,
        params: dict[str, Any] | None = None,
        method: str = "PUT",
        body: str | None = None,
    ) -> list[BatchItemResult]:
        if len(items) > MAX_BATCH:
            raise ValueError(f"at most {MAX_BATCH} {key} per request; got {len(items)}")
        if not items:
            return []
        # Without a key a retried PUT could create the batch twice; a fresh key makes retries safe.
        headers = {
            "Idempotency-Key": idempotency_key or str(uuid.uuid4()),
            "Content-Type": "application/json",
        }
        query = {"summarizeErrors": "false", **_drop_none(params)}
        url = f"{self.endpoints.api_base}/{path}"
        data = (body if body is not None else dumps({key: list(items)})).encode("utf-8")
        response = self._request(method, url, params=query, headers=headers, data=data)
        elements = _records(response, key)
        return [BatchItemResult.from_element(i, element) for i, element in enumerate(elements)]

    # -- connections (identity API: Bearer only, no tenant) ------------------------------------

    def connections(self, auth_event_id: str | None = None) -> list[Connection]:
        params = {"authEventId": auth_event_id} if auth_event_id else None
        response = self._request("GET", self.endpoints.connections_url, tenant=False, params=params)
        body = _decode(response)
        if body is None:
            return []
        if not isinstance(body, list) or not all(isinstance(item, dict) for item in body):
            raise XeroConnectError(
                "Xero sent a list of connected organisations this program cannot read; try again in a "
                "few minutes."
            )
        return [Connection.from_json(item) for item in body]

    def delete_connection(self, connection_id: str) -> None:
        self._request("DELETE", f"{self.endpoints.connections_url}/{_segment(connection_id)}", tenant=False)

    # -- settings ------------------------------------------------------------------------------

    def organisation(self) -> dict[str, Any]:
        organisations = self._get("Organisation", "Organisations")
        if not organisations:
            raise XeroConnectError("Xero returned no organisation details for the chosen connection.")
        return organisations[0]

    def organisation_actions(self) -> list[dict[str, Any]]:
        return self._get("Organisation/Actions", "Actions")

    def accounts(self) -> list[dict[str, Any]]:
        return self._get("Accounts", "Accounts")

    def tax_rates(self) -> list[dict[str, Any]]:
        return self._get("TaxRates", "TaxRates")

    def items(self) -> list[dict[str, Any]]:
        return self._get("Items", "Items")

    def tracking_categories(self) -> list[dict[str, Any]]:
        """Active tracking categories with their active options."""
        return self._get("TrackingCategories", "TrackingCategories")

    def currencies(self) -> list[dict[str, Any]]:
        """The organisation's enabled currencies, its base currency included."""
        return self._get("Currencies", "Currencies")

    # -- contacts ------------------------------------------------------------------------------

    def contacts(
        self,
        *,
        where: str | None = None,
        search_term: str | None = None,
        page: int | None = None,
        ids: Sequence[str] = (),
        page_size: int | None = None,
    ) -> list[dict[str, Any]]:
        params = {
            "where": where,
            "searchTerm": search_term,
            "page": page,
            "IDs": _csv(ids),
            "pageSize": page_size,
        }
        return self._get("Contacts", "Contacts", params)

    def find_contact_by_name(self, name: str) -> dict[str, Any] | None:
        """Xero's Name filter is optimised and case-insensitive, so one call answers it."""
        found = self.contacts(where=f"Name=={_quote_where(name)}")
        return found[0] if found else None

    def put_contacts(
        self, contacts: Sequence[dict[str, Any]], idempotency_key: str | None = None
    ) -> list[BatchItemResult]:
        return self._put_batch("Contacts", "Contacts", contacts, idempotency_key)

    # -- invoices ------------------------------------------------------------------------------

    def invoices(
        self,
        *,
        page: int | None = None,
        statuses: Sequence[str] = (),
        invoice_numbers: Sequence[str] = (),
        ids: Sequence[str] = (),
        references: Sequence[str] = (),
        search_term: str | None = None,
        created_by_my_app: bool = False,
    ) -> list[dict[str, Any]]:
        where = where_references(references) or None
        params = {
            "page": page,
            "Statuses": _csv(statuses),
            "InvoiceNumbers": _csv(invoice_numbers),
            "IDs": _csv(ids),
            "where": where,
            "searchTerm": search_term,
            "createdByMyApp": "true" if created_by_my_app else None,
        }
        return self._get("Invoices", "Invoices", params)

    def get_invoice(self, invoice_id_or_number: str) -> dict[str, Any] | None:
        return self._get_one(f"Invoices/{_segment(invoice_id_or_number)}", "Invoices")

    def put_invoices(
        self,
        invoices: Sequence[dict[str, Any]],
        idempotency_key: str | None = None,
        unitdp: int | None = None,
        body: str | None = None,
    ) -> list[BatchItemResult]:
        """Create up to 50 invoices; each element's own outcome comes back (summarizeErrors=false).

        ``body``: the request exactly as sent before (a pending batch's, as the ledger keeps it), sent
        byte for byte instead of encoding ``invoices`` again."""
        params = {"unitdp": unitdp}
        return self._put_batch("Invoices", "Invoices", invoices, idempotency_key, params, body=body)

    def post_invoices(
        self,
        invoices: Sequence[dict[str, Any]],
        idempotency_key: str | None = None,
        unitdp: int | None = None,
    ) -> list[BatchItemResult]:
        """Update up to 50 invoices in place (each carries its InvoiceID); each element's own outcome."""
        return self._put_batch("Invoices", "Invoices", invoices, idempotency_key, {"unitdp": unitdp}, "POST")

    def put_history(self, invoice_id: str, details: str, idempotency_key: str | None = None) -> None:
        """Add a note to the invoice's History and notes."""
        headers = {"Idempotency-Key": idempotency_key or str(uuid.uuid4())}
        url = f"{self.endpoints.api_base}/Invoices/{_segment(invoice_id)}/History"
        self._request("PUT", url, headers=headers, json={"HistoryRecords": [{"Details": details}]})

    # -- quotes --------------------------------------------------------------------------------

    def quotes(
        self, *, status: str | None = None, page: int | None = None, contact_id: str | None = None
    ) -> list[dict[str, Any]]:
        params = {"Status": status, "page": page, "ContactID": contact_id}
        return self._get("Quotes", "Quotes", params)

    def get_quote(self, quote_id: str) -> dict[str, Any] | None:
        return self._get_one(f"Quotes/{_segment(quote_id)}", "Quotes")

    # -- paging --------------------------------------------------------------------------------

    def all_pages(
        self, fetch: Callable[..., list[dict[str, Any]]], page_size: int | None = None, **filters: Any
    ) -> Iterator[dict[str, Any]]:
        """Every record of a paged list, e.g. ``client.all_pages(client.quotes, status="ACCEPTED")``;
        ``page_size`` for the lists that take Xero's pageSize (up to MAX_PAGE_SIZE)."""
        page, size = 1, page_size or PAGE_SIZE
        while True:
            records = (
                fetch(page=page, **filters)
                if page_size is None
                else fetch(page=page, page_size=page_size, **filters)
            )
            yield from records
            if len(records) < size:
                return
            page += 1


def _drop_none(params: dict[str, Any] | None) -> dict[str, Any]:
    return {key: value for key, value in (params or {}).items() if value is not None}


def _records(response: requests.Response, key: str) -> list[dict[str, Any]]:
    """The list of records under ``key``; an answer of another shape is a sentence, never a crash."""
    body = _decode(response)
    if body is None:
        return []
    records = body.get(key) if isinstance(body, dict) else None
    if isinstance(body, dict) and records is None:
        return []
    if not isinstance(records, list) or not all(isinstance(item, dict) for item in records):
        where = f"{key} is not a list of records" if isinstance(body, dict) else "not an object"
        raise XeroConnectError(
            f"Xero sent an answer this program cannot read (HTTP {response.status_code}, {where}); "
            "try again in a few minutes."
        )
    return records


def _decode(response: requests.Response) -> Any:
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError as exc:
        raise XeroConnectError(
            f"Xero sent an answer this program cannot read (HTTP {response.status_code}, not JSON)."
        ) from exc
