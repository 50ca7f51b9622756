"""Working-time arithmetic on the deployment's calendar.

Working days follow the national calendar of the policy's country, including
the weekend days that are worked to make up for a long holiday (China's 调休),
which the `holidays` package knows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

_DURATION = re.compile(r"^(\d+)(m|h|d|wd)$")


@dataclass(frozen=True)
class WorkingCalendar:
    country: str
    timezone: str
    day_start: time
    day_end: time

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def is_working_day(self, day: date) -> bool:
        return bool(_national_calendar(self.country, day.year).is_working_day(day))

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """The same local time `days` working days later.

        A start outside working time counts from the next working day's start.
        """
        local = start.astimezone(self.zone)
        if not self.is_working_day(local.date()) or local.time() >= self.day_end:
            local = self._next_working_day_start(local)
        elif local.time() < self.day_start:
            local = local.replace(hour=self.day_start.hour, minute=self.day_start.minute,
                                  second=0, microsecond=0)
        day = local.date()
        remaining = days
        while remaining > 0:
            day += timedelta(days=1)
            if self.is_working_day(day):
                remaining -= 1
        return datetime.combine(day, local.timetz()).astimezone(start.tzinfo)

    def _next_working_day_start(self, local: datetime) -> datetime:
        day = local.date() + timedelta(days=1)
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return datetime.combine(day, self.day_start, tzinfo=self.zone)

    def add(self, start: datetime, duration: str) -> datetime:
        """Add a policy duration: 30m, 24h, 3d (calendar) or 2wd (working days)."""
        amount, unit = parse_duration(duration)
        if unit == "wd":
            return self.add_working_days(start, amount)
        return start + {"m": timedelta(minutes=amount), "h": timedelta(hours=amount),
                        "d": timedelta(days=amount)}[unit]


def parse_duration(duration: str) -> tuple[int, str]:
    match = _DURATION.match(duration)
    if not match:
        raise ValueError(f"duration {duration!r} is not like 30m, 24h, 3d or 2wd")
    return int(match.group(1)), match.group(2)


@lru_cache(maxsize=16)
def _national_calendar(country: str, year: int) -> holidays.HolidayBase:
    return holidays.country_holidays(country, years=year)
