"""An operator's correction of where a complaint is, and how a correction meets the stored location.

A portal or a caller often gives a wrong or an incomplete place. The
correction names the fields it sets, in the intake's own model (`Location`:
the same limits, the profile's fields checked against it the same way); the
fields it leaves out keep their values. What it changed is
told by field name only: the values are personal data.
"""

from __future__ import annotations

from pydantic import Field

from complaints.core.values import Location, Strict, Text


class LocationCorrection(Strict):
    """The fields of the complaint's location to set (the others stay), and why, if the operator says."""

    location: Location = Field(description="the fields to set: area, address, lat, lon and the desk's own "
                                           "location fields (its policy's location_fields)")
    note: Text | None = Field(default=None, min_length=2, max_length=500,
                              description="how the right place was learnt (a call back, the site visit)")


def given_fields(location: Location) -> dict[str, str | float]:
    """The fields a correction names, engine's and profile's, with their values (never logged)."""
    engine = {name: getattr(location, name) for name in Location.model_fields if name in location.model_fields_set}
    return {name: value for name, value in {**engine, **location.profile_fields}.items() if value is not None}


def corrected(stored: Location | None, correction: Location) -> tuple[Location, list[str]]:
    """The stored location with the correction's fields set, and the names of the fields whose value changed
    (in the order given: engine fields, then the profile's)."""
    given = given_fields(correction)
    before = stored.model_dump(exclude_none=True) if stored is not None else {}
    changed = [name for name, value in given.items() if before.get(name) != value]
    return Location.model_validate({**before, **given}), changed
