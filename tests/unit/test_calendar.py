from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from complaints.calendar import parse_duration
from complaints.policy import load_policy

SHANGHAI = ZoneInfo("Asia/Shanghai")
calendar = load_policy("telecom").calendar


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=SHANGHAI)


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
