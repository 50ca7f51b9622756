"""Where a complaint is, on its page: the area, the profile's own location fields (a cell; a building, unit and
room; a campus and a ward) and the address, each under the desk's own name for it, in the viewer's language.

A location is personal data (a home's address, a patient's ward). The console is a signed-in operator's view
of a complaint the operator may see, so it shows it; nothing here logs it, and the workflow's input and output
never carry it (an execution gets the complaint's id, and routing facts only).
"""

from __future__ import annotations

from html import escape

from complaints.core.policy import Policy
from complaints.core.values import Location
from complaints.web.console_text import Names, t


def fields_in_order(policy: Policy, location: Location) -> list[tuple[str, str]]:
    """(field, value) of what is given: the area, the profile's fields in its order, the address, then any
    field the profile no longer names (stored before it changed), by its key."""
    given = {"area": location.area, **location.profile_fields, "address": location.address}
    order = ["area", *policy.location_fields, "address"]
    return [(name, str(given[name])) for name in [*order, *sorted(set(given) - set(order))] if given.get(name)]


def location_pairs(policy: Policy, location: Location | None, n: Names) -> list[tuple[str, str]]:
    """The location as term and value pairs for the facts' list (escaped), none when the complaint gave none."""
    if location is None:
        return []
    pairs = [(n("location", name), f'<span class="location" data-location="{escape(name)}">{escape(value)}</span>')
             for name, value in fields_in_order(policy, location)]
    if location.lat is not None and location.lon is not None:
        pairs.append((t("coordinates", n.lang), f'<span class="location" data-location="coordinates">'
                                                f"{location.lat:.5f}, {location.lon:.5f}</span>"))
    return pairs
