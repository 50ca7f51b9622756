"""The scheduled sweep: the one place that reads the clock for deadlines.

It reads only the timers that are due, through the sparse sharded index, and
acts on each: an overdue human wait climbs the escalation ladder (owner and
supervisor, then manager); an unanswered survey is recorded as no_response
and its wait is failed so the workflow ends; a corrective action falling due
warns its owner, and once due is overdue. Each action is claimed by a
conditional write first, so overlapping sweeps never act twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from complaints.adapters.dynamodb.digests import ClaimedDigest
from complaints.core import clock
from complaints.core.enums import LEAD_STAGES, EventType, Stage
from complaints.core.errors import ComplaintNotFound, VersionConflict
from complaints.core.observability import logger
from complaints.core.record import ComplaintRecord
from complaints.core.values import TimelineEvent
from complaints.desk.context import Desk
from complaints.desk.notices import still_holds
from complaints.handling import corrective, decisions, incident_age, survey, tracking
from complaints.promises import keeping as promises
from complaints.triage import assignment


@dataclass
class SweepResult:
    due: int = 0
    escalated: int = 0
    timed_out: int = 0
    handed_over: int = 0
    follow_ups: int = 0
    digests: int = 0
    promise_steps: int = 0
    incidents_prioritised: int = 0  # outages open past the policy's limit
    action_steps: int = 0  # corrective actions warned or marked overdue
    released: int = 0
    dropped: int = 0  # held messages and whole digests no longer true when their time came
    redelivered: int = 0  # saved decisions sent to the workflow again
    send_failures: int = 0  # held messages and digests left for a later sweep
    skipped: int = 0
    oldest_due_age_seconds: float = 0.0  # how late the most overdue wait was found: the sweep's lag
    complaints: list[str] = field(default_factory=list)


def sweep(desk: Desk) -> SweepResult:
    now = clock.now()
    result = SweepResult()
    for record in desk.complaints.due_timers(now):
        if record.timer_due is None or record.timer_due > now:
            # The index said due, the complaint read after it says otherwise: someone acted on it in between (or
            # the index lagged, as a DynamoDB index may). Its new wait, if any, is swept when it falls due.
            result.skipped += 1
            continue
        result.due += 1
        result.oldest_due_age_seconds = max(result.oldest_due_age_seconds, (now - record.timer_due).total_seconds())
        try:
            if record.decision is not None:
                decisions.redeliver(desk, record)
                result.redelivered += 1
            elif record.timer_stage is Stage.SURVEY:
                survey.survey_no_response(desk, record)
                result.timed_out += 1
            elif record.timer_stage is Stage.TRACKING:
                tracking.tracking_due(desk, record)
                result.follow_ups += 1
            elif record.timer_stage is Stage.ACCEPTANCE and record.owner_id:
                assignment.hand_over_unaccepted(desk, record)
                result.handed_over += 1
            else:
                _escalate(desk, record)
                result.escalated += 1
            result.complaints.append(record.complaint_id)
        except VersionConflict:
            # Someone acted on the complaint meanwhile; the next sweep sees the new state.
            result.skipped += 1
    result.promise_steps = promises.sweep(desk, now)
    result.incidents_prioritised = incident_age.sweep(desk, now)
    result.action_steps = corrective.sweep(desk, now)
    _send_held(desk, now, result)
    _send_digests(desk, now, result)
    logger.info("reminders sweep", extra={"due": result.due, "digests": result.digests, "escalated": result.escalated,
                                          "timed_out": result.timed_out, "skipped": result.skipped,
                                          "send_failures": result.send_failures})
    return result


# A send may fail in any way the gateway fails (throttling, an endpoint down, a refused number); the
# message is claimed before and deleted only after a successful send, so a failure leaves it for a
# later sweep and the rest of this sweep goes on.
def _send_held(desk: Desk, now: datetime, result: SweepResult) -> None:
    for due in desk.messages.due(now):
        held = desk.messages.claim(due, now)
        if held is None:
            continue  # another sweep has it
        complaint_id, template = str(held["complaint_id"]), str(held["template"])
        try:
            sent = desk.notices.release(held, _current(desk, complaint_id))
        except Exception as exc:  # noqa: BLE001 - see above
            _failed(desk.messages.failed(held, _error(exc)), "held message", exc, result,
                    complaint_id=complaint_id, template=template)
            continue
        desk.messages.sent(held)
        if sent:
            result.released += 1
        else:
            result.dropped += 1
            logger.info("held message no longer true; dropped", extra={"complaint_id": complaint_id,
                                                                       "template": template})


def _current(desk: Desk, complaint_id: str) -> ComplaintRecord | None:
    try:
        return desk.complaints.get(complaint_id)
    except ComplaintNotFound:
        return None


def _still_true(desk: Desk, digest: ClaimedDigest) -> ClaimedDigest:
    """The digest's lines that still hold of their complaints as they are now."""
    records: dict[str, ComplaintRecord | None] = {}
    kept = []
    for complaint_id, expects in digest.about:
        if not expects:
            kept.append(True)
            continue
        if complaint_id not in records:
            records[complaint_id] = _current(desk, complaint_id)
        record = records[complaint_id]
        kept.append(record is not None and still_holds(expects, record))
    return digest.keeping(kept)


def _send_digests(desk: Desk, now: datetime, result: SweepResult) -> None:
    for agent_id in desk.digests.due(now):
        digest = desk.digests.claim(agent_id, now)
        if digest is None:
            continue
        try:
            digest = _still_true(desk, digest)
            if not digest.lines:
                desk.digests.sent(digest)  # nothing in it is true any more
                result.dropped += 1
                continue
            desk.notices.send_digest(agent_id, digest.lines)
        except Exception as exc:  # noqa: BLE001 - see above
            _failed(desk.digests.failed(digest, _error(exc)), "digest", exc, result, agent_id=agent_id)
            continue
        desk.digests.sent(digest)
        result.digests += 1


def _error(exc: Exception) -> str:
    return type(exc).__name__


def _failed(retried: bool, what: str, exc: Exception, result: SweepResult, **keys: str) -> None:
    result.send_failures += 1
    if retried:
        logger.warning("not sent; a later sweep tries again", extra={**keys, "what": what, "error": _error(exc)})
    else:
        logger.error("not sent after every attempt; set aside", extra={**keys, "what": what, "error": _error(exc)})


def _recipient(desk: Desk, record: ComplaintRecord, rung: str) -> str | None:
    department = desk.policy.department(record.department) if record.department else None
    if rung == "owner" and record.owner_id:
        return record.owner_id
    if rung == "manager" and department:
        return department.manager
    return department.supervisor if department else None


def _escalate(desk: Desk, record: ComplaintRecord) -> None:
    """One rung of the policy's ladder per interval; sensitive complaints start higher, and a wait for a lead's
    decision (LEAD_STAGES) above the owner, who cannot act on it."""
    assert record.timer_stage is not None and record.timer_due is not None
    ladder = [rung for rung in desk.policy.escalation.ladder
              if not (rung == "owner" and record.timer_stage in LEAD_STAGES)] or desk.policy.escalation.ladder
    level = record.timer_level
    rung = min(level + (desk.policy.escalation.sensitive_start if record.sensitive else 0), len(ladder) - 1)
    recipient = _recipient(desk, record, ladder[rung])
    recipients = [recipient] if recipient else []
    stage, due = record.timer_stage, record.timer_due
    if rung + 1 < len(ladder):
        record.set_timer(stage, desk.policy.calendar.add(due, desk.policy.escalation_interval), level + 1)
    else:
        record.set_timer(None, None)
    desk.complaints.save(record, [TimelineEvent(at=clock.now(), type=EventType.ESCALATED, actor="system",
                                                detail={"stage": stage.value, "level": level, "rung": ladder[rung],
                                                  "to": ",".join(recipients)})])
    for recipient in recipients:
        desk.notices.tell_staff(recipient, record, "overdue", stage=stage.value, due=desk.local_time(due),
                                owner=record.owner_id or "none")
