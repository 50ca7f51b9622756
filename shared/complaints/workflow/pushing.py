"""Status events to portals: the relay puts due deliveries on the sender queue; the sender posts each one.

The relay runs on its own schedule, reads only the deliveries that are due
(the sparse timers index), claims each with a lease and sends the claims to
the queue, one message per complaint with its events in the order of its
changes. The sender takes the messages from the queue and posts them all at
once, each complaint's events in turn, so a slow or failing portal holds up
no other; a complaint's event retried after a failure keeps its later ones
behind it (the order is lost only to an event whose earlier one is already
waiting for its retry when it falls due). It acts only on a delivery
still holding the lease it was sent with (`StatusPushes.leased`), so a message
SQS delivers twice or one sent again after its lease ran out is posted once
more at most, with the same webhook id. A message lost, or a sender that
crashed, leaves the delivery claimed until the lease runs out; then it is due
again and the relay sends it anew: nothing is lost.

A delivery carries `webhook-id` (the same on every retry, so the portal can
drop a repeat), `webhook-timestamp` and `webhook-signature` — one signature
per secret the desk holds for the portal, so a portal rotating its secret
verifies with either. A 2xx answer settles it; anything else, a timeout, a
refused connection or a host that does not resolve is tried again after the
policy's next delay, and after the last one the delivery moves to the portal's
dead letters. No redirect is followed: the portal registered the URL it wants.

Each delivery resolves the portal's host and checks every address it resolves
to (`desk.status_push.destination`), then connects to those addresses only
(`adapters.portal_http`): a name pointing at a private, loopback or link-local
address — the cloud's metadata endpoint, the desk's own network — is refused,
whether it did so at registration or turned to it since. A refused delivery is
not tried again (it would be refused the same way): it goes to the dead letters
at once, with the reason.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from standardwebhooks.webhooks import Webhook

from complaints.adapters.portal_http import Destination, post
from complaints.adapters.push_queue import QueuedPush
from complaints.core import clock
from complaints.core.errors import InvalidField
from complaints.core.observability import count, logger
from complaints.core.policy_promises import StatusPush
from complaints.desk.context import Desk
from complaints.desk.status_push import destination

# (where: the URL and the addresses checked, body, headers, timeout seconds) → the HTTP status; raises OSError
# when nothing answered.
Sender = Callable[[Destination, bytes, dict[str, str], float], int]
Secrets = Callable[[], dict[str, list[str]]]


class Queue(Protocol):
    """The sender queue (adapters.push_queue.PushQueue): sends pushes, answers those it refused and why."""

    def send(self, pushes: Sequence[QueuedPush]) -> list[tuple[QueuedPush, str]]: ...

RELAY_RESERVE = 5.0  # seconds of a relay run kept for sending what it claimed

DELIVERED, RETRIED, DEAD_LETTERED, DROPPED = "delivered", "retried", "dead_lettered", "dropped"
STALE, POSTPONED = "stale", "postponed"  # settled or claimed again since; following an earlier event retried


@dataclass
class RelayResult:
    due: int = 0
    queued: int = 0
    refused: int = 0  # the queue did not take them: due again when their lease runs out


@dataclass(frozen=True)
class Claimed:
    """One delivery a sender queue message names, and the lease it was claimed with."""

    pk: str
    sk: str
    lease: str


def message_body(claims: list[Claimed]) -> str:
    """A sender queue message: one complaint's claimed deliveries, in the order of its changes."""
    return json.dumps({"deliveries": [{"pk": c.pk, "sk": c.sk, "lease": c.lease} for c in claims]},
                      separators=(",", ":"))


def parse_message(body: str) -> list[Claimed]:
    try:
        return [Claimed(str(d["pk"]), str(d["sk"]), str(d["lease"])) for d in json.loads(body)["deliveries"]]
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidField("body", "is not a status push message: {deliveries: [{pk, sk, lease}]}") from exc


def signed_headers(message_id: str, at: datetime, body: str, secrets: list[str]) -> dict[str, str]:
    signatures = " ".join(Webhook(secret).sign(message_id, at, body) for secret in secrets)
    return {"webhook-id": message_id, "webhook-timestamp": str(int(at.timestamp())),
            "webhook-signature": signatures, "content-type": "application/json",
            "user-agent": "complaint-desk-status/1"}


def relay(desk: Desk, queue: Queue, seconds_left: Callable[[], float] = lambda: float("inf")) -> RelayResult:
    """Claim the due deliveries and put them on the sender queue: one message per complaint, with its deliveries
    in the order of its changes, so the sender posts a complaint's events in turn and different complaints' at once.

    It stops claiming with RELAY_RESERVE seconds of its run left; the next run goes on from there.
    """
    now = clock.now()
    result = RelayResult()
    by_complaint: dict[str, list[dict[str, Any]]] = {}
    for due in desk.tables.pushes.due(now):
        if seconds_left() < RELAY_RESERVE:
            break
        push = desk.tables.pushes.claim(due, now)
        if push is None:
            continue  # another run has it
        result.due += 1
        by_complaint.setdefault(str(push["complaint_id"]), []).append(push)
    messages = []
    for pushes in by_complaint.values():
        pushes.sort(key=lambda p: (int(p.get("version", 0)), str(p["SK"])))
        messages.append(QueuedPush(message_body([Claimed(str(p["PK"]), str(p["SK"]), str(p["TSK"])) for p in pushes]),
                                   str(pushes[0]["portal_id"]), ",".join(str(p.get("event", "")) for p in pushes),
                                   max(int(p["attempts"]) for p in pushes)))
    refused = queue.send(messages)
    for message, reason in refused:
        logger.warning("status pushes not queued; sent again when their lease runs out",
                       extra={"portal_id": message.portal_id, "reason": reason})
    result.refused = sum(len(parse_message(message.body)) for message, _ in refused)
    result.queued = result.due - result.refused
    return result


def deliver(desk: Desk, message: str, secrets: Secrets, send: Sender = post) -> list[str]:
    """Post the deliveries a sender queue message names, in turn, and settle each: what became of each.

    After a delivery that is to be tried again, the complaint's later ones follow it rather than overtake it.
    Errors of the table or the secrets store are the caller's: the message is then not settled, and the queue
    hands it out again (a delivery settled before is stale then, and skipped).
    """
    outcomes: list[str] = []
    follow_at: datetime | None = None
    for claimed in parse_message(message):
        push = desk.tables.pushes.leased(claimed.pk, claimed.sk, claimed.lease)
        if push is None:
            outcomes.append(STALE)  # settled already, or claimed again since: that claim's message carries it
        elif follow_at is not None:
            desk.tables.pushes.postpone(push, follow_at)
            outcomes.append(POSTPONED)
        else:
            outcome, follow_at = _settle(desk, push, secrets, send)
            outcomes.append(outcome)
    return outcomes


def _settle(desk: Desk, push: dict[str, Any], secrets: Secrets, send: Sender) -> tuple[str, datetime | None]:
    """Post one delivery and settle it: the outcome, and when it is due again if it is retried."""
    rule = desk.policy.status_push
    portal_id = str(push["portal_id"])
    hook = desk.tables.hooks.get(portal_id)
    keys = secrets().get(portal_id) or []
    if hook is None or not keys:
        desk.tables.pushes.delivered(push)
        logger.info("status push dropped: the portal has no webhook", extra={"portal_id": portal_id})
        return DROPPED, None
    error, for_good = _post(push, str(hook["url"]), keys, rule, send)
    if error is None:
        desk.tables.pushes.delivered(push)
        return DELIVERED, None
    attempts = int(push.get("attempts", 1))
    extra = {"portal_id": portal_id, "complaint_id": push["complaint_id"], "message_id": push["message_id"],
             "attempts": attempts, "error": error}
    if not for_good and attempts <= len(rule.retry_after):
        again = desk.policy.calendar.add(clock.now(), rule.retry_after[attempts - 1])
        if desk.tables.pushes.retry(push, error, again):
            logger.warning("status push failed; tried again later", extra=extra)
        return RETRIED, again
    if desk.tables.pushes.dead_letter(push, error):
        count("StatusPushesDeadLettered", portal=portal_id)
        logger.error("status push refused; dead-lettered without trying again" if for_good
                     else "status push failed every attempt; dead-lettered", extra=extra)
    return DEAD_LETTERED, None


def _post(push: dict[str, Any], url: str, keys: list[str], rule: StatusPush, send: Sender) -> tuple[str | None, bool]:
    """(None, False) when the portal took it; else what went wrong, short, and whether for good: the desk
    refuses the URL, or an address its host resolves to, and another try would be refused the same way."""
    try:
        to = destination(url, rule)
    except InvalidField as refused:
        return f"url refused: {refused.reason}", True
    except OSError as exc:  # no answer from DNS, or no such name (yet): the portal may fix its DNS
        return f"host does not resolve ({type(exc).__name__})", False
    body = str(push["body"])
    # The signature's timestamp is the moment of sending on the wall clock: the portal checks it against its own.
    headers = signed_headers(str(push["message_id"]), datetime.now(UTC), body, keys)
    try:
        status = send(to, body.encode("utf-8"), headers, float(rule.timeout_seconds))
    except OSError as exc:  # refused, unreachable, timed out
        return type(exc).__name__, False
    return (None if 200 <= status < 300 else f"HTTP {status}"), False
