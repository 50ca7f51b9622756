"""The rules' time limits: staged replies, field visits, the investigation ceiling, transfers, who handles it."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from complaints.core import clock
from complaints.core.errors import BadRequest, Conflict, InvalidField
from complaints.core.requests import AppointmentRequest, ArrivalRequest, ReplyRequest
from complaints.desk.context import Desk
from complaints.handling import acceptance, contacts, resolution
from complaints.promises import extensions, keeping
from complaints.triage import assignment
from complaints.workflow import steps
from tests.unit.support import (
    BROADBAND,
    FIXED,
    ExtendRequest,
    MemoryNotifier,
    PromiseState,
    Stage,
    TransferRequest,
    advance,
    move_clock_to,
    operator,
    park,
    promise,
    receive,
    record,
    to_acceptance,
    to_resolution,
    today_counts,
)

CALL = ReplyRequest(kind="call", summary="called the customer: the antenna is being checked")


def _missed(desk: Desk, complaint_id: str) -> list[str]:
    return [str(e.detail["promise"]) for e in desk.complaints.timeline(complaint_id) if e.type == "promise_missed"]


def _pass(desk: Desk, moment: object) -> None:
    assert hasattr(moment, "tzinfo")
    clock.advance(moment - clock.now() + timedelta(minutes=1))  # type: ignore[operator]
    keeping.sweep(desk, clock.now())


# ------------------------------------------------------------------ staged replies
def test_a_call_on_day_one_keeps_the_first_reply_while_the_investigation_takes_its_five_days(desk: Desk) -> None:
    cid = receive(desk)
    owner = to_resolution(desk, cid)
    contacts.reply(desk, cid, operator(desk, owner), CALL)
    stored = record(desk, cid)
    assert promise(stored, "first_reply").state is PromiseState.KEPT
    assert promise(stored, "same_day_clearing").state is PromiseState.KEPT
    # The investigation's 5 working days, nearly all used
    _pass(desk, promise(stored, "investigation").due_at - timedelta(minutes=30))
    resolution.resolve(desk, cid, operator(desk, owner), FIXED)

    stored = record(desk, cid)
    assert promise(stored, "investigation").state is PromiseState.KEPT
    assert _missed(desk, cid) == []
    assert today_counts(desk).get("promise_missed:first_reply") is None


def test_a_reply_promising_a_new_time_makes_that_promise_and_the_customer_gets_it_in_writing(
        desk: Desk, notifier: MemoryNotifier) -> None:
    cid = receive(desk)
    owner = to_resolution(desk, cid)
    later = clock.now() + timedelta(days=2)

    contacts.reply(desk, cid, operator(desk, owner), CALL.model_copy(update={"next_reply_at": later}))

    assert promise(record(desk, cid), "next_reply").due_at == later
    written = notifier.to_customer(cid, "reply_promised")
    name = desk.policy.agent(owner).name  # type: ignore[union-attr]
    assert len(written) == 1 and name in written[0].render() and owner not in written[0].render()
    assert "10086-9" in written[0].render()  # whom to call if the handler cannot be reached
    assert today_counts(desk)["reply:call"] == 1
    # The next reply keeps it; one that does not come is missed
    contacts.reply(desk, cid, operator(desk, owner), ReplyRequest(kind="sms", summary="sent the test results"))
    assert promise(record(desk, cid), "next_reply").state is PromiseState.KEPT


def test_a_promised_reply_that_does_not_come_is_missed(desk: Desk) -> None:
    cid = receive(desk)
    owner = to_resolution(desk, cid)
    contacts.reply(desk, cid, operator(desk, owner), CALL.model_copy(update={"next_reply_at": clock.now() + timedelta(
        hours=3)}))
    _pass(desk, promise(record(desk, cid), "next_reply").due_at)
    assert promise(record(desk, cid), "next_reply").state is PromiseState.MISSED


def test_a_reply_names_a_kind_of_contact_of_the_policy_and_is_not_made_in_quiet_hours(desk: Desk) -> None:
    cid = receive(desk)
    owner = operator(desk, to_resolution(desk, cid))
    with pytest.raises(InvalidField) as wrong:
        contacts.reply(desk, cid, owner, ReplyRequest(kind="pigeon", summary="a note"))
    assert wrong.value.field == "kind" and "call" in wrong.value.reason
    move_clock_to("22:00", desk)
    with pytest.raises(Conflict, match="quiet hours"):
        contacts.reply(desk, cid, owner, CALL)
    assert "replied" not in [e.type for e in desk.complaints.timeline(cid)]


# ------------------------------------------------------------------ field visits
def _broadband_at_night(desk: Desk) -> tuple[str, str]:
    move_clock_to("22:00", desk)
    cid = receive(desk, BROADBAND)
    owner = to_acceptance(desk, cid)
    return cid, owner


def test_a_night_broadband_order_counts_its_appointment_from_acceptance_and_booking_keeps_it(
        desk: Desk, notifier: MemoryNotifier) -> None:
    cid, owner = _broadband_at_night(desk)
    assert "appointment" not in {p.kind for p in record(desk, cid).promises}  # nothing promised before acceptance
    move_clock_to("08:40", desk)
    acceptance.accept(desk, cid, operator(desk, owner))
    accepted_at = clock.now()
    assert promise(record(desk, cid), "appointment").due_at == accepted_at + timedelta(minutes=30)
    advance(minutes=10)
    start = accepted_at.replace(microsecond=0) + timedelta(hours=6)  # after the lunch break's quiet hours

    contacts.book(desk, cid, operator(desk, owner), AppointmentRequest(start=start, end=start + timedelta(hours=2)))

    stored = record(desk, cid)
    assert promise(stored, "appointment").state is PromiseState.KEPT
    assert promise(stored, "on_site").due_at == start + timedelta(hours=2)
    assert notifier.to_customer(cid, "appointment")
    # Arriving inside the window keeps the visit's promise
    clock.advance(start + timedelta(minutes=20) - clock.now())
    contacts.arrive(desk, cid, operator(desk, owner), ArrivalRequest())
    assert promise(record(desk, cid), "on_site").state is PromiseState.KEPT


def test_a_visit_in_quiet_hours_is_refused_unless_the_customer_asked_for_it(desk: Desk) -> None:
    cid, owner = _broadband_at_night(desk)
    move_clock_to("09:00", desk)
    acceptance.accept(desk, cid, operator(desk, owner))
    evening = clock.now().astimezone(desk.policy.calendar.zone).replace(hour=12, minute=30)  # 12:00-14:30 is quiet
    window = AppointmentRequest(start=evening, end=evening + timedelta(hours=1))

    with pytest.raises(InvalidField, match="quiet hours"):
        contacts.book(desk, cid, operator(desk, owner), window)
    contacts.book(desk, cid, operator(desk, owner), window.model_copy(update={"customer_requested": True}))

    stored = record(desk, cid)
    assert stored.appointment is not None and stored.appointment.customer_requested
    assert [e.detail["customer_requested"] for e in desk.complaints.timeline(cid)
            if e.type == "appointment_booked"] == [True]


def test_the_customer_is_reminded_before_the_visit_outside_quiet_hours(desk: Desk,
                                                                       notifier: MemoryNotifier) -> None:
    cid, owner = _broadband_at_night(desk)
    move_clock_to("09:00", desk)
    acceptance.accept(desk, cid, operator(desk, owner))
    tomorrow = clock.now() + timedelta(days=1)
    start = tomorrow.replace(hour=0, minute=0)  # 08:00 local (UTC+8): the reminder would fall at 06:00
    contacts.book(desk, cid, operator(desk, owner), AppointmentRequest(
        start=start + timedelta(minutes=45), end=start + timedelta(hours=2, minutes=45)))
    held = [h for h in desk.messages.due(start + timedelta(hours=1)) if h["template"] == "visit_reminder"]
    assert len(held) == 1
    at = datetime.fromisoformat(held[0]["TSK"].split("#")[0])
    assert not desk.policy.quiet.is_quiet(at) and at < start + timedelta(minutes=45)


# ------------------------------------------------------------------ the investigation ceiling
def _ceiling_request(desk: Desk, complaint_id: str, **fields: object) -> ExtendRequest:
    ceiling = promise(record(desk, complaint_id), "regulator_ceiling")
    return ExtendRequest.model_validate({"due_at": ceiling.due_at + timedelta(days=10),
                                         "reason": "a new base station must be built", **fields})


def test_the_ceiling_moves_only_with_an_explanation_and_a_report_to_the_authority(
        desk: Desk, notifier: MemoryNotifier) -> None:
    cid = receive(desk)
    owner = operator(desk, to_resolution(desk, cid))
    old = promise(record(desk, cid), "regulator_ceiling")
    with pytest.raises(InvalidField) as refused:
        extensions.extend(desk, cid, owner, "regulator_ceiling", _ceiling_request(desk, cid))
    assert refused.value.field == "explanation"
    with pytest.raises(InvalidField) as refused:
        extensions.extend(desk, cid, owner, "regulator_ceiling", _ceiling_request(
            desk, cid, explanation="we need a new site to cover your street"))
    assert refused.value.field == "authority_reference"

    extensions.extend(desk, cid, owner, "regulator_ceiling", _ceiling_request(
        desk, cid, explanation="we need a new site to cover your street", authority="省通信管理局",
        authority_reference="GD-2026-0042"))

    ceilings = [p for p in record(desk, cid).promises if p.kind == "regulator_ceiling"]
    assert [p.state for p in ceilings] == [PromiseState.RENEGOTIATED, PromiseState.PENDING]
    reported = [e.detail for e in desk.complaints.timeline(cid) if e.type == "authority_reported"]
    assert reported == [{"promise": "regulator_ceiling", "authority": "省通信管理局", "reference": "GD-2026-0042"}]
    assert "new site" in notifier.to_customer(cid, "promise_extended")[-1].render()
    counts = today_counts(desk)
    assert counts["promise_renegotiated:regulator_ceiling"] == 1 and counts["authority_reports"] == 1
    # A solution may now go past the old ceiling, whose moment passes as renegotiated, not missed
    extensions.extend(desk, cid, owner, "solution", ExtendRequest(due_at=old.due_at + timedelta(days=5),
                                                                  reason="the site is built first"))
    _pass(desk, old.due_at)
    assert "regulator_ceiling" not in _missed(desk, cid)


def test_no_promise_moves_past_a_pending_ceiling(desk: Desk) -> None:
    cid = receive(desk)
    owner = operator(desk, to_resolution(desk, cid))
    ceiling = promise(record(desk, cid), "regulator_ceiling")
    with pytest.raises(BadRequest, match="ceiling"):
        extensions.extend(desk, cid, owner, "solution", ExtendRequest(due_at=ceiling.due_at + timedelta(days=1),
                                                                      reason="needs more time"))


# ------------------------------------------------------------------ transfers
def test_a_transfer_to_maintenance_must_be_accepted_within_two_working_days_or_it_is_escalated(
        desk: Desk) -> None:
    cid = receive(desk)
    owner = to_resolution(desk, cid)
    assignment.transfer(desk, cid, operator(desk, owner), TransferRequest(reason="a fibre fault",
                                                                          department="maintenance"))
    deadline = promise(record(desk, cid), "transfer_deadline")
    assert deadline.due_at == desk.policy.calendar.add(deadline.made_at, "2wd")  # type: ignore[arg-type]

    _pass(desk, deadline.due_at)

    assert promise(record(desk, cid), "transfer_deadline").state is PromiseState.MISSED
    escalated = [e.detail for e in desk.complaints.timeline(cid) if e.type == "promise_missed"
                 and e.detail.get("promise") == "transfer_deadline"]
    assert escalated == [{"promise": "transfer_deadline", "escalated_to": "sup-sun,mgr-qian"}]


def test_the_receiving_departments_acceptance_keeps_the_transfer_deadline(desk: Desk) -> None:
    cid = receive(desk)
    owner = to_resolution(desk, cid)
    assignment.transfer(desk, cid, operator(desk, owner), TransferRequest(reason="a fibre fault",
                                                                          department="maintenance"))
    new_owner = steps.assign_step(desk, cid)["owner_id"]
    park(desk, cid, Stage.ACCEPTANCE)
    acceptance.accept(desk, cid, operator(desk, str(new_owner)))
    assert promise(record(desk, cid), "transfer_deadline").state is PromiseState.KEPT


# ------------------------------------------------------------------ who handles it
def test_the_customer_is_told_the_handlers_name_and_numbers_and_again_when_the_owner_changes(
        desk: Desk, notifier: MemoryNotifier) -> None:
    cid = receive(desk)
    first = to_acceptance(desk, cid)
    clock.advance(record(desk, cid).timer_due - clock.now() + timedelta(minutes=1))  # type: ignore[operator]
    assignment.hand_over_unaccepted(desk, record(desk, cid))  # the owner did not accept in time
    second = steps.assign_step(desk, cid)["owner_id"]
    park(desk, cid, Stage.ACCEPTANCE)
    move_clock_to("15:00", desk)  # after the lunch break's quiet hours, so the message goes at once
    acceptance.accept(desk, cid, operator(desk, str(second)))

    changed = notifier.to_customer(cid, "handler_changed")
    assert len(changed) == 1 and not notifier.to_customer(cid, "handler")
    text = changed[0].render()
    name = desk.policy.agent(str(second)).name  # type: ignore[union-attr]
    assert name in text and str(second) not in text and first not in text
    assert "10086" in text and "10086-9" in text
