"""Day-by-day series over a period, from the day counters: is it getting better?

Complaints received and closed, the open backlog at the end of each day, the
share of promises kept by kind, the mean score and share of 10s, and
reopens. Each day is one counter item per shard (a batch get), never a scan.

The backlog at the end of a day is the `open` gauge (what is open now) less
what entered the backlog after that day, plus what left it since; so the
days from the period's start up to today are read. Complaints stored before
the backlog was counted enter it on their next write.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date, timedelta

from pydantic import BaseModel

from complaints.core import clock
from complaints.core.access import Operator
from complaints.desk.context import Desk
from complaints.reporting.counting import BACKLOG_GAUGE
from complaints.reporting.reports import MAX_DAYS, PromiseCounts, check_period, csv_cell

# How far back from today a backlog is worked out; older periods show the other series only.
BACKLOG_REACH_DAYS = 2 * MAX_DAYS


class TrendDay(BaseModel, defer_build=True):
    day: date
    received: int
    closed: int  # closed confirmed and closed unconfirmed
    backlog: int | None  # open at the end of the day; None for days not yet ended or beyond reach
    reopened: int
    surveyed: int
    mean_score: float | None
    share_of_10: float | None
    promises: dict[str, PromiseCounts]  # by kind: kept, missed, renegotiated, cancelled that day


class TrendReport(BaseModel, defer_build=True):
    start: date
    end: date
    promise_kinds: list[str]
    days: list[TrendDay]


def _dates(start: date, end: date) -> list[date]:
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


def trends(desk: Desk, operator: Operator, start: date, end: date) -> TrendReport:
    check_period(operator, start, end)
    today = clock.now().astimezone(desk.policy.calendar.zone).date()
    reach = start >= today - timedelta(days=BACKLOG_REACH_DAYS)
    read_until = max(end, today) if reach else end
    counters = desk.reports.days([d.isoformat() for d in _dates(start, read_until)])
    backlog = _backlogs(desk, counters, start, today) if reach else {}
    kinds: set[str] = set()
    days = []
    for day in _dates(start, end):
        found = counters.get(day.isoformat(), {})
        promises: dict[str, PromiseCounts] = {}
        for name, value in found.items():
            prefix, _, kind = name.partition(":")
            state = prefix.removeprefix("promise_")
            if prefix.startswith("promise_") and state in PromiseCounts.model_fields and value:
                setattr(promises.setdefault(kind, PromiseCounts()), state, value)
                kinds.add(kind)
        surveyed = found.get("surveyed", 0)
        days.append(TrendDay(
            day=day, received=found.get("received", 0),
            closed=found.get("closed_confirmed", 0) + found.get("closed_unconfirmed", 0),
            backlog=backlog.get(day), reopened=found.get("reopened", 0), surveyed=surveyed,
            mean_score=round(found.get("score_sum", 0) / surveyed, 2) if surveyed else None,
            share_of_10=round(found.get("score_10", 0) / surveyed, 4) if surveyed else None,
            promises=dict(sorted(promises.items()))))
    return TrendReport(start=start, end=end, promise_kinds=sorted(kinds), days=days)


def _backlogs(desk: Desk, counters: dict[str, dict[str, int]], start: date, today: date) -> dict[date, int]:
    """The backlog at the end of each day from start to today, walking back from what is open now."""
    open_now = desk.reports.open_gauges().get(BACKLOG_GAUGE, 0)
    found: dict[date, int] = {}
    level = open_now
    for day in reversed(_dates(start, today)):
        found[day] = level  # at the end of `day`: what is open now, less later entries, plus later exits
        moved = counters.get(day.isoformat(), {})
        level -= moved.get("backlog_in", 0) - moved.get("backlog_out", 0)
    return found


def trend_rows(report: TrendReport) -> list[tuple[str, str, str]]:
    """(day, series, value) for every day and series; promise series are "kept:<kind>" and the like."""
    rows: list[tuple[str, str, str]] = []
    for day in report.days:
        when = day.day.isoformat()
        rows += [(when, name, _text(getattr(day, name))) for name in SERIES]
        for kind in report.promise_kinds:
            counted = day.promises.get(kind, PromiseCounts())
            rows += [(when, f"kept:{kind}", str(counted.kept)), (when, f"missed:{kind}", str(counted.missed)),
                     (when, f"kept_share:{kind}", _text(counted.kept_share))]
    return rows


SERIES = ("received", "closed", "backlog", "reopened", "surveyed", "mean_score", "share_of_10")


def _text(value: float | int | None) -> str:
    return "" if value is None else str(value)


def trends_csv(report: TrendReport, name: Callable[[str], str]) -> str:
    """Long form, one value a row: day, series (the key), value, and name (what the desk calls the series)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(("day", "series", "value", "name"))
    writer.writerows((day, csv_cell(series), value, csv_cell(name(series)))
                     for day, series, value in trend_rows(report))
    return buffer.getvalue()
