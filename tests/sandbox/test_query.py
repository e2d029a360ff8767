"""Xero's `where` filters as the sandbox reads them: equality joined by AND and OR (AND binds tighter)."""

import pytest

from app.sandbox.query import QueryError, matches, parse_where


def test_and_binds_tighter_than_or():
    where = parse_where('Reference=="a" OR Reference=="b" AND Status=="DRAFT"')
    assert where == [[("Reference", "a")], [("Reference", "b"), ("Status", "DRAFT")]]
    assert matches({"Reference": "A"}, where)
    assert matches({"Reference": "b", "Status": "draft"}, where)
    assert not matches({"Reference": "b", "Status": "AUTHORISED"}, where)


def test_escaped_quotes_and_backslashes():
    where = parse_where(r'Name=="Bayside \"Club\" \\ Co"')
    assert where == [[("Name", 'Bayside "Club" \\ Co')]]


def test_empty_filter_matches_everything_and_junk_is_refused():
    assert matches({"Name": "x"}, parse_where(""))
    for text in ('Name=="a" OR', 'Name.Contains("a")', 'Name=="a" XOR Name=="b"'):
        with pytest.raises(QueryError):
            parse_where(text)
