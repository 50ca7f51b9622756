"""The outcomes of handling steps, stored as sub-documents of a complaint (and of an incident).

Complaints stored before these were models still load: a quality check's
``passed`` was stored as "yes"/"no" and a tracking ticket's ``told`` as 1;
both read as booleans, and new writes store booleans. ``shown()`` gives each
as the complaint view has always answered it.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator

from complaints.core.enums import Rating, ResolutionOutcome


def _stored_flag(value: Any) -> Any:
    """A flag in its older stored forms: "yes"/"no", or 1/0."""
    if value in ("yes", "no"):
        return value == "yes"
    if type(value) is int and value in (0, 1):
        return bool(value)
    return value


Flag = Annotated[bool, BeforeValidator(_stored_flag)]


class Outcome(BaseModel, defer_build=True):
    def shown(self) -> dict[str, Any]:
        """As the complaint view answers it: the fields that are set, in their JSON form."""
        return self.model_dump(mode="json", exclude_none=True)


class Resolution(Outcome):
    """The handler's report (回单); a deferred outcome, or a temporary measure with a long-term plan, also carries
    the plan, its date and who owns it."""

    outcome: ResolutionOutcome
    root_cause: str
    actions: str
    by: str
    at: str  # clock.iso
    evidence: str | None = None
    plan: str | None = None
    expected_by: date | None = None
    plan_owner: str | None = None


class QualityCheckResult(Outcome):
    """The last quality check (质检) of the report: passed, or returned to the owner with the reason."""

    passed: Flag
    by: str
    at: str
    reason: str | None = None

    def shown(self) -> dict[str, Any]:
        return {**super().shown(), "passed": "yes" if self.passed else "no"}


class TrackingTicket(Outcome):
    """A tracking ticket (投诉跟踪单): the planned fix, its date, and its follow-ups.

    Opened by a deferred fix, or by a temporary measure with a long-term plan (``temporary_measure`` holds
    what was done for now); ``owner`` sees the plan through beside the complaint's owner.
    """

    plan: str
    expected_by: date
    opened_at: str
    owner: str | None = None
    temporary_measure: str | None = None
    follow_ups: int = 0
    last_follow_up_at: str | None = None
    landed_at: str | None = None
    told: Flag = False  # the customer was told the plan's date, once on entering tracking

    def shown(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True, exclude={"told"})


class SurveyAnswer(Outcome):
    """The customer's rating, or that none came; and the supervisor's review of a low one."""

    score: int | None = None
    comment: str | None = None
    at: str | None = None
    attitude: Rating | None = None
    speed: Rating | None = None
    result: Rating | None = None
    outcome: Literal["no_response"] | None = None
    # How it was answered: the customer's link (web, also when left out), a phone survey the agent
    # recorded (asked_by, asked_at: who called and when), or an SMS reply (the gateway's message id).
    channel: Literal["web", "phone", "sms"] | None = None
    asked_by: str | None = None
    asked_at: str | None = None
    message_id: str | None = None
    review_cause: str | None = None
    review_action: str | None = None
    reviewed_by: str | None = None

    def shown(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True, exclude={"comment"})


class Appeal(Outcome):
    """申诉: why the customer appealed, and where the complaint was before it went to second handling."""

    reason: str
    at: str
    by: str
    from_department: str
    from_owner: str


class Appointment(Outcome):
    """A field visit: the window agreed with the customer, and when the technician arrived."""

    start: str  # clock.iso
    end: str
    customer_requested: Flag = False  # the customer asked for a time in quiet hours
    booked_by: str
    booked_at: str
    note: str | None = None
    arrived_at: str | None = None


class IncidentReport(Outcome):
    """How an incident was resolved."""

    root_cause: str
    actions: str
    by: str
    at: str


class IncidentResolution(IncidentReport):
    """An incident's report as its linked complaint keeps it."""

    incident_id: str


class DisputeStep(Outcome):
    """A step of a dispute as it happened: evidence sealed, mediation asked for, an appraisal's result."""

    step: str
    at: str
    by: str
    reference: str | None = None  # the sealing record's, the mediation case's or the court's number


class Settlement(Outcome):
    """How a dispute ended: the way agreed, the compensation paid (in the currency's units) and the agreement.

    A compensation is recorded as the complaint's redress (`redress_id`), under the desk's approval limits: one
    above the settler's limit waits for a lead whose limit covers it, and the settlement stands once it is
    approved."""

    way: str
    compensation: int = 0
    currency: str
    agreement_reference: str
    at: str
    by: str
    redress_id: str | None = None  # the compensation's redress record
    approved_by: str | None = None  # settlements stored before compensation went through redress: who agreed it


class Dispute(Outcome):
    """Harm claimed and redress demanded: owned by the profile's department, apart from the complaint."""

    opened_at: str
    opened_by: str  # "system" when the text named a harm and a claim
    steps: list[DisputeStep] = []
    settlement: Settlement | None = None
    withdrawn: list[Settlement] = []  # settlements whose compensation was refused, oldest first

    def has(self, step: str) -> bool:
        return any(s.step == step for s in self.steps)

    def compensation_refused(self, redress_id: str) -> bool:
        """A settlement whose compensation is refused does not stand: it is withdrawn, and the dispute may be
        settled again. Whether that happened (the redress was the settlement's)."""
        if self.settlement is None or self.settlement.redress_id != redress_id:
            return False
        self.withdrawn = [*self.withdrawn, self.settlement]
        self.settlement = None
        return True
