"""A dispute settled with compensation: the compensation is the complaint's redress, under the desk's approval
limits; the settlement stands (and is counted apart) once it is approved, a refusal withdraws it, and the patient
is told through the notification port with nothing clinical in what they read or in the logs."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from complaints.core import clock
from complaints.core.enums import RedressKind, RedressState
from complaints.core.errors import Conflict, Forbidden
from complaints.core.redress import RedressDecisionRequest, RedressRequest
from complaints.core.requests import DisputeStepRequest, SettlementRequest
from complaints.desk.context import Desk
from complaints.handling import disputes, redress
from complaints.reporting import reports
from tests.unit.support import MemoryNotifier, operator, receive, record, to_resolution

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


def test_a_settlement_without_compensation_records_no_redress_and_stands(desk: Desk) -> None:
    cid, owner = _sealed_dispute(desk)
    _settle(desk, cid, owner, 0, way="court")
    stored = record(desk, cid)
    assert stored.redress == [] and stored.settlement_stands
    summary = _summary(desk)
    assert (summary.disputes_settled, summary.disputes_compensated, summary.compensation_paid) == (1, 0, 0)


def test_a_refused_compensation_withdraws_the_settlement_and_the_dispute_is_settled_again(
        desk: Desk, notifier: MemoryNotifier) -> None:
    cid, owner = _sealed_dispute(desk)
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
    # And it is settled again, within the supervisor's limit, as R2
    _settle(desk, cid, "sup-qin", 4800)
    stored = record(desk, cid)
    assert stored.dispute is not None and stored.dispute.settlement is not None
    assert stored.dispute.settlement.redress_id == "R2" and stored.settlement_stands
    summary = _summary(desk)
    assert (summary.disputes_settled, summary.disputes_compensated, summary.compensation_paid) == (1, 1, 4800)


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
