"""What a change of a complaint counts in the reports, decided from its state as it is written.

What a report counts of a complaint by its state (received, classified by
category, department and area, repeats, passing around, each promise's end)
is counted once, the first time a write sees it, and marked on the record
(`counted`); so no code path can forget to count or count twice. The open
gauges (unresolved complaints of the profile's hotspot categories, by its
hotspot dimension) follow the complaint in while it is open, out when it
closes, and from one place to another when its location is corrected
(`counted_open`); a corrected area moves the count by area on the day it was
counted (`area_moved`). The open backlog does the
same with a mark of its own: a day counts the complaints that entered it
(`backlog_in`) and left it (`backlog_out`), and the `open` gauge holds how
many are in it now, so the backlog at the end of any day is the gauge less
what entered since, plus what left since. The complaint store adds
what this returns in the same transaction as the write, and the wiring
gives it this counting.
"""

from __future__ import annotations

from datetime import tzinfo

from complaints.adapters.dynamodb import Counting, ReportChange
from complaints.core import clock
from complaints.core.enums import PromiseState, Status
from complaints.core.policy_vocabulary import Hotspots, hotspot_of
from complaints.core.record import ComplaintRecord


def counting(zone: tzinfo, hotspots: Hotspots | None = None) -> Counting:
    """The counting of a desk whose report days are local days in zone, its hotspots as its profile says."""
    def count(record: ComplaintRecord, counts: tuple[str, dict[str, int]] | None) -> ReportChange:
        day, counters = counts if counts else (clock.now().astimezone(zone).date().isoformat(), {})
        counters = dict(counters)
        for name, amount in [*state_changes(record).items(), *assessed_actions(record, counters).items()]:
            counters[name] = counters.get(name, 0) + amount
        gauges = gauge_changes(record, hotspots)
        for name, amount in backlog_changes(record).items():
            counters[name] = counters.get(name, 0) + amount
            gauges[BACKLOG_GAUGE] = gauges.get(BACKLOG_GAUGE, 0) + (amount if name == "backlog_in" else -amount)
        return ReportChange(day=day, counters=counters, gauges=gauges)

    return count


def state_changes(record: ComplaintRecord) -> dict[str, int]:
    """The counters the record's state adds that no earlier write counted; marks them counted."""
    marks = set(record.counted)
    found: dict[str, int] = {}

    def once(mark: str, *names: str) -> None:
        if mark not in marks:
            marks.add(mark)
            for name in names:
                found[name] = found.get(name, 0) + 1

    once("received", "received", f"channel:{record.channel}")
    if record.classification is not None and record.department:
        once("classified", f"category:{record.classification.category}", f"department:{record.department}",
             f"area:{area_of(record)}")
    if record.repeat_of:
        once("repeat", "repeats")
    if record.passing_around:
        once("passing_around", "passing_around")
    if record.dispute is not None:  # counted apart from complaints, as a hospital's own report counts them
        once("dispute_opened", "disputes_opened")
        settled = record.dispute.settlement
        # A settlement counts once it stands: its compensation (if any) approved.
        if settled is not None and record.settlement_stands and "dispute_settled" not in marks:
            once("dispute_settled", "disputes_settled", f"dispute_way:{settled.way}")
            if settled.compensation:
                found["compensation_paid"] = settled.compensation
                found["disputes_compensated"] = 1
                paid = assess_key(record, "compensation_cents")
                found[paid] = found.get(paid, 0) + settled.compensation * 100
    for promise in record.promises:
        if promise.state != PromiseState.PENDING:
            # A consultation's or an assist's promise ("assist:A1") counts under its kind ("assist").
            kind = promise.kind.split(":", 1)[0]
            assessed = ((assess_key(record, f"promise_{promise.state}:{kind}"),)
                        if promise.state in (PromiseState.KEPT, PromiseState.MISSED) and record.department else ())
            once(f"promise:{promise.kind}:{clock.iso(promise.due_at)}", f"promise_{promise.state}:{kind}", *assessed)
    if record.resolution is not None and record.status in (Status.CLOSED, Status.CLOSED_UNCONFIRMED):
        once("cause", f"cause:{cause_key(record)}")
    apart = record.settlement_compensation  # a dispute's compensation, counted with its settlement above
    for item in record.redress:
        if apart is not None and item.redress_id == apart.redress_id:
            continue
        if item.stands and f"redress:{item.redress_id}" not in marks:
            once(f"redress:{item.redress_id}", f"redress:{item.kind}")
            if item.amount is not None:
                found[f"redress_cents:{item.kind}"] = found.get(f"redress_cents:{item.kind}", 0) + item.cents
                paid = assess_key(record, "compensation_cents")
                found[paid] = found.get(paid, 0) + item.cents
    record.counted = sorted(marks)
    return found


ASSESS = "assess:"  # <department>|<agent, empty when nobody owned it>|<figure>
# What an action counts that the assessment also counts against the complaint's department and owner.
_ASSESSED_ACTIONS = ("reopened", "surveyed", "score_sum", "low_scores")


def assess_key(record: ComplaintRecord, figure: str, department: str | None = None, agent: str | None = None) -> str:
    """The assessment counter of a figure, by default against the complaint's department and owner as written."""
    return f"{ASSESS}{department or record.department or 'unknown'}|{agent or record.owner_id or ''}|{figure}"


def assessed_actions(record: ComplaintRecord, counters: dict[str, int]) -> dict[str, int]:
    """The action counters of a write that the assessment counts too: reopens, survey answers and their scores."""
    if not record.department:
        return {}
    return {assess_key(record, name): amount for name, amount in counters.items()
            if name in _ASSESSED_ACTIONS or name.startswith("score:")}


def area_of(record: ComplaintRecord) -> str:
    """The area a complaint is counted under: its location's, or "unknown"."""
    return record.location.area if record.location and record.location.area else "unknown"


def area_moved(record: ComplaintRecord, area_before: str | None) -> dict[str, int]:
    """A corrected area's counters: out of the area the classification counted, into the corrected one (to be
    added on the day it was counted); nothing when the area stayed or the complaint is not counted by area yet."""
    before, after = area_before or "unknown", area_of(record)
    if "classified" not in record.counted or before == after:
        return {}
    return {f"area:{before}": -1, f"area:{after}": 1}


def cause_key(record: ComplaintRecord) -> str:
    """root cause|category|area|department: the cells of the cause report, counted when a complaint closes."""
    assert record.resolution is not None
    category = record.classification.category if record.classification else "other"
    return "|".join((record.resolution.root_cause, category, area_of(record), record.department or "unknown"))


BACKLOG_GAUGE = "open"
_IN_BACKLOG = "open"  # the mark on a complaint counted into the open backlog


def backlog_changes(record: ComplaintRecord) -> dict[str, int]:
    """backlog_in when an open complaint is first counted open, backlog_out when it closes (each once a time).

    A failed complaint stays in the backlog, as it stays with the open work in its queue; a reopened
    (appealed) one comes back in.
    """
    open_now = record.is_open or record.status is Status.FAILED
    marks = set(record.counted)
    if open_now == (_IN_BACKLOG in marks):
        return {}
    if open_now:
        marks.add(_IN_BACKLOG)
    else:
        marks.discard(_IN_BACKLOG)
    record.counted = sorted(marks)
    return {"backlog_in": 1} if open_now else {"backlog_out": 1}


HOTSPOT = "hotspot"  # the prefix of the hotspot gauges


def gauge_changes(record: ComplaintRecord, hotspots: Hotspots | None) -> dict[str, int]:
    """Unresolved complaints of the hotspot categories by the hotspot dimension (an area, a building, a ward),
    for planning: in while open, out when closed."""
    category = record.classification.category if record.classification else ""
    where = hotspot_of(hotspots, category, record.location)
    now = f"{HOTSPOT}:{where}" if where and record.is_open else None
    if now == record.counted_open:
        return {}
    changes = {name: amount for name, amount in ((record.counted_open, -1), (now, 1)) if name}
    record.counted_open = now
    return changes
