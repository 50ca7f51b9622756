"""Times as a person at the desk reads them: in the desk's zone with its offset, the date when not today.

The API answers in UTC (`2026-12-01T06:20:00.000000Z`); the desk works in its
policy's zone (Asia/Shanghai for the telecom profile), and its messages to
customers say local times. `--utc` shows UTC instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo


def parse(value: str | datetime) -> datetime:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _offset(moment: datetime) -> str:
    offset = moment.utcoffset() or timedelta(0)
    if offset == timedelta(0) and moment.tzinfo is UTC:
        return "UTC"
    sign, seconds = ("-", -int(offset.total_seconds())) if offset < timedelta(0) else ("+", int(offset.total_seconds()))
    return f"{sign}{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"


def span(delta: timedelta) -> str:
    """A duration as people say it: 2 d 3 h, 2 h 10 min, 5 min, under a minute."""
    minutes = int(abs(delta).total_seconds() // 60)
    days, hours, mins = minutes // 1440, minutes % 1440 // 60, minutes % 60
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {mins} min" if mins else f"{hours} h"
    return f"{mins} min" if mins else "under a minute"


@dataclass(frozen=True)
class Times:
    """Formats moments for one reader: a zone, and the desk's present moment (its clock may have been moved)."""

    zone: tzinfo
    now: datetime

    @classmethod
    def desk(cls, timezone: str, now: datetime, *, utc: bool = False) -> Times:
        return cls(UTC if utc else ZoneInfo(timezone), now)

    def at(self, value: str | datetime | None, *, seconds: bool = False) -> str:
        """`14:20 +08:00` today, `2026-12-02 14:20 +08:00` on another day."""
        if not value:
            return ""
        moment = parse(value).astimezone(self.zone)
        clock = moment.strftime("%H:%M:%S" if seconds else "%H:%M")
        day = "" if moment.date() == self.now.astimezone(self.zone).date() else moment.strftime("%Y-%m-%d ")
        return f"{day}{clock} {_offset(moment)}"

    def due(self, value: str | datetime | None) -> str:
        """A due time with how far it is: `2026-12-02 14:20 +08:00 (in 1 d 2 h)`, `(5 min ago)`."""
        if not value:
            return ""
        delta = parse(value) - self.now
        relative = f"in {span(delta)}" if delta >= timedelta(0) else f"{span(delta)} ago"
        return f"{self.at(value)} ({relative})"

    def full(self, value: str | datetime) -> str:
        """Always with the date: the clock itself, history events."""
        moment = parse(value).astimezone(self.zone)
        return f"{moment:%Y-%m-%d %H:%M:%S} {_offset(moment)}"
