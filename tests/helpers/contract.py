"""Requests and answers checked against Xero's OpenAPI files (resources/xero-openapi)."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import requests
from openapi_core import Config, OpenAPI
from openapi_core.contrib.requests import RequestsOpenAPIRequest, RequestsOpenAPIResponse

SPECS = Path(__file__).resolve().parents[2] / "resources" / "xero-openapi"


@cache
def spec(name: str) -> OpenAPI:
    # Xero's own file has string defaults on boolean fields, so skip the check of the spec itself.
    config = Config(spec_validator_cls=None, extra_format_validators={"date-time": xero_date_time})
    return OpenAPI.from_file_path(str(SPECS / name), config=config)


XERO_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,7})?(Z|[+-]\d{2}:\d{2})?$")


def xero_date_time(value: object) -> bool:
    """Xero writes UTC times without a zone ("2019-12-07T18:46:19.5165400"), as the spec's own
    /Connections example shows, though RFC 3339 wants one; accept both forms."""
    return not isinstance(value, str) or bool(XERO_DATE_TIME.match(value))


def as_xero(prepared: requests.PreparedRequest, base_url: str) -> tuple[requests.PreparedRequest, str]:
    """The same request as it would go to api.xero.com, and the spec that describes it."""
    copy = prepared.copy()
    path = (prepared.url or "")[len(base_url) :]
    if path.startswith("/connections"):
        # Xero's paths are case-insensitive; its identity file spells the path /Connections.
        copy.url = "https://api.xero.com/Connections" + path[len("/connections") :]
        return copy, "xero-identity.yaml"
    copy.url = "https://api.xero.com" + path
    return copy, "xero_accounting.yaml"


def contract_problems(
    exchanges: list[requests.Response], base_url: str, errors_too: bool = True
) -> list[str]:
    """Every request, and every answer (or only the successful ones), checked against Xero's files;
    all mismatches are collected so one failure shows them all."""
    problems = []
    for response in exchanges:
        request, spec_name = as_xero(response.request, base_url)
        openapi = spec(spec_name)
        wrapped = RequestsOpenAPIRequest(request)
        try:
            openapi.validate_request(wrapped)
        except Exception as exc:
            problems.append(f"request {request.method} {request.path_url}: {str(exc)[:300]}")
        if not (errors_too or response.ok):
            continue
        try:
            openapi.validate_response(wrapped, RequestsOpenAPIResponse(response))
        except Exception as exc:
            problems.append(f"response {request.method} {request.path_url}: {str(exc)[:300]}")
    return problems
