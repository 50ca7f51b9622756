"""Where a complaint is, on its page: the area, the profile's own location fields (a cell; a building, unit and
room; a campus and a ward) and the address, each under the desk's own name for it, in the viewer's language;
the form that corrects them, and the timeline's sentence of a correction (the fields' names, never values).

A location is personal data (a home's address, a patient's ward). The console is a signed-in operator's view
of a complaint the operator may see, so it shows it; nothing here logs it, and the workflow's input and output
never carry it (an execution gets the complaint's id, and routing facts only).
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from typing import Any

from complaints.core.access import Operator
from complaints.core.enums import EventType
from complaints.core.policy import Policy
from complaints.core.record import ComplaintRecord
from complaints.core.values import Location
from complaints.handling import location_correction
from complaints.web.console_forms import allowed
from complaints.web.console_html import field, form
from complaints.web.console_text import Names, t

_WORDS: dict[str, tuple[str, str]] = {
    "correct": ("更正位置", "Correct the location"),
    "hint": ("只填写要更正或补充的项，未填的项保持不变。", "Fill in only what is wrong or missing; "
                                                      "what you leave empty stays as it is."),
    "how": ("如何得知（选填）", "How you learnt it (optional)"),
    "said": ("更正了位置：{fields}", "Location corrected: {fields}"),
}


def w(key: str, lang: str) -> str:
    zh, en = _WORDS[key]
    return zh if lang == "zh-CN" else en


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


def _control(policy: Policy, name: str, value: str | None) -> str:
    """An input for one field, holding its value now, with the intake's limits (a choice when the profile lists
    the values)."""
    control = f'location.{name}'
    rule = policy.location_fields.get(name)
    if rule is not None and rule.values is not None:
        options = "".join(f'<option value="{escape(v)}"{" selected" if v == value else ""}>{escape(v)}</option>'
                          for v in rule.values)
        return f'<select name="{control}"><option value="">—</option>{options}</select>'
    limits = {"area": ' maxlength="64" pattern="[\\w.\\-]+"', "address": ' maxlength="300"'}.get(
        name, f' maxlength="{rule.max_length if rule else 100}"')
    return f'<input name="{control}"{limits} value="{escape(value or "")}">'


def correction_forms(policy: Policy, operator: Operator, record: ComplaintRecord, n: Names) -> list[str]:
    """The form that corrects the location, for those the handling function lets correct it."""
    if not allowed(lambda: location_correction.check_corrector(record, operator)):
        return []
    lang, now = n.lang, record.location or Location()
    fields = "".join(field(n("location", name), _control(policy, name, now.field(name)))
                     for name in ["area", *policy.location_fields, "address"])
    return [form("correct-location", f"/v1/complaints/{record.complaint_id}/location", w("correct", lang),
                 f'<p class="hint">{w("hint", lang)}</p>{fields}'
                 + field(w("how", lang), '<textarea name="note" rows="2"></textarea>'), lang, moves_workflow=False)]


def _corrected(d: dict[str, Any], n: Names, lang: str) -> str:
    names = [name for name in str(d.get("fields", "")).split(",") if name]
    # The engine's coordinates are one thing to a reader: "lat,lon" reads as the coordinates, once.
    shown = dict.fromkeys(t("coordinates", lang) if name in ("lat", "lon") else n("location", name)
                          for name in names)
    text = w("said", lang).format(fields=("、" if lang == "zh-CN" else ", ").join(shown))
    return text + (f" “{escape(str(d['note']))}”" if d.get("note") else "")


SENTENCES: dict[EventType, Callable[[dict[str, Any], Names, str], str]] = {EventType.LOCATION_CORRECTED: _corrected}
