"""Report counters kept as complaints change, so reports never scan the table.

Each change that a report counts adds to its local day's counters in the same
transaction (`ComplaintRepository.save(counts=...)`); a report over a period
reads one item per day.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from pydantic import BaseModel

from complaints import clock
from complaints.auth import Operator
from complaints.desk import Desk
from complaints.errors import BadRequest, Forbidden

MAX_DAYS = 366
# Every counter a day can hold, in the order reports show them.
COUNTERS = (
    "closed_confirmed",  # closed after the customer confirmed the fix
    "first_time_fix",  # ... of which never reopened
    "fixed_after_reopen",  # ... of which reopened at least once
    "fixed_after_appeal",  # ... of which closed by a second handling
    "closed_unconfirmed",  # closed after the customer could not be reached
    "reopened",  # not fixed at confirmation, or reopened by a supervisor's recovery
    "tracking_opened",  # deferred fixes that became tracking tickets
    "fix_landed",  # tracking tickets whose planned fix landed
    "quality_passed",
    "quality_failed",
    "surveyed",
    "score_sum",
    "score_10",
    "low_scores",
    "survey_no_response",
    "recoveries",  # low scores the supervisor recovered
    "recovery_reopened",
    "appeals",
)


def counts(desk: Desk, **counters: int) -> tuple[str, dict[str, int]]:
    """Counters to add to today's report (local day of the desk)."""
    unknown = set(counters) - set(COUNTERS)
    assert not unknown, f"unknown report counters {unknown}"
    return day_of(desk, clock.now()), {k: v for k, v in counters.items() if v}


def day_of(desk: Desk, moment: datetime) -> str:
    return moment.astimezone(desk.policy.calendar.zone).date().isoformat()


class DayCounts(BaseModel):
    day: date
    counts: dict[str, int]


class VerificationReport(BaseModel):
    """How complaints ended over a period: verified fixes, first time or after reopening, and satisfaction."""

    start: date
    end: date
    totals: dict[str, int]
    first_time_fix_rate: float | None  # first-time fixes / confirmed closes
    reopen_rate: float | None  # confirmed closes that had been reopened / confirmed closes
    unconfirmed_share: float | None  # unconfirmed closes / all closes
    mean_score: float | None
    share_of_10: float | None
    low_score_share: float | None
    days: list[DayCounts]


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def verification(desk: Desk, operator: Operator, start: date, end: date) -> VerificationReport:
    if operator.role not in ("supervisor", "manager", "admin"):
        raise Forbidden("reports are for supervisors and managers")
    if end < start:
        raise BadRequest("to: must not be before from")
    if (end - start).days + 1 > MAX_DAYS:
        raise BadRequest(f"a report covers at most {MAX_DAYS} days")
    days = [(start + timedelta(days=n)).isoformat() for n in range((end - start).days + 1)]
    found = desk.repo.report_days(days)
    totals = {name: sum(day.get(name, 0) for day in found.values()) for name in COUNTERS}
    confirmed = totals["closed_confirmed"]
    surveyed = totals["surveyed"]
    return VerificationReport(
        start=start, end=end, totals=totals,
        first_time_fix_rate=_ratio(totals["first_time_fix"], confirmed),
        reopen_rate=_ratio(totals["fixed_after_reopen"], confirmed),
        unconfirmed_share=_ratio(totals["closed_unconfirmed"], confirmed + totals["closed_unconfirmed"]),
        mean_score=round(totals["score_sum"] / surveyed, 2) if surveyed else None,
        share_of_10=_ratio(totals["score_10"], surveyed),
        low_score_share=_ratio(totals["low_scores"], surveyed),
        days=[DayCounts(day=date.fromisoformat(day), counts=found[day]) for day in days if day in found],
    )
