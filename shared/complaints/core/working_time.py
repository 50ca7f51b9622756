"""Working-time arithmetic on the deployment's calendar.

Working days follow the national calendar of the policy's country, including
the weekend days that are worked to make up for a long holiday (China's 调休),
as the `holidays` package knows them (precomputed: core/national_days.py),
plus the deployment's own closures.
Working hours have a lunch break. Quiet hours are the times customers must not
be called or messaged unless it is urgent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from complaints.core.national_days import national_days

_DURATION = re.compile(r"^(\d+)(m|h|d|wd|wh|wm)$")
# The end of the working day something arrives on; after the cutoff (HH:MM), the end of the next one.
_END_OF_DAY = re.compile(r"^eod(?:@([01]\d|2[0-3]):([0-5]\d))?$")


@dataclass(frozen=True)
class WorkingCalendar:
    country: str
    timezone: str
    day_start: time
    day_end: time
    lunch: tuple[time, time] | None = None
    closures: frozenset[date] = field(default_factory=frozenset)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def is_working_day(self, day: date) -> bool:
        return day not in self.closures and national_days(self.country).is_working_day(day)

    def periods(self, day: date) -> list[tuple[datetime, datetime]]:
        """The working periods of a day (none on a day off), lunch break left out."""
        if not self.is_working_day(day):
            return []
        start = datetime.combine(day, self.day_start, tzinfo=self.zone)
        end = datetime.combine(day, self.day_end, tzinfo=self.zone)
        if self.lunch is None:
            return [(start, end)]
        return [(start, datetime.combine(day, self.lunch[0], tzinfo=self.zone)),
                (datetime.combine(day, self.lunch[1], tzinfo=self.zone), end)]

    def is_working_time(self, moment: datetime) -> bool:
        local = moment.astimezone(self.zone)
        return any(start <= local < end for start, end in self.periods(local.date()))

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

    def add_working_time(self, start: datetime, amount: timedelta) -> datetime:
        """`amount` of working time later: nights, days off and the lunch break do not count."""
        local = start.astimezone(self.zone)
        remaining = amount
        day = local.date()
        for _ in range(3660):  # ten years of days: a bound, never reached by a policy's durations
            for period_start, period_end in self.periods(day):
                begin = max(period_start, local)
                if begin >= period_end:
                    continue
                if begin + remaining <= period_end:
                    return (begin + remaining).astimezone(start.tzinfo)
                remaining -= period_end - begin
            day += timedelta(days=1)
        raise ValueError("no working time within ten years")

    def _next_working_day_start(self, local: datetime) -> datetime:
        day = local.date() + timedelta(days=1)
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return datetime.combine(day, self.day_start, tzinfo=self.zone)

    def end_of_day(self, start: datetime, cutoff: time | None = None) -> datetime:
        """The end of the working day `start` falls on; of the next working day when it falls after the cutoff
        (the end of the working day when none is given), or on a day off."""
        local = start.astimezone(self.zone)
        day = local.date()
        if not self.is_working_day(day) or local.time() >= (cutoff or self.day_end):
            day = self._next_working_day_start(local).date()
        return datetime.combine(day, self.day_end, tzinfo=self.zone).astimezone(start.tzinfo)

    def add(self, start: datetime, duration: str) -> datetime:
        """Add a policy duration: 30m, 24h, 3d (calendar), 2wd (working days), 4wh or 30wm (working hours or
        minutes), or eod / eod@16:00 (the end of the working day, or of the next one after the cutoff)."""
        end_of_day = _END_OF_DAY.match(duration)
        if end_of_day:
            hour, minute = end_of_day.groups()
            return self.end_of_day(start, time(int(hour), int(minute)) if hour else None)
        amount, unit = parse_duration(duration)
        if unit == "wd":
            return self.add_working_days(start, amount)
        if unit in ("wh", "wm"):
            return self.add_working_time(start, timedelta(hours=amount) if unit == "wh" else timedelta(minutes=amount))
        return start + {"m": timedelta(minutes=amount), "h": timedelta(hours=amount),
                        "d": timedelta(days=amount)}[unit]


@dataclass(frozen=True)
class QuietHours:
    """Local periods when customers are not called or messaged unless it is urgent."""

    zone: ZoneInfo
    periods: tuple[tuple[time, time], ...]  # (start, end); an end before its start runs past midnight

    def _quiet_until(self, local: datetime) -> datetime | None:
        now = local.timetz().replace(tzinfo=None)
        for start, end in self.periods:
            if start <= end and start <= now < end:
                return datetime.combine(local.date(), end, tzinfo=self.zone)
            if start > end and (now >= start or now < end):
                day = local.date() + timedelta(days=1) if now >= start else local.date()
                return datetime.combine(day, end, tzinfo=self.zone)
        return None

    def is_quiet(self, moment: datetime) -> bool:
        return self._quiet_until(moment.astimezone(self.zone)) is not None

    def next_allowed(self, moment: datetime) -> datetime:
        """The moment itself if it is allowed, else the first minute after the quiet period."""
        local = moment.astimezone(self.zone)
        for _ in range(len(self.periods) + 1):
            until = self._quiet_until(local)
            if until is None:
                return local.astimezone(moment.tzinfo)
            local = until
        return local.astimezone(moment.tzinfo)

    def last_allowed_before(self, moment: datetime) -> datetime:
        """For a promised update due in quiet hours: the last minute before the quiet period began."""
        local = moment.astimezone(self.zone)
        if not self.is_quiet(local):
            return moment
        probe = local
        while self.is_quiet(probe):
            probe -= timedelta(minutes=1)
        return probe.replace(second=0, microsecond=0).astimezone(moment.tzinfo)


def parse_duration(duration: str) -> tuple[int, str]:
    match = _DURATION.match(duration)
    if not match:
        raise ValueError(f"duration {duration!r} is not like 30m, 24h, 3d, 2wd, 4wh or 30wm")
    return int(match.group(1)), match.group(2)


def check_deadline(duration: str) -> str:
    """A duration, or an end of day (eod, eod@16:00): what a promise's time limit may be."""
    if not _END_OF_DAY.match(duration):
        parse_duration(duration)
    return duration
