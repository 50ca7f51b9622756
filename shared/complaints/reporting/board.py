"""The supervisor's board: what needs a lead's eye now across their departments.

Promises at risk (amber) and missed (red) soonest first with their owners,
complaints nobody owns, workflows that failed, open incidents, and each
agent's open work against their capacity. Everything comes from the
departments' queue listings (open work only), the incidents' listing and the
agents' load counters: queries and gets that grow with the open work, never
a scan.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from pydantic import BaseModel

from complaints.core import clock
from complaints.core.access import Operator
from complaints.core.enums import Priority, PromiseState, Stage, Status
from complaints.core.errors import Forbidden
from complaints.core.record import ComplaintRecord
from complaints.desk.context import Desk
from complaints.reporting.reports import IncidentLine

# The open complaints read per department; a department with more shows that some were left out.
MAX_PER_DEPARTMENT = 500
_PAGE = 100

Urgency = Literal["missed", "at-risk", "ok", "none"]


def urgency(due_at: datetime | None, made_at: datetime | None, now: datetime) -> Urgency:
    """missed; at risk (amber) with under a fifth of the promised time left, or under an hour; else ok."""
    if due_at is None:
        return "none"
    left = due_at - now
    if left <= timedelta(0):
        return "missed"
    window = (due_at - made_at) if made_at else timedelta(hours=5)
    return "at-risk" if left < max(timedelta(hours=1), window / 5) else "ok"


class PromiseAlert(BaseModel, defer_build=True):
    complaint_id: str
    kind: str
    due_at: datetime
    level: Literal["missed", "at-risk"]
    owner_id: str | None
    department: str | None
    category: str | None
    priority: Priority


class OpenItem(BaseModel, defer_build=True):
    complaint_id: str
    department: str | None
    category: str | None
    priority: Priority
    status: Status
    awaiting: Stage | None
    received_at: datetime
    failure: str | None = None


class AgentLoad(BaseModel, defer_build=True):
    agent_id: str
    name: str
    departments: list[str]
    open_count: int
    capacity: int
    missed_acceptances: int


class Board(BaseModel, defer_build=True):
    now: datetime
    departments: list[str]
    alerts: list[PromiseAlert]
    unassigned: list[OpenItem]
    failed: list[OpenItem]
    incidents: list[IncidentLine]
    agents: list[AgentLoad]
    left_out: dict[str, bool]  # departments with more open work than the board reads


def board(desk: Desk, operator: Operator) -> Board:
    if not operator.role.leads:
        raise Forbidden("the board is for supervisors and managers")
    policy = desk.policy
    departments = [d.id for d in policy.departments if operator.oversees(d.id)]
    now = clock.now()
    records: list[ComplaintRecord] = []
    left_out: dict[str, bool] = {}
    for department in departments:
        found, more = _open_work(desk, department)
        records.extend(found)
        left_out[department] = more
    alerts = sorted((a for r in records for a in _alerts(r, now)), key=lambda a: (a.due_at, a.complaint_id))
    unassigned = [_item(r) for r in records if r.owner_id is None and r.status is not Status.FAILED]
    failed = [_item(r) for r in records if r.status is Status.FAILED]
    incidents = desk.incidents.open_in(departments)
    agents = [a for a in policy.agents if a.capacity > 0 and set(a.departments) & set(departments)]
    loads = desk.loads.of([a.id for a in agents])
    return Board(
        now=now, departments=departments, alerts=alerts,
        unassigned=sorted(unassigned, key=lambda i: i.received_at),
        failed=sorted(failed, key=lambda i: i.received_at),
        incidents=[IncidentLine(incident_id=i.incident_id, category=i.category, cluster_key=i.cluster_key,
                                department=i.department, opened_at=i.opened_at, complaints=len(i.complaint_ids))
                   for i in sorted(incidents, key=lambda i: i.opened_at)],
        agents=[AgentLoad(agent_id=a.id, name=a.name, departments=[d for d in a.departments if d in departments],
                          open_count=max(0, int(loads[a.id]["open_count"])), capacity=a.capacity,
                          missed_acceptances=int(loads[a.id]["missed_acceptances"]))
                for a in agents],
        left_out={d: more for d, more in left_out.items() if more},
    )


def _open_work(desk: Desk, department: str) -> tuple[list[ComplaintRecord], bool]:
    """The department's open complaints (the failed ones with them), page by page, up to the board's limit."""
    found: list[ComplaintRecord] = []
    start = None
    while len(found) < MAX_PER_DEPARTMENT:
        page, start = desk.complaints.list_by("queue", department, open_only=True, limit=_PAGE, start=start)
        found.extend(page)
        if not start:
            return found, False
    return found[:MAX_PER_DEPARTMENT], True


def _alerts(record: ComplaintRecord, now: datetime) -> list[PromiseAlert]:
    if record.status is Status.FAILED:
        return []  # listed with the failed workflows
    alerts = []
    for promise in record.promises:
        if promise.state is PromiseState.MISSED:
            level: Urgency = "missed"
        elif promise.state is PromiseState.PENDING and record.status is not Status.PENDING_CUSTOMER:
            # While the complaint waits on the customer its promises' clocks stand still.
            level = urgency(promise.due_at, promise.made_at or record.received_at, now)
        else:
            continue
        if level in ("missed", "at-risk"):
            alerts.append(PromiseAlert(
                complaint_id=record.complaint_id, kind=promise.kind, due_at=promise.due_at,
                level="missed" if level == "missed" else "at-risk", owner_id=record.owner_id,
                department=record.department, priority=record.priority,
                category=record.classification.category if record.classification else None))
    return alerts


def _item(record: ComplaintRecord) -> OpenItem:
    return OpenItem(complaint_id=record.complaint_id, department=record.department,
                    category=record.classification.category if record.classification else None,
                    priority=record.priority, status=record.status, awaiting=record.stage,
                    received_at=record.received_at, failure=record.failure)
