"""Corrective actions (整改): what a manager has done about a cause, and the requests that drive one.

An action is opened from a root cause, narrowed if the manager chooses to a
category, an area or a department (the cells of the cause report it answers).
It names what is to be done, one owner, a due date and the complaints that
showed the cause. It is open until its owner or a manager reports it done; a
warning goes out before it falls due, and once due it is overdue until done
or cancelled.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, Field, model_validator

from complaints.core.values import Strict, Text

SCOPE_FIELDS = ("category", "area", "department")


class ActionStatus(StrEnum):
    OPEN = "open"
    OVERDUE = "overdue"  # past its due date and not done: its owner and their manager were told
    DONE = "done"
    CANCELLED = "cancelled"

    @property
    def live(self) -> bool:
        return self in (ActionStatus.OPEN, ActionStatus.OVERDUE)


class ActionEventType(StrEnum):
    """What an action's own history records (the complaints it answers get timeline events too)."""

    OPENED = "opened"
    WARNED = "warned"
    OVERDUE = "overdue"
    DONE = "done"
    CANCELLED = "cancelled"


class ActionEvent(BaseModel):
    at: datetime
    type: ActionEventType
    actor: str  # an agent id, or "system" for the sweep's warning and overdue
    note: str | None = None
    told: list[str] = []


class CauseScope(BaseModel):
    """The cells of the cause report an action answers: a root cause, and optionally a narrower cell."""

    root_cause: str
    category: str | None = None
    area: str | None = None
    department: str | None = None

    def covers(self, cell: str) -> bool:
        """Whether a cause-report cell ("cause|category|area|department") is one of this scope's."""
        cause, category, area, department = cell.split("|", 3)
        wanted = {"category": category, "area": area, "department": department}
        return cause == self.root_cause and all(
            getattr(self, name) in (None, wanted[name]) for name in SCOPE_FIELDS)

    def shown(self) -> str:
        return " × ".join([self.root_cause, *(str(getattr(self, n)) for n in SCOPE_FIELDS if getattr(self, n))])


class CorrectiveAction(BaseModel):
    action_id: str
    version: int = 0
    status: ActionStatus = ActionStatus.OPEN
    scope: CauseScope
    action: str  # what is to be done
    owner: str
    department: str  # the owner's department: its manager hears of a warning and of a miss
    due: date
    due_at: datetime  # the end of the due date's working day, local time
    warn_at: datetime
    complaint_ids: list[str] = []
    opened_by: str
    opened_at: datetime
    closed_at: datetime | None = None  # done or cancelled
    closed_by: str | None = None
    result: str | None = None  # what was done, or why it was cancelled
    late: bool = False  # done after its due time
    history: list[ActionEvent] = []

    @property
    def next_step(self) -> tuple[datetime, ActionEventType] | None:
        """When the sweep acts on it next, and what it does then: warn, then mark overdue; nothing once closed."""
        if not self.status.live:
            return None
        done = {e.type for e in self.history}
        if ActionEventType.WARNED not in done and ActionEventType.OVERDUE not in done:
            return self.warn_at, ActionEventType.WARNED
        if ActionEventType.OVERDUE not in done:
            return self.due_at, ActionEventType.OVERDUE
        return None


class OpenActionRequest(Strict):
    """A manager opens a corrective action (整改) from a cause."""

    root_cause: str = Field(min_length=2, max_length=64, pattern=r"^[a-z][a-z0-9_]*$",
                            description="one of the policy's root causes")
    category: str | None = Field(default=None, min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_.]*$",
                                 description="narrow the cause to one category")
    area: str | None = Field(default=None, min_length=1, max_length=64, description="narrow it to one area")
    department: str | None = Field(default=None, min_length=1, max_length=64,
                                   description="narrow it to the complaints one department handled")
    action: Text = Field(min_length=2, max_length=2000, description="what is to be done")
    owner: str = Field(min_length=1, max_length=64, description="the agent who sees it done")
    due: date = Field(description="the day it is to be done by")
    complaint_ids: list[str] = Field(default=[], max_length=100,
                                     description="the complaints of the cause that this action answers")

    @model_validator(mode="after")
    def _distinct(self) -> OpenActionRequest:
        if len(set(self.complaint_ids)) != len(self.complaint_ids):
            raise ValueError("complaint_ids names a complaint twice")
        return self


class CloseActionRequest(Strict):
    result: Text = Field(min_length=2, max_length=2000, description="what was done")


class CancelActionRequest(Strict):
    reason: Text = Field(min_length=2, max_length=1000)


class ActionList(BaseModel):
    actions: list[CorrectiveAction]
