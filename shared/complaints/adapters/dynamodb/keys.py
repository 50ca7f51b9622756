"""Every key of the one table, and the index keys each item carries: the only place they are spelled.

Item layout (PK / SK):
  C#<id> / A                 the complaint aggregate, rewritten under a version check
  C#<id> / E#<time>#<n>      timeline events, written in the same transaction
  C#<id> / M#<time>#<rand>   a message held through quiet hours (timers index: TM#<shard>)
  C#<id> / P#<kind>          a promise's timer and the step it is at (timers index: TP#<shard>)
  C#<id> / W#<message id>    a status event to push to the complaint's portal, written with the change that
                             caused it (timers index: TW#<shard>)
  PORTAL#<id> / HOOK         the portal's outbound webhook registration
  PUSHDLQ#<portal> / <time>#<message id>  a status event whose every delivery failed (dead letter)
  EXT#<portal>#<external> / A  the portal's id of a complaint (exactly-once intake)
  AGENT#<id> / LOAD          an agent's count of open complaints (atomic counter)
  INC#<id> / A               an incident (timers index: TI#0 until it is prioritised or resolved);
                             INCKEY#<cell or area>#<outage group> / A names the open one
  STAFF / <KIND>#<id>        the roster: departments and agents
  ACTIONS / <id>             a corrective action (整改); few, so one partition lists them all (timers index:
                             TA#0 while its warning or its due time is ahead)
  DIGEST#<agent> / A         when the agent's next digest is sent (timers index: TD#0);
  DIGEST#<agent> / L#<time>#<rand>  its lines
  DIGEST#<agent> / X#<time>  a digest set aside after its sends kept failing, with its lines
  REPORT#<local day> / D#<n> that day's counters (volumes, promises, closes, reopens, surveys ...), added
                             to in the same transaction as the change they count; 16 shards by complaint
                             id, so concurrent changes rarely touch the same item
  REPORT#OPEN / G#<n>        gauges of what is open now (the profile's hotspots, the open backlog), sharded alike
Indexes (all sparse: an item without the key attributes is not in the index):
  timers    TPK=T#<shard>, TSK=<due time>#<id>   human waits falling due (TM#, TP#, TD#, TW# as above)
  queue     QPK=Q#<department>, QSK=<open|done>#<priority rank>#<due>#<id>; INC#<department> for incidents
  owner     OPK=O#<agent>, OSK=as queue
  customer  CPK=P#<keyed phone hash>, CSK=<received>#<id>   repeat complaints
  area      APK=A#<cell or area>#<outage group>, ASK=<received>#<id>  outage clusters
"""

from __future__ import annotations

import hashlib
import uuid
import zlib
from collections.abc import Callable
from datetime import datetime
from typing import Any

from complaints.core import clock
from complaints.core.enums import Status
from complaints.core.record import ComplaintRecord, Incident

Key = dict[str, str]

AGGREGATE = "A"  # the sort key of an item that stands alone
EVENTS = "E#"  # sort key prefix of a complaint's timeline events
DIGEST_LINES = "L#"
STAFF = "STAFF"
OPEN_GAUGES = "REPORT#OPEN"
OPEN = "open#"  # listing sort key prefix of what is still open
REPORT_SHARDS = 16
# Timer kinds on the timers index, each sharded by complaint (digests have one shard).
WAITS, HELD_MESSAGES, PROMISES, DIGESTS, PUSHES, INCIDENT_AGES = "T", "TM", "TP", "TD", "TW", "TI"
ACTION_STEPS = "TA"  # corrective actions' warnings and due times (one shard: actions are few)
ACTIONS = "ACTIONS"
_FAR_FUTURE = "9999-12-31T00:00:00.000000Z"
_LATEST = "#~"  # after every "<time>#<id>" of the same time: the end of a time range


# ----------------------------------------------------------- shards
def timer_shard(complaint_id: str, shards: int) -> int:
    return int(hashlib.sha1(complaint_id.encode()).hexdigest(), 16) % shards


def report_shard(complaint_id: str) -> int:
    return zlib.crc32(complaint_id.encode()) % REPORT_SHARDS


# ----------------------------------------------------------- complaints
def complaint(complaint_id: str) -> Key:
    return {"PK": complaint_partition(complaint_id), "SK": AGGREGATE}


def complaint_partition(complaint_id: str) -> str:
    return f"C#{complaint_id}"


def event(complaint_id: str, at: datetime, n: int) -> Key:
    return {"PK": complaint_partition(complaint_id), "SK": f"{EVENTS}{clock.iso(at)}#{n:02d}{uuid.uuid4().hex[:6]}"}


def external(portal_id: str, external_id: str) -> Key:
    return {"PK": f"EXT#{portal_id}#{external_id}", "SK": AGGREGATE}


def queue(department: str) -> str:
    return f"Q#{department}"


def owner(agent_id: str) -> str:
    return f"O#{agent_id}"


def customer(customer_key: str) -> str:
    return f"P#{customer_key}"


def family(category: str) -> str:
    """A category's family, the part of its key before the dot (as ClusterRule.group_of falls back to)."""
    return category.split(".", 1)[0]


def area(cluster_key: str, group: str) -> str:
    """The area index partition of a place's complaints of one outage group (ClusterRule.group_of)."""
    return f"A#{cluster_key}#{group}"


def listing(record: ComplaintRecord, timer_shards: int, outage_group: Callable[[str], str]) -> dict[str, str]:
    """The index keys of a complaint: its queue, owner, wait timer, customer and area entries."""
    attrs: dict[str, str] = {}
    cid = record.complaint_id
    # A failed complaint stays with the open work: it needs handling by hand, and its queue is where it is seen.
    open_flag = "open" if record.is_open or record.status is Status.FAILED else "done"
    due = min((p.due_at for p in record.promises if p.state == "pending"), default=None)
    order = f"{open_flag}#{record.priority.rank}#{clock.iso(due) if due else _FAR_FUTURE}#{cid}"
    if record.department:
        attrs["QPK"], attrs["QSK"] = queue(record.department), order
    if record.owner_id:
        attrs["OPK"], attrs["OSK"] = owner(record.owner_id), order
    if record.timer_due is not None:
        attrs["TPK"] = due_partition(WAITS, timer_shard(cid, timer_shards))
        attrs["TSK"] = f"{clock.iso(record.timer_due)}#{cid}"
    attrs["CPK"], attrs["CSK"] = customer(record.customer_key), f"{clock.iso(record.received_at)}#{cid}"
    if record.cluster_key and record.classification:
        attrs["APK"] = area(record.cluster_key, outage_group(record.classification.category))
        attrs["ASK"] = f"{clock.iso(record.received_at)}#{cid}"
    return attrs


def window(since: datetime, until: datetime) -> tuple[str, str]:
    """The sort key range of items received from since to until, both included."""
    return clock.iso(since), f"{clock.iso(until)}{_LATEST}"


# ----------------------------------------------------------- timers
def due_partition(kind: str, shard: int) -> str:
    return f"{kind}#{shard}"


def due_by(now: datetime) -> str:
    """The highest timer sort key due at now."""
    return f"{clock.iso(now)}{_LATEST}"


def held_message(complaint_id: str, shards: int, at: datetime) -> dict[str, str]:
    """A new held message's key and timer entry, sent at `at`."""
    sk = f"M#{clock.iso(clock.now())}#{uuid.uuid4().hex[:8]}"
    return {"PK": complaint_partition(complaint_id), "SK": sk,
            "TPK": due_partition(HELD_MESSAGES, timer_shard(complaint_id, shards)),
            "TSK": held_message_due(complaint_id, sk, at)}


def held_message_due(complaint_id: str, sk: str, at: datetime) -> str:
    """A held message's timer sort key: sent at `at`."""
    return f"{clock.iso(at)}#{complaint_id}#{sk}"


def promise_timer(complaint_id: str, kind: str) -> Key:
    return {"PK": complaint_partition(complaint_id), "SK": f"P#{kind}"}


def promise_due(complaint_id: str, kind: str, at: datetime) -> str:
    return f"{clock.iso(at)}#{complaint_id}#{kind}"


def status_push(complaint_id: str, message_id: str) -> Key:
    return {"PK": complaint_partition(complaint_id), "SK": f"W#{message_id}"}


def push_due(complaint_id: str, sk: str, at: datetime) -> str:
    """A status push's timer sort key: delivered at `at`."""
    return f"{clock.iso(at)}#{complaint_id}#{sk}"


def portal_hook(portal_id: str) -> Key:
    return {"PK": f"PORTAL#{portal_id}", "SK": "HOOK"}


def push_dead_letters(portal_id: str) -> str:
    return f"PUSHDLQ#{portal_id}"


def digest(agent_id: str) -> Key:
    return {"PK": f"DIGEST#{agent_id}", "SK": AGGREGATE}


def digest_line(agent_id: str) -> Key:
    return {"PK": digest(agent_id)["PK"], "SK": f"{DIGEST_LINES}{clock.iso(clock.now())}#{uuid.uuid4().hex[:8]}"}


def digest_due(agent_id: str, due: datetime) -> dict[str, str]:
    return {"TPK": due_partition(DIGESTS, 0), "TSK": f"{clock.iso(due)}#{agent_id}"}


# ----------------------------------------------------------- agents, staff, incidents, reports
def agent_load(agent_id: str) -> Key:
    return {"PK": f"AGENT#{agent_id}", "SK": "LOAD"}


def agent_of_load(pk: str) -> str:
    return pk.removeprefix("AGENT#")


def staff(kind: str, staff_id: str) -> Key:
    return {"PK": STAFF, "SK": f"{kind.upper()}#{staff_id}"}


def corrective_action(action_id: str) -> Key:
    return {"PK": ACTIONS, "SK": action_id}


def action_step(when: datetime | None, action_id: str) -> dict[str, str]:
    """A corrective action's timer entry: when the sweep next acts on it (none once it is closed)."""
    if when is None:
        return {}
    return {"TPK": due_partition(ACTION_STEPS, 0), "TSK": f"{clock.iso(when)}#{action_id}"}


def incident(incident_id: str) -> Key:
    return {"PK": f"INC#{incident_id}", "SK": AGGREGATE}


def incident_queue(department: str) -> str:
    return f"INC#{department}"


def incident_listing(found: Incident) -> dict[str, Any]:
    """An incident's entry in its department's queue, by status and opening time."""
    return {"QPK": incident_queue(found.department),
            "QSK": f"{found.status}#{clock.iso(found.opened_at)}#{found.incident_id}"}


def incident_age(found: Incident) -> dict[str, str]:
    """An open incident's timer entry: when it is prioritised if still open (one shard: incidents are few)."""
    if found.status != "open" or found.prioritise_at is None or found.prioritised_at is not None:
        return {}
    return {"TPK": due_partition(INCIDENT_AGES, 0), "TSK": f"{clock.iso(found.prioritise_at)}#{found.incident_id}"}


def incident_of_place(cluster_key: str, group: str) -> Key:
    return {"PK": f"INCKEY#{cluster_key}#{group}", "SK": AGGREGATE}


def report_day(day: str, shard: int) -> Key:
    return {"PK": f"REPORT#{day}", "SK": f"D#{shard:02d}"}


def day_of_report(pk: str) -> str:
    return pk.removeprefix("REPORT#")


def open_gauge(shard: int) -> Key:
    return {"PK": OPEN_GAUGES, "SK": f"G#{shard:02d}"}
