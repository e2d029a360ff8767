"""Xero's `where` filters and `order` as the sandbox reads them, alone and through the API over loopback."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.sandbox.query import QueryError
from app.sandbox.where import parse_where
from tests.helpers.sandbox import Sandbox

Session = tuple[Sandbox, dict, dict, str]
INVOICE = {
    "Reference": "CRM Q-1042",
    "Status": "DRAFT",
    "Date": "/Date(1769817600000+0000)/",  # 2026-01-31
    "DueDate": "2026-02-14T00:00:00",
    "AmountDue": 120.5,
    "HasAttachments": False,
    "Contact": {"ContactID": "0A1B2C3D-0000-4000-8000-000000000001", "Name": "Bayside Club"},
}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('Reference=="crm q-1042"', True),  # string equality ignores case, as Xero's does
        ('Reference="CRM Q-1042"', True),
        ('Status!="DRAFT"', False),
        ('Status<>"AUTHORISED"', True),
        ('Reference.StartsWith("crm")', True),
        ('Reference.Contains("Q-10")', True),
        ('Reference.EndsWith("42")', True),
        ('Reference.EndsWith("41")', False),
        ('Contact.Name.Contains("SIDE")', True),
        ('Contact.ContactID==Guid("0a1b2c3d-0000-4000-8000-000000000001")', True),
        ("Date==DateTime(2026,01,31)", True),
        ("Date>=DateTime(2026, 1, 31)", True),
        ("Date>DateTime(2026,01,31)", False),
        ("Date<DateTime(2026,02,01)", True),
        ("Date<=DateTime(2026,01,30)", False),
        ("DueDate>DateTime(2026,02,13,23,59,59)", True),
        ("AmountDue>100", True),
        ("AmountDue<=120.5", True),
        ("HasAttachments==false", True),
        ("HasAttachments", False),
        ("!HasAttachments", True),
        ('Status=="DRAFT" AND AmountDue>500', False),
        ('Status=="VOIDED" OR AmountDue>100', True),
        ('Status=="VOIDED" || Reference=="x" && AmountDue>1', False),  # AND binds tighter than OR
        ('(Status=="VOIDED" OR Reference=="CRM Q-1042") AND AmountDue>1', True),
        ('Reference=="a" OR Reference=="CRM Q-1042" AND Status=="DRAFT"', True),
        ("Missing==null", True),
        ("Reference!=null", True),
        ('Missing!="x"', True),
        ("", True),
    ],
)
def test_where_operators_on_a_record(text: str, expected: bool) -> None:
    assert parse_where(text)(INVOICE) is expected


def test_escaped_quotes_and_backslashes() -> None:
    assert parse_where(r'Name=="Bayside \"Club\" \\ Co"')({"Name": 'bayside "club" \\ co'})


@pytest.mark.parametrize(
    "text",
    [
        'Name=="a" OR',
        'Name.Frobnicate("a")',
        'Name=="a" XOR Name=="b"',
        "Date>DateTime(2026,13,1)",
        "Date>DateTime(2026)",
        "Name.Contains(3)",
        '(Name=="a"',
        "Name==",
        'Name=="a" $',
    ],
)
def test_junk_is_refused(text: str) -> None:
    with pytest.raises(QueryError):
        parse_where(text)


def _invoices(session: Session, **params: str) -> list[dict]:
    sandbox, _, tokens, tenant = session
    answer = sandbox.api("GET", "Invoices", tokens["access_token"], tenant, params=params)
    assert answer.status_code == 200, answer.text
    return answer.json()["Invoices"]


def test_where_and_order_over_http(session: Session) -> None:
    every = _invoices(session)
    assert len(every) >= 3
    newest_first = _invoices(session, order="Date DESC")
    dates = [i["Date"] for i in newest_first]
    assert dates == sorted(dates, key=lambda d: int(d[6:-7]), reverse=True)
    by_number = _invoices(session, order="InvoiceNumber")
    assert [i["InvoiceNumber"] for i in by_number] == sorted(i["InvoiceNumber"] for i in every)
    pivot = sorted(every, key=lambda i: int(i["Date"][6:-7]))[1]
    day = datetime.fromtimestamp(int(pivot["Date"][6:-7]) / 1000, UTC)
    literal = f"DateTime({day.year},{day.month:02d},{day.day:02d})"
    on_or_after = _invoices(session, where=f"Date>={literal}")
    assert {i["InvoiceID"] for i in on_or_after} == {
        i["InvoiceID"] for i in every if int(i["Date"][6:-7]) >= int(pivot["Date"][6:-7])
    }
    prefix = every[0]["InvoiceNumber"][:3].lower()
    assert len(_invoices(session, where=f'InvoiceNumber.StartsWith("{prefix}")')) == len(every)
    not_draft = _invoices(session, where='Status!="DRAFT"')
    assert all(i["Status"] != "DRAFT" for i in not_draft)
    assert len(not_draft) == sum(1 for i in every if i["Status"] != "DRAFT")


def test_contacts_contains_and_order_over_http(session: Session) -> None:
    sandbox, _, tokens, tenant = session
    params = {"where": 'Name.Contains("LTD") OR Name.EndsWith("limos")', "order": "Name DESC"}
    answer = sandbox.api("GET", "Contacts", tokens["access_token"], tenant, params=params)
    names = [c["Name"] for c in answer.json()["Contacts"]]
    assert names and names == sorted(names, key=str.casefold, reverse=True)
    assert all("ltd" in n.lower() or n.lower().endswith("limos") for n in names)


def test_bad_where_or_order_is_a_validation_exception(session: Session) -> None:
    sandbox, _, tokens, tenant = session
    for params in ({"where": 'Name.Frobnicate("x")'}, {"order": "Name SIDEWAYS"}):
        answer = sandbox.api("GET", "Contacts", tokens["access_token"], tenant, params=params)
        assert answer.status_code == 400 and answer.json()["Type"] == "ValidationException"
