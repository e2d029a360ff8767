"""Xero's `where` filter language, as its Accounting API documents it, compiled to a record predicate.

    Name=="ABC Ltd"   Status!="DRAFT"   Name.StartsWith("Ab")   Name.Contains("ay")   Name.EndsWith("Co")
    Date>=DateTime(2026,01,31)   AmountDue>100   Contact.ContactID==Guid("…")   IsCustomer==true
    joined by AND / && and OR / || (AND binds tighter), with parentheses and ! for "not".

String comparisons ignore case, as Xero's do (its text columns compare case- and accent-insensitively);
dates compare by value whether the record holds /Date(ms)/, an ISO timestamp or YYYY-MM-DD.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

Predicate = Callable[[dict[str, Any]], bool]

_TOKEN = re.compile(
    r"""\s*(?:
    (?P<string>"(?:[^"\\]|\\.)*")
  | (?P<number>-?\d+(?:\.\d+)?(?![\w.]))
  | (?P<op>==|!=|<>|>=|<=|&&|\|\||[=<>!(),])
  | (?P<name>[A-Za-z_][\w]*(?:\.[A-Za-z_]\w*)*)
)""",
    re.VERBOSE,
)
_MSDATE = re.compile(r"^/Date\((-?\d+)([+-]\d{4})?\)/$")
METHODS = {"startswith": str.startswith, "contains": str.__contains__, "endswith": str.endswith}
COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "==": lambda a, b: a == b,
    "=": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<>": lambda a, b: a != b,
    ">": lambda a, b: a > b,
    "<": lambda a, b: a < b,
    ">=": lambda a, b: a >= b,
    "<=": lambda a, b: a <= b,
}


class QueryError(ValueError):
    pass


def field(record: dict[str, Any], dotted: str) -> Any:
    """A record's value at Contact.Name-style paths, field names matched case-insensitively."""
    value: Any = record
    for part in dotted.split("."):
        if not isinstance(value, dict):
            return None
        value = next((v for k, v in value.items() if k.lower() == part.lower()), None)
    return value


def as_datetime(value: Any) -> datetime | None:
    """A record's date as naive UTC: /Date(ms+0000)/, ISO timestamps and YYYY-MM-DD."""
    if not isinstance(value, str) or not value:
        return None
    match = _MSDATE.match(value)
    if match:
        return datetime.fromtimestamp(int(match.group(1)) / 1000, UTC).replace(tzinfo=None)
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when.astimezone(UTC).replace(tzinfo=None) if when.tzinfo else when


def sort_key(value: Any) -> tuple[int, Any]:
    """Orders nulls first, then numbers, dates and text (text ignoring case), never mixing kinds."""
    if value is None or value == "":
        return (0, 0)
    if isinstance(value, bool | int | float):
        return (1, float(value))
    when = as_datetime(value)
    if when is not None:
        return (2, when)
    return (3, str(value).casefold())


def _comparable(actual: Any, wanted: Any) -> tuple[Any, Any] | None:
    """Both sides in one kind, or None when the record's value cannot be compared with the literal."""
    if wanted is None:
        return (None if actual in (None, "") else actual), None
    if actual is None:
        return None
    if isinstance(wanted, bool):
        return (str(actual).lower() == "true" if not isinstance(actual, bool) else actual), wanted
    if isinstance(wanted, datetime):
        when = as_datetime(actual)
        return (when, wanted) if when is not None else None
    if isinstance(wanted, float):
        try:
            return float(actual), wanted
        except (TypeError, ValueError):
            return None
    return str(actual).casefold(), wanted.casefold()


def _comparison(path: str, op: str, wanted: Any) -> Predicate:
    def holds(record: dict[str, Any]) -> bool:
        pair = _comparable(field(record, path), wanted)
        if pair is None:
            return op in ("!=", "<>")
        if None in pair and op not in ("==", "=", "!=", "<>"):
            return False
        return COMPARE[op](*pair)

    return holds


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens: list[tuple[str, str]] = []
        pos = 0
        while pos < len(text):
            match = _TOKEN.match(text, pos)
            if not match or match.end() == pos:
                if text[pos:].strip() == "":
                    break
                raise QueryError(f"Unsupported where clause near: {text[pos : pos + 40]}")
            kind = match.lastgroup or ""
            self.tokens.append((kind, match.group(kind)))
            pos = match.end()
        self.at = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self, value: str | None = None) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise QueryError("The where clause ends too early")
        if value is not None and token[1].lower() != value.lower():
            raise QueryError(f"Unsupported where clause near: {token[1][:40]}")
        self.at += 1
        return token

    def _is(self, *values: str) -> bool:
        token = self.peek()
        return token is not None and token[1].lower() in values

    def expression(self) -> Predicate:
        alternatives = [self.conjunction()]
        while self._is("or", "||"):
            self.take()
            alternatives.append(self.conjunction())
        return alternatives[0] if len(alternatives) == 1 else lambda r: any(p(r) for p in alternatives)

    def conjunction(self) -> Predicate:
        parts = [self.factor()]
        while self._is("and", "&&"):
            self.take()
            parts.append(self.factor())
        return parts[0] if len(parts) == 1 else lambda r: all(p(r) for p in parts)

    def factor(self) -> Predicate:
        if self._is("!", "not"):
            self.take()
            inner = self.factor()
            return lambda r: not inner(r)
        if self._is("("):
            self.take("(")
            inner = self.expression()
            self.take(")")
            return inner
        kind, path = self.take()
        if kind != "name":
            raise QueryError(f"Unsupported where clause near: {path[:40]}")
        head, _, method = path.rpartition(".")
        if head and method.lower() in METHODS and self._is("("):
            self.take("(")
            text = self.literal()
            self.take(")")
            if not isinstance(text, str):
                raise QueryError(f'{method} needs a quoted text, as in {method}("abc")')
            test = METHODS[method.lower()]
            return lambda r: (v := field(r, head)) is not None and test(str(v).casefold(), text.casefold())
        following = self.peek()
        if following is None or following[0] != "op" or following[1] not in COMPARE:
            return _comparison(path, "==", True)  # a bare boolean field, e.g. IsCustomer
        op = self.take()[1]
        return _comparison(path, op, self.literal())

    def literal(self) -> Any:
        kind, value = self.take()
        if kind == "string":
            return re.sub(r"\\(.)", r"\1", value[1:-1])  # \" and \\ escapes
        if kind == "number":
            return float(value)
        lowered = value.lower()
        if lowered in ("true", "false"):
            return lowered == "true"
        if lowered == "null":
            return None
        if lowered == "guid":
            self.take("(")
            inner = self.literal()
            self.take(")")
            return str(inner)
        if lowered == "datetime":
            return self._datetime()
        raise QueryError(f"Unsupported value in where clause: {value[:40]}")

    def _datetime(self) -> datetime:
        self.take("(")
        numbers = [self.literal()]
        while self._is(","):
            self.take(",")
            numbers.append(self.literal())
        self.take(")")
        if not 3 <= len(numbers) <= 6 or not all(isinstance(n, float) and n.is_integer() for n in numbers):
            raise QueryError("DateTime needs year, month and day, as in DateTime(2026,01,31)")
        year, month, day, hour, minute, second = [int(n) for n in numbers] + [0] * (6 - len(numbers))
        try:
            return datetime(year, month, day, hour, minute, second)
        except ValueError as exc:
            raise QueryError(f"DateTime is not a real date: {exc}") from exc


def parse_where(text: str) -> Predicate:
    """The filter as a predicate; an empty filter matches everything. Raises QueryError on junk."""
    if not text.strip():
        return lambda record: True
    parser = _Parser(text)
    predicate = parser.expression()
    left = parser.peek()
    if left is not None:
        raise QueryError(f"Unsupported where clause near: {left[1][:40]}")
    return predicate


def matches(record: dict[str, Any], where: Predicate) -> bool:
    return where(record)
