"""The resolution report (回单) and the supervisor's quality check (质检).

The owner reports the outcome (resolved, temporary measure, or deferred to a
planned long-term fix), a root cause from the policy's list for the category,
the actions and the evidence. The policy may send the report to a
supervisor's quality check first; a failed check goes back to the owner. A
deferred fix, or a temporary measure with a long-term plan, becomes a tracking
ticket (``tracking``); the rest go on to the customer's confirmation
(``confirmation``).
"""

from __future__ import annotations

import hashlib
import hmac

from complaints.adapters.signing_keys import signing_key
from complaints.core import clock
from complaints.core.access import Operator, authorize, require_owner_or_lead, require_quality_checker
from complaints.core.enums import EventType, Priority, PromiseKind, ResolutionOutcome, Stage, Status
from complaints.core.errors import Conflict, InvalidField
from complaints.core.outcomes import QualityCheckResult, Resolution
from complaints.core.record import ComplaintRecord
from complaints.core.requests import QualityCheckRequest, ResolveRequest
from complaints.core.values import TimelineEvent
from complaints.core.views import ActionAnswer
from complaints.desk.context import Desk
from complaints.handling import disputes, tracking
from complaints.handling.acceptance import answer
from complaints.handling.decisions import claim
from complaints.promises import keeping as promises
from complaints.promises import terms as sla
from complaints.reporting import reports

_RAISED = {Priority.LOW: Priority.NORMAL, Priority.NORMAL: Priority.HIGH,
           Priority.HIGH: Priority.URGENT, Priority.URGENT: Priority.URGENT}



def _category(record: ComplaintRecord) -> str:
    return record.classification.category if record.classification else "other"


def _sample_draw(desk: Desk, record: ComplaintRecord) -> float:
    """A number in [0, 1) for the quality-check sample, fixed per complaint and round of handling.

    Keyed with the desk's secret and drawn from nothing the owner can change (saving again, resubmitting), so
    the owner can neither predict nor steer which reports are checked.
    """
    key = signing_key(desk.settings.required("signing_secret_name"), "quality-sample")
    digest = hmac.new(key, f"{record.complaint_id}:{record.reopen_count}".encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:4], "big") / 2**32


def _needs_check(desk: Desk, record: ComplaintRecord, category: str) -> bool:
    """By the policy, and always again after a failed check: a report sent back is checked before it goes on."""
    if record.quality_check is not None and not record.quality_check.passed:
        return True
    return desk.policy.needs_quality_check(category, record.priority, record.sensitive, _sample_draw(desk, record))


def reopen(desk: Desk, record: ComplaintRecord) -> list[str]:
    """The fix did not hold: back to work at a higher priority, with a solution promise to keep.

    Returns the kinds of the promises made, whose timers start once the record is saved.
    """
    record.status = Status.IN_PROGRESS
    record.reopen_count += 1
    record.verified = record.confirm_nonce = None
    record.closed_at = None
    record.unreachable_attempts, record.first_unreachable_at = 0, None
    if record.classification is not None:
        record.classification = record.classification.model_copy(
            update={"priority": _RAISED[record.classification.priority]})
    return [PromiseKind.SOLUTION] if promises.ensure_solution(desk, record) else []



def resolve(desk: Desk, complaint_id: str, operator: Operator, request: ResolveRequest) -> ActionAnswer:
    record = desk.complaints.get(complaint_id)
    authorize(operator, record)
    require_owner_or_lead(record, operator)
    if record.holds:
        raise Conflict(f"complaint {complaint_id} cannot be reported resolved yet: {'; '.join(record.holds)}")
    category = _category(record)
    causes = desk.policy.root_causes_for(category)
    if request.root_cause not in causes:
        raise InvalidField("root_cause", f"{request.root_cause!r} is not a root cause of {category}; "
                                         f"one of: {', '.join(causes)}")
    disputes.check_settled(record)
    if record.stage is Stage.TRACKING:
        return tracking.fix_landed(desk, record, operator, request)
    tracked = request.tracked
    tracking.check_plan_required(record, request)
    if tracked:
        assert request.expected_by is not None
        tracking.check_expected(desk, request.expected_by)
        tracking.check_plan_owner(desk, request.plan_owner)
    check = _needs_check(desk, record, category)
    now = clock.now()
    report = Resolution(outcome=request.outcome, root_cause=request.root_cause, actions=request.actions,
                        by=operator.agent_id, at=clock.iso(now), evidence=request.evidence or None)
    if tracked:
        report.plan, report.expected_by = request.plan, request.expected_by
        report.plan_owner = request.plan_owner or record.owner_id

    def change(r: ComplaintRecord) -> None:
        r.status = Status.QUALITY_CHECK if check else Status.TRACKING if tracked else Status.RESOLVED
        r.resolution = report
        r.quality_check = None
        r.unreachable_attempts, r.first_unreachable_at = 0, None
        r.promises = sla.keep_by(desk.policy, r.promises, EventType.RESOLVED, now)
        if tracked:
            r.tracking = tracking.ticket(report, now)
            r.plan_required = r.plan_required and check  # met once the ticket opens (after a check, if one)

    event = TimelineEvent(at=now, type=EventType.RESOLVED, actor=operator.agent_id,
                          detail={"outcome": request.outcome.value, "root_cause": request.root_cause,
                                  "quality_check": check, "tracking": tracked})
    record = claim(desk, record, Stage.RESOLUTION, event,
                   {"outcome": request.outcome.value, "quality_check": check, "tracking": tracked}, change,
                   reports.counts(desk, tracking_opened=int(tracked and not check)))
    if check:
        desk.notices.tell_staff(desk.policy.department(str(record.department)).supervisor, record, "quality_check",
                                outcome=request.outcome.value)
        return answer(record, "reported; a supervisor checks the handling before the customer is called")
    if tracked:
        what = "deferred" if request.outcome is ResolutionOutcome.DEFERRED else "temporary measure in place"
        return answer(record, f"{what}; tracked until the planned fix lands by {request.expected_by}")
    return answer(record, "resolved; awaiting the customer's confirmation")


def quality_check(desk: Desk, complaint_id: str, operator: Operator, request: QualityCheckRequest) -> ActionAnswer:
    record = desk.complaints.get(complaint_id)
    require_quality_checker(record, operator)
    outcome = record.resolution.outcome.value if record.resolution else ResolutionOutcome.RESOLVED.value
    deferred = record.resolution is not None and record.resolution.plan is not None  # a planned fix: tracked
    now = clock.now()

    def change(r: ComplaintRecord) -> None:
        r.quality_check = QualityCheckResult(passed=request.passed, by=operator.agent_id, at=clock.iso(now),
                                             reason=request.reason or None)
        if request.passed:
            r.status = Status.TRACKING if deferred else Status.RESOLVED
            r.plan_required = r.plan_required and not deferred
        else:
            r.status, r.tracking = Status.IN_PROGRESS, None

    event = TimelineEvent(at=now, type=EventType.QUALITY_CHECKED, actor=operator.agent_id,
                          detail={"passed": request.passed, "reason": request.reason})
    counted = reports.counts(desk, quality_passed=int(request.passed), quality_failed=int(not request.passed),
                             tracking_opened=int(request.passed and deferred))
    record = claim(desk, record, Stage.QUALITY_CHECK, event,
                   {"passed": request.passed, "outcome": outcome, "tracking": request.passed and deferred},
                   change, counted)
    if not request.passed:
        if record.owner_id:
            desk.notices.tell_staff(record.owner_id, record, "quality_failed", reason=str(request.reason))
        return answer(record, f"returned to {record.owner_id}: {request.reason}")
    return answer(record, "quality check passed")


