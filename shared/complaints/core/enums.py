"""The engine's vocabulary as enums: statuses, stages, roles, event types, promise kinds.

Channels, services and categories are a desk's own and live in its policy profile.

Every enum is a StrEnum, so a stored value, a JSON answer and a log line carry
the same plain string as before the enum existed.
"""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    """The statuses a user sees, in lifecycle order."""

    ACKNOWLEDGED = "acknowledged"
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    PENDING_CUSTOMER = "pending_customer"  # waiting on the customer; pausable promises stop
    QUALITY_CHECK = "quality_check"  # a supervisor checks the handling before the customer is called
    TRACKING = "tracking"  # 投诉跟踪单: a long-term fix is planned and followed until it lands
    RESOLVED = "resolved"  # awaiting the customer's confirmation
    CLOSED = "closed"  # the customer confirmed the fix
    CLOSED_UNCONFIRMED = "closed_unconfirmed"  # the customer could not be reached to confirm
    FAILED = "failed"


CLOSED_STATUSES = frozenset({Status.CLOSED, Status.CLOSED_UNCONFIRMED, Status.FAILED})


class Stage(StrEnum):
    """What the workflow is waiting for from a person."""

    ASSIGNMENT = "assignment"  # a supervisor must pick an owner by hand
    ACCEPTANCE = "acceptance"
    RESOLUTION = "resolution"
    QUALITY_CHECK = "quality_check"  # a supervisor's check (质检) before the customer is called
    TRACKING = "tracking"  # a deferred fix is followed until it lands
    CONFIRMATION = "confirmation"
    SURVEY = "survey"
    REVIEW = "review"  # a supervisor reviews a low survey score


# The waits held by the complaint's timer alone, with no execution open: days to months with nothing to
# orchestrate (a tracking ticket's planned fix, the survey, a low score's review). A decision taken on one
# starts a new execution only where the workflow has work left (complaints.desk.continuation).
HELD_STAGES = frozenset({Stage.TRACKING, Stage.SURVEY, Stage.REVIEW})

# The waits for a lead's decision, not the owner's: a supervisor's quality check and a low score's review.
# Their escalation starts above the owner, who cannot act on them.
LEAD_STAGES = frozenset({Stage.QUALITY_CHECK, Stage.REVIEW})


class ResumeAt(StrEnum):
    """The states of the state machine a new execution goes on from after a decision on a held wait."""

    ASSIGN = "Assign"  # an appeal: the second-handling department assigns an owner
    AWAIT_RESOLUTION = "AwaitResolution"  # a low score's review reopened the complaint
    AWAIT_CONFIRMATION = "AwaitConfirmation"  # a tracking ticket's planned fix landed


# The status a complaint shows while the workflow waits at each stage.
STATUS_WHILE_AWAITING: dict[Stage, Status] = {
    Stage.ASSIGNMENT: Status.ACKNOWLEDGED,
    Stage.ACCEPTANCE: Status.ASSIGNED,
    Stage.RESOLUTION: Status.IN_PROGRESS,
    Stage.QUALITY_CHECK: Status.QUALITY_CHECK,
    Stage.TRACKING: Status.TRACKING,
    Stage.CONFIRMATION: Status.RESOLVED,
    Stage.SURVEY: Status.CLOSED,
    Stage.REVIEW: Status.CLOSED,
}


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"

    @property
    def rank(self) -> int:
        """Sorts the most urgent first in index keys."""
        return {"urgent": 0, "high": 1, "normal": 2, "low": 3}[self.value]


class Nature(StrEnum):
    VALID = "valid"
    HELP_SEEKING = "help_seeking"
    INQUIRY = "inquiry"
    VENTING = "venting"


class ResolutionOutcome(StrEnum):
    RESOLVED = "resolved"
    TEMPORARY_MEASURE = "temporary_measure"
    DEFERRED = "deferred"  # a long-term fix, planned for a later date: a tracking ticket


class CallbackOutcome(StrEnum):
    FIXED = "fixed"
    NOT_FIXED = "not_fixed"
    UNREACHABLE = "unreachable"
    CUSTOMER_BUSY = "customer_busy"  # reached, but asked to be called again


class Rating(StrEnum):
    SATISFIED = "satisfied"
    NEUTRAL = "neutral"
    UNSATISFIED = "unsatisfied"


class PromiseState(StrEnum):
    PENDING = "pending"
    KEPT = "kept"
    MISSED = "missed"
    CANCELLED = "cancelled"
    RENEGOTIATED = "renegotiated"  # moved with a reason, the customer told; a new promise replaces it


class PromiseKind(StrEnum):
    """The promise kinds the engine itself names; a policy profile may define others of its own."""

    ACKNOWLEDGE = "acknowledge"  # kept at intake
    FIRST_CONTACT = "first_contact"  # kept when the owner accepts (and calls)
    FIRST_REPLY = "first_reply"
    INVESTIGATION = "investigation"
    SOLUTION = "solution"
    RECOVERY = "recovery"  # the supervisor's, after a low survey score


class Role(StrEnum):
    """An operator's role, in ascending authority: a token naming several acts with the highest."""

    AGENT = "agent"
    SUPERVISOR = "supervisor"
    MANAGER = "manager"
    ADMIN = "admin"

    @property
    def leads(self) -> bool:
        """Supervisors and above lead a department's work."""
        return self is not Role.AGENT

    @property
    def across_departments(self) -> bool:
        """Managers and admins act in every department and need not be on the roster."""
        return self in (Role.MANAGER, Role.ADMIN)


class EventType(StrEnum):
    """What a timeline event records."""

    RECEIVED = "received"
    CLASSIFIED = "classified"
    REPEAT = "repeat"
    REPEATED_BY = "repeated_by"
    INCIDENT_LINKED = "incident_linked"
    INCIDENT_RESOLVED = "incident_resolved"
    INCIDENT_PRIORITISED = "incident_prioritised"  # its incident stayed open past the policy's limit
    ASSIGNED = "assigned"
    NO_AGENT_AVAILABLE = "no_agent_available"
    ACCEPTED = "accepted"
    ACCEPTANCE_MISSED = "acceptance_missed"
    TRANSFERRED = "transferred"
    PASSING_AROUND = "passing_around"
    REPLIED = "replied"  # a staged reply (阶段回复): the owner's contact with the customer
    APPOINTMENT_BOOKED = "appointment_booked"  # a field visit's window agreed with the customer
    ARRIVED = "arrived"  # the visit arrived on site
    AUTHORITY_REPORTED = "authority_reported"  # an extension reported to the supervising authority
    PAUSED = "paused"
    RESUMED = "resumed"
    RESOLVED = "resolved"
    QUALITY_CHECKED = "quality_checked"
    FOLLOW_UP = "follow_up"
    FOLLOW_UP_DUE = "follow_up_due"
    FIX_LANDED = "fix_landed"
    CALLBACK = "callback"
    CONFIRMED_FIXED = "confirmed_fixed"
    REOPENED = "reopened"
    UNCONFIRMED = "unconfirmed"
    CLOSED = "closed"
    SURVEYED = "surveyed"
    SURVEY_NO_RESPONSE = "survey_no_response"
    REVIEWED = "reviewed"
    APPEALED = "appealed"
    PROMISE_EXTENDED = "promise_extended"
    PROMISE_MISSED = "promise_missed"
    CUSTOMER_UPDATED = "customer_updated"
    ESCALATED = "escalated"
    DECISION_ROLLED_BACK = "decision_rolled_back"
    REDRIVEN = "redriven"  # a new execution went on where the complaint stood
    REDRESS_RECORDED = "redress_recorded"  # compensation, refund, fee adjustment, apology or explanation
    REDRESS_DECIDED = "redress_decided"  # an amount above the recorder's limit approved or refused
    CONSULTED = "consulted"  # a question to another department
    CONSULT_ANSWERED = "consult_answered"
    ASSIST_OPENED = "assist_opened"  # another department does part of the work
    ASSIST_DONE = "assist_done"
    RETURNED = "returned"  # 退单: sent back to the dispatcher with a reason
    LOCATION_CORRECTED = "location_corrected"  # an operator corrected where it is (the fields named, not values)
    DISPUTE_OPENED = "dispute_opened"  # harm claimed and redress demanded: a dispute, apart from a complaint
    DISPUTE_STEP = "dispute_step"  # a step of the dispute the profile names (evidence sealed, mediation ...)
    DISPUTE_SETTLED = "dispute_settled"  # it ended in a settlement, with or without compensation
    CORRECTIVE_ACTION_OPENED = "corrective_action_opened"  # a corrective action (整改) answers this complaint
    CORRECTIVE_ACTION_CLOSED = "corrective_action_closed"  # that action was done or cancelled
    TRACKING_REQUIRED = "tracking_required"  # not fixed again: the next report must carry a long-term plan
    FAILED = "failed"


class WorkflowError(StrEnum):
    """The errors sent to a waiting task (SendTaskFailure) that the state machine catches by name."""

    ACCEPTANCE_TIMED_OUT = "Complaint.AcceptanceTimedOut"  # the owner did not accept in time: assign again
    TRANSFERRED = "Complaint.Transferred"  # an operator moved the complaint: assign again
    APPEALED = "Complaint.Appealed"  # the customer appealed while the survey or review waited
    SURVEY_TIMED_OUT = "Complaint.SurveyTimedOut"  # the customer did not answer the survey
    # Decisions that leave the happy path, sent as named errors so the wait's Catch routes them and the
    # happy path needs no Choice state (each state entered is a billed transition).
    QUALITY_CHECK_REQUIRED = "Complaint.QualityCheckRequired"  # the report goes to a supervisor's check first
    DEFERRED = "Complaint.Deferred"  # a planned long-term fix (deferred, or behind a temporary measure): tracked
    QUALITY_CHECK_FAILED = "Complaint.QualityCheckFailed"  # back to the owner with the reason
    NOT_FIXED = "Complaint.NotFixed"  # the customer says it is not fixed: reopened to the owner


class RedressKind(StrEnum):
    """What is done to put things right for the customer (补救)."""

    COMPENSATION = "compensation"
    REFUND = "refund"
    FEE_ADJUSTMENT = "fee_adjustment"
    APOLOGY = "apology"
    EXPLANATION = "explanation"  # a written explanation for a customer who disputes the outcome

    @property
    def money(self) -> bool:
        return self in (RedressKind.COMPENSATION, RedressKind.REFUND, RedressKind.FEE_ADJUSTMENT)


class ApologyForm(StrEnum):
    WRITTEN = "written"
    PHONE = "phone"
    VISIT = "visit"  # a visit at the customer's home


class RedressState(StrEnum):
    PENDING_APPROVAL = "pending_approval"  # above the recorder's limit: a higher role decides
    APPROVED = "approved"
    REFUSED = "refused"
    GIVEN = "given"  # an apology or an explanation, given when recorded


class ReturnReason(StrEnum):
    """Why a department returns a complaint to the dispatcher (退单)."""

    NOT_OURS = "not_ours"  # another department's responsibility
    INCOMPLETE = "incomplete"  # the complaint lacks what is needed to handle it
    DUPLICATE = "duplicate"  # the same trouble is already handled under another complaint
