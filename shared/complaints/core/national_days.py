"""A country's working days, precomputed from the `holidays` package when the policies are compiled.

The `holidays` package knows every country's public holidays and the weekend
days worked to make up for them (China's 调休), but importing it and building a
country's calendar costs about 70 ms of every cold start, and the layer would
carry every country's rules. So `make policies` (infra.compile_policies) asks
it once, for the years the desks work in, and writes the days that differ from
a plain week to `shared/policies/calendars/<country>.json`; a function reads
that small file on first use. A day outside those years is refused with an
error naming the years, never answered from a guess.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

CALENDARS = Path(__file__).resolve().parents[2] / "policies" / "calendars"


class OutsideCalendar(ValueError):
    """A day outside the years the national calendar was compiled for."""


@dataclass(frozen=True)
class NationalDays:
    country: str
    first_year: int
    last_year: int
    weekend: frozenset[int]  # weekday numbers, Monday 0
    days_off: frozenset[date]  # holidays falling on weekdays
    worked_weekend_days: frozenset[date]  # weekend days worked to make up for a holiday
    source: str  # the package and version the days were taken from

    def is_working_day(self, day: date) -> bool:
        if not self.first_year <= day.year <= self.last_year:
            raise OutsideCalendar(
                f"{day.isoformat()} is outside the working calendar of {self.country}, compiled for "
                f"{self.first_year}-{self.last_year} ({self.source}); extend YEARS in infra/compile_policies.py "
                "and run make policies")
        if day.weekday() in self.weekend:
            return day in self.worked_weekend_days
        return day not in self.days_off

    def as_json(self) -> dict[str, object]:
        return {"country": self.country, "years": [self.first_year, self.last_year], "source": self.source,
                "weekend": sorted(self.weekend), "days_off": sorted(d.isoformat() for d in self.days_off),
                "worked_weekend_days": sorted(d.isoformat() for d in self.worked_weekend_days)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> NationalDays:
        first, last = data["years"]
        return cls(str(data["country"]), int(first), int(last), frozenset(int(d) for d in data["weekend"]),
                   frozenset(date.fromisoformat(d) for d in data["days_off"]),
                   frozenset(date.fromisoformat(d) for d in data["worked_weekend_days"]), str(data["source"]))


@lru_cache(maxsize=8)
def national_days(country: str) -> NationalDays:
    """The country's compiled working days; a clear error when the policies were never compiled for it."""
    path = CALENDARS / f"{country}.json"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise OutsideCalendar(f"no working calendar compiled for country {country!r} ({path.name} is missing "
                              "from shared/policies/calendars); run make policies") from None
    return NationalDays.from_json(json.loads(text))
