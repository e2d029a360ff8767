"""What every load result must satisfy, whatever the input: the fuzz tests' one check."""

from __future__ import annotations

from app.invoicing.records import LoadResult, RowProblem, SourceQuote


def check(result: LoadResult) -> None:
    assert isinstance(result, LoadResult)
    for problem in result.problems:
        assert isinstance(problem, RowProblem) and problem.reason.strip()
        assert "fault in this program" not in problem.reason  # the safety net never had to catch anything
        assert problem.line is None or problem.line >= 2
    for quote in result.quotes:
        assert isinstance(quote, SourceQuote) and quote.number and quote.contact_name and quote.lines
        assert quote.number not in result.invalid_numbers
