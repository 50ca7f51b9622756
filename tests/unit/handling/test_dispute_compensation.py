"""A dispute settled with compensation: the compensation is the complaint's redress, under the desk's approval
limits; the settlement stands (and is counted apart) once it is approved, a refusal withdraws it, and the patient
is told through the notification port with nothing clinical in what they read or in the logs. The settlement
deadline is kept when the settlement stands: until then it stays pending, its timer running, and it is counted
once, kept or missed."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from complaints.core import clock
from complaints.core.enums import PromiseState, RedressKind, RedressState
from complaints.core.errors import Conflict, Forbidden
from complaints.core.redress import RedressDecisionRequest, RedressRequest
from complaints.core.requests import DisputeStepRequest, SettlementRequest
from complaints.desk.context import Desk
from complaints.handling import disputes, redress
from complaints.promises import keeping
from complaints.reporting import reports
from complaints.reporting.periods import days_of
from tests.unit.support import MemoryNotifier, operator, promise, receive, record, to_resolution

pytestmark = pytest.mark.profile("hospital")
COMPLICATION = "术后出现严重并发症感染，又住进ICU，我们要求医院赔偿全部医疗费"
AGREEMENT = "YTW-2026-0412"


def _sealed_dispute(desk: Desk) -> tuple[str, str]:
    """A complication with a claim, owned by medical affairs, its records sealed; (complaint, owner)."""
    cid = receive(desk, COMPLICATION, service=None)
    owner = to_resolution(desk, cid)
    assert record(desk, cid).dispute is not None and record(desk, cid).department == "medical_affairs"
    disputes.record_step(desk, cid, operator(desk, owner), DisputeStepRequest(
        step="records_sealed", reference="FC-2026-118", note="病历封存，患方签字"))
    return cid, owner


def _settle(desk: Desk, cid: str, agent: str, compensation: int, way: str = "mediation") -> str:
    return disputes.settle(desk, cid, operator(desk, agent), SettlementRequest(
        way=way, compensation=compensation, agreement_reference=AGREEMENT, note="并发症系已知风险")).message


def _today(desk: Desk) -> date:
    return clock.now().astimezone(desk.policy.calendar.zone).date()


def _summary(desk: Desk) -> reports.SummaryReport:
    return reports.summary(desk, operator(desk, "mgr-lu"), _today(desk), _today(desk))


DEADLINE = "dispute_settlement"  # settled or referred within 30 working days of the dispute's opening


def _deadline(desk: Desk, cid: str) -> PromiseState:
    return promise(record(desk, cid), DEADLINE).state


def _followed(desk: Desk, cid: str) -> bool:
    """Whether the settlement deadline has a timer the reminders sweep will come to."""
    return (cid, DEADLINE) in {(c, kind) for c, kind, _ in desk.promise_timers.due(datetime(9000, 1, 1).astimezone())}


def _deadline_counted(desk: Desk, since: date) -> dict[str, int]:
    """Every counter of the settlement deadline from `since` to today, the assessment's included (by its end)."""
    counted: dict[str, int] = {}
    for day in desk.reports.days(days_of(since, _today(desk))).values():
        for name, value in day.items():
            if name.endswith(f":{DEADLINE}") and value:
                end = name.rsplit("|", 1)[-1].split(":", 1)[0]  # promise_kept, promise_missed, ...
                counted[end] = counted.get(end, 0) + value
    return counted


def _past_the_deadline(desk: Desk, cid: str) -> None:
    clock.advance(promise(record(desk, cid), DEADLINE).due_at - clock.now() + timedelta(minutes=1))


def test_a_compensation_above_the_settler_s_limit_waits_for_the_manager_and_then_stands(
        desk: Desk, notifier: MemoryNotifier) -> None:
    cid, owner = _sealed_dispute(desk)
    # When the owner (an agent, who grants nothing alone) settles with 86,417 CNY
    said = _settle(desk, cid, owner, 86417)
    # Then the settlement is recorded with its compensation as redress R1, waiting for the manager's approval
    stored = record(desk, cid)
    assert stored.dispute is not None and stored.dispute.settlement is not None
    assert stored.dispute.settlement.redress_id == "R1" and "waits for mgr-lu" in said
    item = stored.redress[0]
    assert (item.kind, item.amount, item.currency, item.state) == (
        RedressKind.COMPENSATION, Decimal(86417), "CNY", RedressState.PENDING_APPROVAL)
    assert not stored.settlement_stands and stored.holds  # the complaint cannot be reported resolved yet
    assert notifier.to_customer(cid, "redress_compensation") == []
    # and the settlement deadline is not kept yet: it is pending, its timer running, counted nowhere
    opened = _today(desk)
    assert _deadline(desk, cid) is PromiseState.PENDING and _followed(desk, cid)
    assert _deadline_counted(desk, opened) == {}
    summary = _summary(desk)
    assert (summary.disputes_opened, summary.disputes_settled, summary.disputes_compensated) == (1, 0, 0)
    # A supervisor's limit (5,000) does not cover it, nor may the settler approve it
    for agent in ("sup-qin", owner):
        with pytest.raises(Forbidden):
            redress.decide(desk, cid, "R1", operator(desk, agent), RedressDecisionRequest(approved=True))

    # When the manager approves it
    redress.decide(desk, cid, "R1", operator(desk, "mgr-lu"), RedressDecisionRequest(approved=True))
    # Then the settlement stands, the patient is told the amount and the agreement, and nothing clinical
    stored = record(desk, cid)
    assert stored.settlement_stands and not stored.holds
    told = notifier.to_customer(cid, "redress_compensation")
    assert len(told) == 1
    text = told[0].render()
    assert "86417" in text and AGREEMENT in text and "人民调解（医调委）" in text
    for clinical in ("并发症", "感染", "ICU", "FC-2026-118", "病历"):
        assert clinical not in text
    # And the reports count the settlement and its compensation apart from the complaints' own redress
    summary = _summary(desk)
    assert (summary.disputes_settled, summary.disputes_compensated, summary.compensation_paid) == (1, 1, 86417)
    assert summary.dispute_ways == {"mediation": 1} and summary.redress == {}
    # And the settlement deadline is kept now that the settlement stands, counted once (and once in the
    # assessment of medical affairs and the owner)
    assert _deadline(desk, cid) is PromiseState.KEPT
    assert _deadline_counted(desk, opened) == {"promise_kept": 2}
    assert summary.promises[DEADLINE].kept == 1
    # and its timer, come due, finds it kept: no miss, no count more
    _past_the_deadline(desk, cid)
    keeping.sweep(desk, clock.now())
    assert _deadline(desk, cid) is PromiseState.KEPT and not _followed(desk, cid)
    assert _deadline_counted(desk, opened) == {"promise_kept": 2}


def test_a_compensation_within_the_settler_s_limit_stands_at_once_and_the_patient_is_told(
        desk: Desk, notifier: MemoryNotifier) -> None:
    cid, _ = _sealed_dispute(desk)
    said = _settle(desk, cid, "sup-qin", 3000, way="negotiation")
    stored = record(desk, cid)
    assert stored.settlement_stands and stored.redress[0].state is RedressState.APPROVED
    assert stored.redress[0].decided_by == "sup-qin" and "told to the customer" in said
    assert len(notifier.to_customer(cid, "redress_compensation")) == 1
    summary = _summary(desk)
    assert (summary.disputes_settled, summary.disputes_compensated, summary.compensation_paid) == (1, 1, 3000)
    assert _deadline(desk, cid) is PromiseState.KEPT and summary.promises[DEADLINE].kept == 1


def test_a_settlement_without_compensation_records_no_redress_and_stands(desk: Desk) -> None:
    cid, owner = _sealed_dispute(desk)
    _settle(desk, cid, owner, 0, way="court")
    stored = record(desk, cid)
    assert stored.redress == [] and stored.settlement_stands
    summary = _summary(desk)
    assert (summary.disputes_settled, summary.disputes_compensated, summary.compensation_paid) == (1, 0, 0)
    assert _deadline(desk, cid) is PromiseState.KEPT and summary.promises[DEADLINE].kept == 1


def test_a_refused_compensation_withdraws_the_settlement_and_the_dispute_is_settled_again(
        desk: Desk, notifier: MemoryNotifier) -> None:
    cid, owner = _sealed_dispute(desk)
    opened = _today(desk)
    _settle(desk, cid, owner, 120000)
    # When the manager refuses the compensation
    said = redress.decide(desk, cid, "R1", operator(desk, "mgr-lu"),
                          RedressDecisionRequest(approved=False, note="above what the appraisal supports"))
    # Then the settlement is withdrawn (kept in sight), nothing is told to the patient nor counted
    stored = record(desk, cid)
    assert stored.dispute is not None and stored.dispute.settlement is None
    assert [s.compensation for s in stored.dispute.withdrawn] == [120000] and "withdrawn" in said.message
    assert notifier.to_customer(cid, "redress_compensation") == []
    with pytest.raises(Conflict, match="is a dispute"):
        disputes.check_settled(stored)
    # and the settlement deadline is still pending, its timer running, counted nowhere as kept
    assert _deadline(desk, cid) is PromiseState.PENDING and _followed(desk, cid)
    assert _deadline_counted(desk, opened) == {}
    # And it is settled again in time, within the supervisor's limit, as R2
    _settle(desk, cid, "sup-qin", 4800)
    stored = record(desk, cid)
    assert stored.dispute is not None and stored.dispute.settlement is not None
    assert stored.dispute.settlement.redress_id == "R2" and stored.settlement_stands
    summary = _summary(desk)
    assert (summary.disputes_settled, summary.disputes_compensated, summary.compensation_paid) == (1, 1, 4800)
    # which keeps the settlement deadline, counted once
    assert _deadline(desk, cid) is PromiseState.KEPT
    assert _deadline_counted(desk, opened) == {"promise_kept": 2} and summary.promises[DEADLINE].kept == 1


def test_a_refused_compensation_not_followed_by_a_new_settlement_misses_the_deadline(desk: Desk) -> None:
    # Given a settlement whose compensation waits while the settlement deadline's first reminder comes and goes
    cid, owner = _sealed_dispute(desk)
    opened = _today(desk)
    _settle(desk, cid, owner, 120000)
    stored = record(desk, cid)
    reminder = keeping.plan(desk, promise(stored, DEADLINE), stored.received_at)[0][0]
    clock.advance(reminder - clock.now() + timedelta(minutes=1))
    assert keeping.sweep(desk, clock.now()) > 0 and _followed(desk, cid)  # pending, so its timer goes on
    # and the compensation is refused, the settlement withdrawn
    redress.decide(desk, cid, "R1", operator(desk, "mgr-lu"),
                   RedressDecisionRequest(approved=False, note="an appraisal first"))
    # When the 30 working days pass with no new settlement and the reminders sweep runs
    _past_the_deadline(desk, cid)
    keeping.sweep(desk, clock.now())
    # Then the settlement deadline is missed and goes up to medical affairs' supervisor and manager
    assert _deadline(desk, cid) is PromiseState.MISSED and not _followed(desk, cid)
    missed = [e.detail for e in desk.complaints.timeline(cid) if e.type == "promise_missed"]
    assert {"promise": DEADLINE, "escalated_to": "sup-qin,mgr-lu"} in missed
    # counted once as missed, never as kept
    assert _deadline_counted(desk, opened) == {"promise_missed": 2}
    # And a settlement after the deadline leaves it missed, counted no more
    _settle(desk, cid, "sup-qin", 4800)
    assert _deadline(desk, cid) is PromiseState.MISSED
    assert _deadline_counted(desk, opened) == {"promise_missed": 2}


def test_a_compensation_still_waiting_at_the_deadline_misses_it_and_its_approval_counts_no_keeping(
        desk: Desk) -> None:
    # Given a settlement in time whose compensation waits for the manager
    cid, owner = _sealed_dispute(desk)
    opened = _today(desk)
    _settle(desk, cid, owner, 86417)
    # When the deadline passes before the manager decides, and the sweep runs
    _past_the_deadline(desk, cid)
    keeping.sweep(desk, clock.now())
    # Then the deadline is missed (the dispute is not settled while its settlement waits) and goes up
    assert _deadline(desk, cid) is PromiseState.MISSED and not _followed(desk, cid)
    missed = [e.detail for e in desk.complaints.timeline(cid) if e.type == "promise_missed"]
    assert {"promise": DEADLINE, "escalated_to": "sup-qin,mgr-lu"} in missed
    # And the approval that comes later lets the settlement stand, the deadline missed and counted once
    redress.decide(desk, cid, "R1", operator(desk, "mgr-lu"), RedressDecisionRequest(approved=True))
    assert record(desk, cid).settlement_stands and _deadline(desk, cid) is PromiseState.MISSED
    assert _deadline_counted(desk, opened) == {"promise_missed": 2}


def test_a_settled_dispute_takes_no_further_settlement_and_ordinary_redress_is_counted_as_before(
        desk: Desk) -> None:
    cid, owner = _sealed_dispute(desk)
    _settle(desk, cid, "sup-qin", 2000)
    with pytest.raises(Conflict, match="already settled"):
        _settle(desk, cid, "sup-qin", 2000)
    # An apology besides the settlement is the complaint's redress, counted as such
    redress.record_redress(desk, cid, operator(desk, owner), RedressRequest(
        kind=RedressKind.APOLOGY, form="visit", reason="院方上门致歉"))
    summary = _summary(desk)
    assert set(summary.redress) == {"apology"} and summary.compensation_paid == 2000
