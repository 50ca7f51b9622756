"""Report counters kept as complaints change, so reports never scan the table.

Each change that a report counts adds to its local day's counters in the same
transaction (`ComplaintStore.save(counts=...)`); a report over a period
reads one item per day.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel

from complaints.core import clock
from complaints.core.access import Operator
from complaints.desk.context import Desk
from complaints.reporting import satisfaction as rating
from complaints.reporting.counting import HOTSPOT
from complaints.reporting.periods import MAX_DAYS, check_period, csv_cell, days_of
from complaints.reporting.periods import ratio as _ratio

__all__ = ["MAX_DAYS", "check_period", "csv_cell"]  # where the other reports have always found them

# Every counter a day can hold, in the order reports show them.
COUNTERS = (
    "closed_confirmed",  # closed after the customer confirmed the fix
    "first_time_fix",  # ... of which never reopened
    "fixed_after_reopen",  # ... of which reopened at least once
    "fixed_after_appeal",  # ... of which closed by a second handling
    "closed_unconfirmed",  # closed after the customer could not be reached
    "reopened",  # not fixed at confirmation, or reopened by a supervisor's recovery
    "tracking_opened",  # planned fixes (deferred, or behind a temporary measure) that became tracking tickets
    "fix_landed",  # tracking tickets whose planned fix landed
    "tracking_required",  # not fixed the policy's number of times: the next report must carry a long-term plan
    "quality_passed",
    "quality_failed",
    "surveyed",
    "score_sum",
    "score_10",
    "low_scores",
    "survey_no_response",
    "survey_sms_unmatched",  # SMS replies that matched no open survey: acknowledged, counted, dropped
    "recoveries",  # low scores the supervisor recovered
    "recovery_reopened",
    "appeals",
    "authority_reports",  # ceilings extended with a report to the supervising authority
    "incident_raised",  # complaints raised because their incident (an outage) stayed open past its limit
)
# Counters kept per key. The first five are counted from each complaint's state
# (counting.state_changes); actions add the others.
KEYED = ("channel", "category", "department", "area", "promise_kept", "promise_missed", "promise_renegotiated",
         "promise_cancelled", "low_reason", "reply", "redress", "redress_cents", "returned", "return_reason",
         "score", "survey_channel", "assess")
# score:<1-10> counts the answers by score, so the reports apply the profile's satisfied threshold as it is
# now; assess:<department>|<agent>|<figure> is the assessment report's (reporting/assessment.py).
KEYED_BY_ACTIONS = ("low_reason", "reply", "returned", "return_reason", "score", "survey_channel", "assess")


def counts(desk: Desk, keyed: dict[str, int] | None = None, **counters: int) -> tuple[str, dict[str, int]]:
    """Counters to add to today's report (local day of the desk); keyed ones are "low_reason:speed" and the like."""
    unknown = set(counters) - set(COUNTERS)
    assert not unknown, f"unknown report counters {unknown}"
    keyed = keyed or {}
    assert all(name.split(":", 1)[0] in KEYED_BY_ACTIONS for name in keyed), f"unknown keyed counters {keyed}"
    return day_of(desk, clock.now()), {k: v for k, v in {**counters, **keyed}.items() if v}


def day_of(desk: Desk, moment: datetime) -> str:
    return moment.astimezone(desk.policy.calendar.zone).date().isoformat()


class DayCounts(BaseModel, defer_build=True):
    day: date
    counts: dict[str, int]


class VerificationReport(BaseModel, defer_build=True):
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
    satisfaction: rating.Satisfaction
    days: list[DayCounts]


def verification(desk: Desk, operator: Operator, start: date, end: date) -> VerificationReport:
    check_period(operator, start, end)
    days = days_of(start, end)
    found = desk.reports.days(days)
    summed: dict[str, int] = {}
    for day in found.values():
        for name, value in day.items():
            summed[name] = summed.get(name, 0) + value
    totals = {name: summed.get(name, 0) for name in COUNTERS}
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
        satisfaction=rating.satisfaction(summed, desk.policy.survey),
        days=[DayCounts(day=date.fromisoformat(day), counts=found[day]) for day in days if day in found],
    )


# ------------------------------------------------------------------ the managers' summary
class PromiseCounts(BaseModel, defer_build=True):
    kept: int = 0
    missed: int = 0
    renegotiated: int = 0
    cancelled: int = 0

    @property
    def kept_share(self) -> float | None:
        return _ratio(self.kept, self.kept + self.missed)


class RedressTotals(BaseModel, defer_build=True):
    count: int = 0
    amount: Decimal = Decimal(0)  # in the desk's currency; zero for apologies and explanations


class IncidentLine(BaseModel, defer_build=True):
    incident_id: str
    category: str
    cluster_key: str
    department: str
    opened_at: datetime
    complaints: int
    prioritised_at: datetime | None = None  # open past the policy's limit (a site down for days)


class SummaryReport(BaseModel, defer_build=True):
    """What a complaint manager reports each month, from counters kept as complaints change."""

    start: date
    end: date
    received: int
    by_channel: dict[str, int]
    by_category: dict[str, int]
    by_area: dict[str, int]
    by_department: dict[str, int]
    promises: dict[str, PromiseCounts]
    closed_confirmed: int
    closed_unconfirmed: int
    first_time_fix_rate: float | None
    reopen_rate: float | None
    reopened: int
    repeats: int
    repeat_share: float | None
    passing_around: int
    surveyed: int
    mean_score: float | None
    share_of_10: float | None
    low_score_share: float | None
    low_score_reasons: dict[str, int]
    satisfaction: rating.Satisfaction  # by the profile's satisfied threshold; answers by score and channel
    appeals: int
    redress: dict[str, RedressTotals]  # by kind: granted or given in the period
    currency: str
    returns: dict[str, int]  # 退单 by the department that returned
    return_reasons: dict[str, int]
    replies: dict[str, int] = {}  # staged replies by kind of contact (call, sms, visit ...)
    authority_reports: int = 0  # ceilings extended with a report to the supervising authority
    incident_raised: int = 0  # complaints raised because their outage stayed open past the policy's limit
    # Disputes (harm claimed, redress demanded), counted apart: opened, settled (by way), settled with compensation
    # and the compensation paid, in the profile's currency units.
    disputes_opened: int = 0
    disputes_settled: int = 0
    disputes_compensated: int = 0
    compensation_paid: int = 0
    dispute_ways: dict[str, int] = {}
    open_incidents: list[IncidentLine]  # now, not over the period
    hotspots: dict[str, int]  # unresolved complaints of the profile's hotspot categories by its dimension, now


def _keyed(totals: dict[str, int], prefix: str) -> dict[str, int]:
    found = {k.split(":", 1)[1]: v for k, v in totals.items() if k.startswith(prefix + ":") and v}
    return dict(sorted(found.items(), key=lambda kv: (-kv[1], kv[0])))


def summary(desk: Desk, operator: Operator, start: date, end: date) -> SummaryReport:
    check_period(operator, start, end)
    totals: dict[str, int] = {}
    for day in desk.reports.days(days_of(start, end)).values():
        for name, value in day.items():
            totals[name] = totals.get(name, 0) + value
    promises: dict[str, PromiseCounts] = {}
    for state in ("kept", "missed", "renegotiated", "cancelled"):
        for kind, value in _keyed(totals, f"promise_{state}").items():
            setattr(promises.setdefault(kind, PromiseCounts()), state, value)
    confirmed, surveyed = totals.get("closed_confirmed", 0), totals.get("surveyed", 0)
    received = totals.get("received", 0)
    incidents = desk.incidents.open_in([d.id for d in desk.policy.departments])
    redress: dict[str, RedressTotals] = {}
    for kind, value in _keyed(totals, "redress").items():
        cents = Decimal(totals.get(f"redress_cents:{kind}", 0))
        redress[kind] = RedressTotals(count=value, amount=(cents / 100).quantize(Decimal("0.01")))
    return SummaryReport(
        start=start, end=end, received=received,
        by_channel=_keyed(totals, "channel"), by_category=_keyed(totals, "category"),
        by_area=_keyed(totals, "area"), by_department=_keyed(totals, "department"),
        promises=dict(sorted(promises.items())),
        closed_confirmed=confirmed, closed_unconfirmed=totals.get("closed_unconfirmed", 0),
        first_time_fix_rate=_ratio(totals.get("first_time_fix", 0), confirmed),
        reopen_rate=_ratio(totals.get("fixed_after_reopen", 0), confirmed),
        reopened=totals.get("reopened", 0),
        repeats=totals.get("repeats", 0), repeat_share=_ratio(totals.get("repeats", 0), received),
        passing_around=totals.get("passing_around", 0),
        surveyed=surveyed,
        mean_score=round(totals.get("score_sum", 0) / surveyed, 2) if surveyed else None,
        share_of_10=_ratio(totals.get("score_10", 0), surveyed),
        low_score_share=_ratio(totals.get("low_scores", 0), surveyed),
        low_score_reasons=_keyed(totals, "low_reason"),
        satisfaction=rating.satisfaction(totals, desk.policy.survey),
        appeals=totals.get("appeals", 0),
        redress=dict(sorted(redress.items())), currency=desk.policy.redress.currency,
        returns=_keyed(totals, "returned"), return_reasons=_keyed(totals, "return_reason"),
        replies=_keyed(totals, "reply"), authority_reports=totals.get("authority_reports", 0),
        incident_raised=totals.get("incident_raised", 0),
        disputes_opened=totals.get("disputes_opened", 0), disputes_settled=totals.get("disputes_settled", 0),
        disputes_compensated=totals.get("disputes_compensated", 0),
        compensation_paid=totals.get("compensation_paid", 0), dispute_ways=_keyed(totals, "dispute_way"),
        open_incidents=[IncidentLine(incident_id=i.incident_id, category=i.category, cluster_key=i.cluster_key,
                                     department=i.department, opened_at=i.opened_at,
                                     complaints=len(i.complaint_ids), prioritised_at=i.prioritised_at)
                        for i in sorted(incidents, key=lambda i: i.opened_at)],
        hotspots=_keyed(desk.reports.open_gauges(), HOTSPOT),
    )


def summary_rows(report: SummaryReport) -> list[tuple[str, str, str]]:
    """The summary as (section, item, value) rows: the CSV export and the CLI's table."""
    rows: list[tuple[str, str, str]] = [("period", "from", report.start.isoformat()),
                                        ("period", "to", report.end.isoformat()),
                                        ("received", "total", str(report.received))]
    for section, values in (("channel", report.by_channel), ("category", report.by_category),
                            ("area", report.by_area), ("department", report.by_department)):
        rows += [(section, key, str(value)) for key, value in values.items()]
    for kind, counted in report.promises.items():
        rows += [(f"promise:{kind}", state, str(getattr(counted, state)))
                 for state in ("kept", "missed", "renegotiated", "cancelled")]
    for name in ("closed_confirmed", "closed_unconfirmed", "first_time_fix_rate", "reopen_rate", "reopened",
                 "repeats", "repeat_share", "passing_around", "surveyed", "mean_score", "share_of_10",
                 "low_score_share", "appeals", "authority_reports", "incident_raised", "disputes_opened",
                 "disputes_settled", "disputes_compensated", "compensation_paid"):
        value = getattr(report, name)
        rows.append(("outcome" if name not in ("surveyed", "mean_score", "share_of_10", "low_score_share")
                     else "satisfaction", name, "" if value is None else str(value)))
    rows += [("dispute_way", way, str(value)) for way, value in report.dispute_ways.items()]
    rows += [("low_score_reason", key, str(value)) for key, value in report.low_score_reasons.items()]
    rows += rating.rows(report.satisfaction)
    for kind, redress in report.redress.items():
        rows += [(f"redress:{kind}", "count", str(redress.count)),
                 (f"redress:{kind}", f"amount_{report.currency}", f"{redress.amount:.2f}")]
    rows += [("returned", key, str(value)) for key, value in report.returns.items()]
    rows += [("return_reason", key, str(value)) for key, value in report.return_reasons.items()]
    rows += [("reply", key, str(value)) for key, value in report.replies.items()]
    rows += [("open_incident", i.incident_id, f"{i.category} {i.cluster_key} {i.complaints}"
              + (f" prioritised {clock.iso(i.prioritised_at)}" if i.prioritised_at else ""))
             for i in report.open_incidents]
    rows += [("hotspot", area, str(value)) for area, value in report.hotspots.items()]
    return rows


def summary_csv(report: SummaryReport, name: Callable[[str, str], str] | None = None) -> str:
    """section, item (the key), value; with name, a fourth column says what the desk calls the item."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(("section", "item", "value", "name") if name else ("section", "item", "value"))
    for row in summary_rows(report):
        cells = (*row, name(row[0], row[1])) if name else row
        writer.writerow(tuple(csv_cell(cell) for cell in cells))
    return buffer.getvalue()
