"""Xero's wire formats: .NET JSON dates, connection timestamps, deterministic ids, money rounding."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal

SANDBOX_NS = uuid.uuid5(uuid.NAMESPACE_URL, "https://xero-connect.sandbox/")
_MSDATE = re.compile(r"^/Date\((-?\d+)([+-]\d{4})?\)/$")


def stable_id(*parts: str) -> str:
    """Deterministic uuid so seed records keep the same ids across runs and machines."""
    return str(uuid.uuid5(SANDBOX_NS, ":".join(parts)))


def ms_date(when: datetime | date) -> str:
    if not isinstance(when, datetime):
        when = datetime(when.year, when.month, when.day, tzinfo=UTC)
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return f"/Date({int(when.timestamp() * 1000)}+0000)/"


def date_string(when: date) -> str:
    """The DateString companion Xero sends next to Date on quotes."""
    return f"{when.isoformat()}T00:00:00"


def conn_stamp(when: datetime) -> str:
    """Connections use ISO with 7 fractional digits and no zone, e.g. 2019-12-07T18:46:19.5165400."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f") + "0"


def iso(when: datetime) -> str:
    return when.astimezone(UTC).isoformat().replace("+00:00", "Z")


def parse_iso(text: str) -> datetime:
    when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def parse_date(value: object) -> date | None:
    """Accept YYYY-MM-DD, full ISO timestamps and /Date(ms)/ as Xero does; None if unreadable."""
    if not isinstance(value, str) or not value:
        return None
    match = _MSDATE.match(value)
    if match:
        return datetime.fromtimestamp(int(match.group(1)) / 1000, UTC).date()
    try:
        return datetime.fromisoformat(value[:19]).date() if "T" in value else date.fromisoformat(value)
    except ValueError:
        return None


def money(value: Decimal | float, places: int = 2) -> float:
    quantum = Decimal(1).scaleb(-places)
    return float(Decimal(str(value)).quantize(quantum, rounding=ROUND_HALF_UP))


def dec(value: object, default: str = "0") -> Decimal:
    """Decimal from JSON numbers or numeric strings; raises ValueError on junk."""
    if value is None or value == "":
        return Decimal(default)
    if isinstance(value, bool):
        raise ValueError("not a number")
    try:
        return Decimal(str(value))
    except Exception as exc:  # decimal raises InvalidOperation, normalise it
        raise ValueError("not a number") from exc
