"""Who is told now and who later: quiet hours for customers, digests for staff, urgent news at once."""

from __future__ import annotations

from complaints.desk.context import Desk
from complaints.workflow import reminders
from tests.unit.support import MemoryNotifier, advance, move_clock_to, receive, record


def test_a_customer_message_in_quiet_hours_is_held_to_the_next_allowed_minute(
        desk: Desk, notifier: MemoryNotifier) -> None:
    cid = receive(desk)
    sent_before = len(notifier.to_customer(cid, "promise_extended"))
    move_clock_to("22:00", desk)

    desk.notices.tell_customer(record(desk, cid), "promise_extended", due="2026-12-20 18:00", reason="parts")

    assert len(notifier.to_customer(cid, "promise_extended")) == sent_before  # held, not sent
    advance(hours=10, minutes=30)  # 08:30 the next morning, quiet hours over
    reminders.sweep(desk)
    assert len(notifier.to_customer(cid, "promise_extended")) == sent_before + 1
    reminders.sweep(desk)
    assert len(notifier.to_customer(cid, "promise_extended")) == sent_before + 1  # sent once


def test_a_message_out_of_quiet_hours_goes_at_once(desk: Desk, notifier: MemoryNotifier) -> None:
    cid = receive(desk)
    move_clock_to("10:00", desk)

    desk.notices.tell_customer(record(desk, cid), "tracking", plan="a new site", date="2026-12-20")

    assert len(notifier.to_customer(cid, "tracking")) == 1


def test_a_customer_message_at_a_chosen_moment_in_quiet_hours_moves_to_the_morning(
        desk: Desk, notifier: MemoryNotifier) -> None:
    cid = receive(desk)
    ten = move_clock_to("10:00", desk).astimezone(desk.policy.calendar.zone)

    desk.notices.tell_customer_at(record(desk, cid), "promise_extended", ten.replace(hour=13), due="d", reason="r")
    advance(hours=3)  # 13:00, in the lunch-time quiet hours
    reminders.sweep(desk)
    assert notifier.to_customer(cid, "promise_extended") == []
    advance(hours=1, minutes=30)  # 14:30
    reminders.sweep(desk)
    assert len(notifier.to_customer(cid, "promise_extended")) == 1


def test_staff_get_routine_news_in_a_digest_and_urgent_news_at_once(desk: Desk, notifier: MemoryNotifier) -> None:
    move_clock_to("10:00", desk)
    routine = record(desk, receive(desk))
    sensitive = record(desk, receive(desk, channel="regulator"))

    desk.notices.tell_staff("a-wang", routine, "reopened")
    desk.notices.tell_staff("a-wang", sensitive, "reopened")
    desk.notices.tell_staff("a-wang", routine, "assigned", due="soon", category="c", priority="normal")

    assert [m.complaint_id for m in notifier.to_staff("a-wang", "reopened")] == [sensitive.complaint_id]
    assert len(notifier.to_staff("a-wang", "assigned")) == 1  # an assignment never waits
    assert notifier.to_staff("a-wang", "digest") == []
    advance(minutes=15)  # the policy's digest interval
    reminders.sweep(desk)
    digest = notifier.to_staff("a-wang", "digest")
    assert len(digest) == 1 and routine.complaint_id in digest[0].render()
