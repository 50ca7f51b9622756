from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from complaints.core.policy import load_policy
from complaints.core.working_time import parse_duration

SHANGHAI = ZoneInfo("Asia/Shanghai")
calendar = load_policy("telecom").calendar


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def test_two_working_days_from_30_september_land_after_national_day() -> None:
    assert calendar.add_working_days(at(2026, 9, 30, 17, 0), 2) == at(2026, 10, 9, 17, 0)


def test_a_make_up_saturday_counts_as_a_working_day() -> None:
    # 10 October 2026 is a Saturday worked to make up for the National Day week.
    assert calendar.is_working_day(at(2026, 10, 10).date())
    assert calendar.add_working_days(at(2026, 10, 9, 10, 0), 1) == at(2026, 10, 10, 10, 0)


def test_spring_festival_is_skipped() -> None:
    assert calendar.add_working_days(at(2026, 2, 13, 9, 0), 1) == at(2026, 2, 14, 9, 0)  # make-up Saturday
    assert calendar.add_working_days(at(2026, 2, 14, 9, 0), 1) == at(2026, 2, 24, 9, 0)


def test_a_start_after_hours_counts_from_the_next_working_morning() -> None:
    assert calendar.add_working_days(at(2026, 11, 20, 20, 0), 1) == at(2026, 11, 24, 8, 30)


def test_calendar_durations() -> None:
    start = at(2026, 11, 23, 10, 0)
    assert calendar.add(start, "30m") == at(2026, 11, 23, 10, 30)
    assert calendar.add(start, "24h") == at(2026, 11, 24, 10, 0)
    with pytest.raises(ValueError, match="not like"):
        parse_duration("2 days")


# ---------------------------------------------------------------- working time with a lunch break
def test_working_hours_skip_lunch_nights_and_days_off() -> None:
    # Friday 11:00 + 4 working hours: 11:00-12:00 (1 h), 13:30-16:30 (3 h).
    assert calendar.add(at(2026, 11, 20, 11, 0), "4wh") == at(2026, 11, 20, 16, 30)
    # Friday 16:30 + 2 working hours: 1 h on Friday, the weekend skipped, 1 h on Monday.
    assert calendar.add(at(2026, 11, 20, 16, 30), "2wh") == at(2026, 11, 23, 9, 30)
    # 30 September 17:00 + 1 working hour: half an hour, the National Day week, half an hour.
    assert calendar.add(at(2026, 9, 30, 17, 0), "1wh") == at(2026, 10, 8, 9, 0)


def test_a_local_closure_is_not_a_working_day() -> None:
    from complaints.core.working_time import WorkingCalendar

    closed = WorkingCalendar("CN", "Asia/Shanghai", calendar.day_start, calendar.day_end, calendar.lunch,
                             frozenset({at(2026, 11, 23).date()}))
    assert not closed.is_working_day(at(2026, 11, 23).date())
    assert closed.add_working_days(at(2026, 11, 20, 10, 0), 1) == at(2026, 11, 24, 10, 0)


# ---------------------------------------------------------------- quiet hours
quiet = load_policy("telecom").quiet


@pytest.mark.parametrize("moment, allowed", [
    (at(2026, 11, 23, 10, 0), at(2026, 11, 23, 10, 0)),
    (at(2026, 11, 23, 12, 30), at(2026, 11, 23, 14, 30)),
    (at(2026, 11, 23, 22, 0), at(2026, 11, 24, 8, 30)),
    (at(2026, 11, 24, 7, 0), at(2026, 11, 24, 8, 30)),
])
def test_messages_in_quiet_hours_wait_for_the_next_allowed_minute(moment: datetime, allowed: datetime) -> None:
    assert quiet.next_allowed(moment) == allowed


def test_a_promised_update_due_in_quiet_hours_goes_just_before_they_start() -> None:
    assert quiet.last_allowed_before(at(2026, 11, 23, 23, 0)) == at(2026, 11, 23, 20, 59)
    assert quiet.last_allowed_before(at(2026, 11, 23, 13, 0)) == at(2026, 11, 23, 11, 59)
    assert quiet.last_allowed_before(at(2026, 11, 23, 16, 0)) == at(2026, 11, 23, 16, 0)


# ---------------------------------------------------------------- properties
moments = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 1)).map(
    lambda d: d.replace(tzinfo=SHANGHAI))


@settings(max_examples=200, deadline=None)
@given(start=moments, days=st.integers(min_value=1, max_value=20))
def test_working_days_land_on_working_days_and_only_move_forward(start: datetime, days: int) -> None:
    due = calendar.add_working_days(start, days)
    assert due > start and calendar.is_working_day(due.date())
    assert calendar.add_working_days(start, days + 1) > due


@settings(max_examples=200, deadline=None)
@given(start=moments, first=st.integers(min_value=1, max_value=30), second=st.integers(min_value=1, max_value=30))
def test_working_time_adds_up_and_ends_in_working_time(start: datetime, first: int, second: int) -> None:
    step = calendar.add_working_time(start, timedelta(hours=first))
    assert calendar.add_working_time(step, timedelta(hours=second)) == calendar.add_working_time(
        start, timedelta(hours=first + second))
    local = step.astimezone(SHANGHAI)
    ends = [end for _, end in calendar.periods(local.date())]
    assert calendar.is_working_time(step) or local in ends


@settings(max_examples=200, deadline=None)
@given(moment=moments)
def test_the_next_allowed_minute_is_never_quiet_nor_earlier(moment: datetime) -> None:
    allowed = quiet.next_allowed(moment)
    assert allowed >= moment and not quiet.is_quiet(allowed)
    before = quiet.last_allowed_before(moment)
    assert before <= moment and not quiet.is_quiet(before)


def test_promises_follow_category_and_priority() -> None:
    from complaints.core.enums import Priority
    from complaints.promises.terms import promises_for

    policy = load_policy("telecom")
    start = at(2026, 11, 23, 10, 0)
    broadband = {p.kind: p.due_at for p in promises_for(Priority.NORMAL, start, policy, "broadband.network")}
    assert broadband["first_contact"] == at(2026, 11, 23, 10, 30)  # repair orders: contact within 30 minutes
    assert broadband["first_reply"] == at(2026, 11, 25, 10, 0)  # 2 working days
    assert broadband["solution"] == at(2026, 12, 2, 10, 0)  # 7 working days
    urgent = {p.kind: p.due_at for p in promises_for(Priority.URGENT, start, policy, "billing.package")}
    assert "first_contact" not in urgent and urgent["first_reply"] == at(2026, 11, 23, 14, 0)
