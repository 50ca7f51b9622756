"""What every report shares: who may read one, the period it covers, its ratios, and safe CSV cells."""

from __future__ import annotations

from datetime import date, timedelta

from complaints.core.access import Operator
from complaints.core.errors import BadRequest, Forbidden

MAX_DAYS = 366
# The days a report may name: a period and the one just before it (the cause report's) stay real dates.
EARLIEST, LATEST = date(2000, 1, 1), date(2199, 12, 31)


def ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def check_period(operator: Operator, start: date, end: date) -> None:
    if not operator.role.leads:
        raise Forbidden("reports are for supervisors and managers")
    if end < start:
        raise BadRequest("to: must not be before from")
    if (end - start).days + 1 > MAX_DAYS:
        raise BadRequest(f"a report covers at most {MAX_DAYS} days")
    if start < EARLIEST or end > LATEST:
        raise BadRequest(f"from, to: a report's days lie between {EARLIEST} and {LATEST}")


def days_of(start: date, end: date) -> list[str]:
    """The period's local days, as the report counters name them."""
    return [(start + timedelta(days=n)).isoformat() for n in range((end - start).days + 1)]


# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection): such cells get a
# leading apostrophe, which spreadsheets show as text (OWASP's advice).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: str) -> str:
    return f"'{value}" if value.startswith(_FORMULA_STARTS) else value
