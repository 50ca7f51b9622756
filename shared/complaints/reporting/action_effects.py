"""Did a corrective action work? Complaints of its cause in equal windows before and after it was done.

A complaint counts in the cause report's cell of its root cause × category ×
area × department on the day it closes. For an action done on day D, the
complaints of the cells its scope covers are counted over the policy's
``effect_window_days`` before D and as many after D (D itself in neither:
the action was done some time that day). While fewer days than that have
passed since D, both windows shrink to the days that have, so the two counts
always compare equal spans; ``complete`` says when the full window is in.
"""

from __future__ import annotations

from datetime import date, timedelta

from pydantic import BaseModel

from complaints.core import clock
from complaints.core.corrective import ActionStatus, CorrectiveAction
from complaints.desk.context import Desk

CAUSE_PREFIX = "cause:"


class ActionEffect(BaseModel):
    action_id: str
    root_cause: str
    scope: str  # the cause and the narrower cell, as "cause × category × area × department"
    action: str
    owner: str
    status: ActionStatus
    due: date
    complaints: int  # how many complaints it answers
    done_on: date | None = None
    late: bool = False
    window_days: int | None = None  # the span of each window so far (done actions, from the day after)
    before: int | None = None  # complaints of the cause closed in the window before it was done
    after: int | None = None  # ... and in the window after
    complete: bool = False  # the full policy window has passed since it was done
    fell: bool | None = None  # after < before


def _days(first: date, count: int) -> list[str]:
    return [(first + timedelta(days=n)).isoformat() for n in range(count)]


def effects(desk: Desk, actions: list[CorrectiveAction], since: date) -> list[ActionEffect]:
    """The effect of each live action and of each closed on or after `since`; open and overdue first."""
    zone = desk.policy.calendar.zone
    today = clock.now().astimezone(zone).date()
    window = desk.policy.corrective_actions.effect_window_days
    shown = [a for a in actions
             if a.status.live or (a.closed_at is not None and a.closed_at.astimezone(zone).date() >= since)]
    spans: dict[str, tuple[date, int]] = {}
    for action in shown:
        if action.status is ActionStatus.DONE and action.closed_at is not None:
            done_on = action.closed_at.astimezone(zone).date()
            spans[action.action_id] = (done_on, min(window, (today - done_on).days))
    wanted = sorted({day for done_on, n in spans.values()
                     for day in _days(done_on - timedelta(days=n), n) + _days(done_on + timedelta(days=1), n)})
    counters = desk.reports.days(wanted) if wanted else {}

    def count(action: CorrectiveAction, days: list[str]) -> int:
        return sum(value for day in days for name, value in counters.get(day, {}).items()
                   if name.startswith(CAUSE_PREFIX) and action.scope.covers(name[len(CAUSE_PREFIX):]))

    found = []
    for action in shown:
        effect = ActionEffect(action_id=action.action_id, root_cause=action.scope.root_cause,
                              scope=action.scope.shown(), action=action.action, owner=action.owner,
                              status=action.status, due=action.due, complaints=len(action.complaint_ids),
                              late=action.late)
        if action.action_id in spans:
            done_on, n = spans[action.action_id]
            effect.done_on, effect.window_days, effect.complete = done_on, n, n >= window
            if n > 0:
                effect.before = count(action, _days(done_on - timedelta(days=n), n))
                effect.after = count(action, _days(done_on + timedelta(days=1), n))
                effect.fell = effect.after < effect.before
        found.append(effect)
    found.sort(key=lambda e: (not e.status.live, e.due, e.action_id))
    return found
