"""The root-cause report (总结): closed complaints by cause × category × area × department, against the period before.

Each complaint adds to the cell of its reported root cause once, on the day it
closes (``counting.state_changes``); the report reads the period's days and the
same number of days just before, so a manager sees whether a cause grew or fell.
Beside them stand the corrective actions (整改): every one still open, and those
closed since the policy's effect window before the period began, each done one
with its cause's complaints before and after it (``action_effects``).
"""

from __future__ import annotations

from datetime import date, timedelta

from pydantic import BaseModel

from complaints.core.access import Operator
from complaints.desk.context import Desk
from complaints.reporting.action_effects import ActionEffect, effects
from complaints.reporting.reports import check_period

PREFIX = "cause:"


class CauseLine(BaseModel, defer_build=True):
    root_cause: str
    category: str
    area: str
    department: str
    count: int
    previous: int  # in the period of the same length just before
    change: int


class CauseReport(BaseModel, defer_build=True):
    start: date
    end: date
    previous_start: date
    previous_end: date
    total: int
    previous_total: int
    by_cause: dict[str, int]  # the period's closes by root cause alone
    lines: list[CauseLine]  # most first
    actions: list[ActionEffect] = []  # open and overdue first, then by due date


def _cells(desk: Desk, start: date, end: date) -> dict[str, int]:
    days = [(start + timedelta(days=n)).isoformat() for n in range((end - start).days + 1)]
    cells: dict[str, int] = {}
    for counters in desk.reports.days(days).values():
        for name, value in counters.items():
            if name.startswith(PREFIX):
                cells[name[len(PREFIX):]] = cells.get(name[len(PREFIX):], 0) + value
    return cells


def causes(desk: Desk, operator: Operator, start: date, end: date) -> CauseReport:
    check_period(operator, start, end)
    length = end - start + timedelta(days=1)
    previous_start, previous_end = start - length, start - timedelta(days=1)
    now, before = _cells(desk, start, end), _cells(desk, previous_start, previous_end)
    lines = []
    for key in sorted(set(now) | set(before)):
        cause, category, area, department = key.split("|", 3)
        lines.append(CauseLine(root_cause=cause, category=category, area=area, department=department,
                               count=now.get(key, 0), previous=before.get(key, 0),
                               change=now.get(key, 0) - before.get(key, 0)))
    lines.sort(key=lambda line: (-line.count, -line.previous, line.root_cause, line.category, line.area))
    by_cause: dict[str, int] = {}
    for line in lines:
        if line.count:
            by_cause[line.root_cause] = by_cause.get(line.root_cause, 0) + line.count
    return CauseReport(start=start, end=end, previous_start=previous_start, previous_end=previous_end,
                       total=sum(now.values()), previous_total=sum(before.values()),
                       by_cause=dict(sorted(by_cause.items(), key=lambda kv: (-kv[1], kv[0]))), lines=lines,
                       actions=effects(desk, list(desk.actions.all()), start - timedelta(
                           days=desk.policy.corrective_actions.effect_window_days)))
