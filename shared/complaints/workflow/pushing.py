"""Status events to portals: the relay puts due deliveries on the sender queue; the sender posts each one.

The relay runs on its own schedule, reads only the deliveries that are due
(the sparse timers index), claims each with a lease and sends the claims to
the queue in batches. The sender takes them from the queue, several at once,
so a slow or failing portal holds up no other; it acts only on a delivery
still holding the lease it was sent with (`StatusPushes.leased`), so a message
SQS delivers twice or one sent again after its lease ran out is posted once
more at most, with the same webhook id. A message lost, or a sender that
crashed, leaves the delivery claimed until the lease runs out; then it is due
again and the relay sends it anew: nothing is lost.

A delivery carries `webhook-id` (the same on every retry, so the portal can
drop a repeat), `webhook-timestamp` and `webhook-signature` — one signature
per secret the desk holds for the portal, so a portal rotating its secret
verifies with either. A 2xx answer settles it; anything else, a timeout or a
refused connection is tried again after the policy's next delay, and after
the last one the delivery moves to the portal's dead letters. No redirect is
followed: the portal registered the URL it wants.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from standardwebhooks.webhooks import Webhook

from complaints.adapters.push_queue import BATCH, QueuedPush
from complaints.core import clock
from complaints.core.errors import InvalidField
from complaints.core.observability import count, logger
from complaints.core.policy_promises import StatusPush
from complaints.desk.context import Desk
from complaints.desk.status_push import check_url

# (url, body, headers, timeout seconds) → the HTTP status; raises OSError when nothing answered.
Sender = Callable[[str, bytes, dict[str, str], float], int]
Secrets = Callable[[], dict[str, list[str]]]


class Queue(Protocol):
    """The sender queue (adapters.push_queue.PushQueue): sends pushes, answers those it refused and why."""

    def send(self, pushes: Sequence[QueuedPush]) -> list[tuple[QueuedPush, str]]: ...

RELAY_RESERVE = 5.0  # seconds of a relay run kept for sending what it claimed

DELIVERED, RETRIED, DEAD_LETTERED, DROPPED, STALE = "delivered", "retried", "dead_lettered", "dropped", "stale"


@dataclass
class RelayResult:
    due: int = 0
    queued: int = 0
    refused: int = 0  # the queue did not take them: due again when their lease runs out


@dataclass(frozen=True)
class Claimed:
    """What a sender queue message says: which delivery, and the lease it was claimed with."""

    pk: str
    sk: str
    lease: str

    def body(self) -> str:
        return json.dumps({"pk": self.pk, "sk": self.sk, "lease": self.lease}, separators=(",", ":"))

    @classmethod
    def parse(cls, body: str) -> Claimed:
        try:
            data = json.loads(body)
            return cls(str(data["pk"]), str(data["sk"]), str(data["lease"]))
        except (ValueError, KeyError, TypeError) as exc:
            raise InvalidField("body", "is not a status push message: {pk, sk, lease}") from exc


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # the 3xx answer is the answer: not delivered


_OPENER = urllib.request.build_opener(_NoRedirects)


def post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> int:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310 - checked URL
    try:
        with _OPENER.open(request, timeout=timeout) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as refused:
        return int(refused.code)


def signed_headers(message_id: str, at: datetime, body: str, secrets: list[str]) -> dict[str, str]:
    signatures = " ".join(Webhook(secret).sign(message_id, at, body) for secret in secrets)
    return {"webhook-id": message_id, "webhook-timestamp": str(int(at.timestamp())),
            "webhook-signature": signatures, "content-type": "application/json",
            "user-agent": "complaint-desk-status/1"}


def relay(desk: Desk, queue: Queue, seconds_left: Callable[[], float] = lambda: float("inf")) -> RelayResult:
    """Claim the due deliveries and put them on the sender queue, a batch at a time.

    It stops claiming with RELAY_RESERVE seconds of its run left; the next run goes on from there.
    """
    now = clock.now()
    result = RelayResult()
    claimed: list[QueuedPush] = []
    for due in desk.tables.pushes.due(now):
        if seconds_left() < RELAY_RESERVE:
            break
        push = desk.tables.pushes.claim(due, now)
        if push is None:
            continue  # another run has it
        result.due += 1
        claimed.append(QueuedPush(Claimed(str(push["PK"]), str(push["SK"]), str(push["TSK"])).body(),
                                  str(push["portal_id"]), str(push.get("event", "")), int(push["attempts"])))
        if len(claimed) == BATCH:
            _queue(queue, claimed, result)
    _queue(queue, claimed, result)
    return result


def _queue(queue: Queue, claimed: list[QueuedPush], result: RelayResult) -> None:
    if not claimed:
        return
    refused = queue.send(claimed)
    for push, reason in refused:
        logger.warning("status push not queued; sent again when its lease runs out",
                       extra={"portal_id": push.portal_id, "reason": reason})
    result.refused += len(refused)
    result.queued += len(claimed) - len(refused)
    claimed.clear()


def deliver(desk: Desk, message: str, secrets: Secrets, send: Sender = post) -> str:
    """Post the delivery a sender queue message names, and settle it: what became of it.

    Errors of the table or the secrets store are the caller's: the message is then not settled, and the queue
    hands it out again.
    """
    claimed = Claimed.parse(message)
    push = desk.tables.pushes.leased(claimed.pk, claimed.sk, claimed.lease)
    if push is None:
        return STALE  # settled already, or claimed again since: that claim's message carries it
    rule = desk.policy.status_push
    portal_id = str(push["portal_id"])
    hook = desk.tables.hooks.get(portal_id)
    keys = secrets().get(portal_id) or []
    if hook is None or not keys:
        desk.tables.pushes.delivered(push)
        logger.info("status push dropped: the portal has no webhook", extra={"portal_id": portal_id})
        return DROPPED
    error = _post(push, str(hook["url"]), keys, rule, send)
    if error is None:
        desk.tables.pushes.delivered(push)
        return DELIVERED
    attempts = int(push.get("attempts", 1))
    extra = {"portal_id": portal_id, "complaint_id": push["complaint_id"], "attempts": attempts, "error": error}
    if attempts <= len(rule.retry_after):
        if desk.tables.pushes.retry(push, error, desk.policy.calendar.add(clock.now(), rule.retry_after[attempts - 1])):
            logger.warning("status push failed; tried again later", extra=extra)
        return RETRIED
    if desk.tables.pushes.dead_letter(push, error):
        count("StatusPushesDeadLettered", portal=portal_id)
        logger.error("status push failed every attempt; dead-lettered", extra=extra)
    return DEAD_LETTERED


def _post(push: dict[str, Any], url: str, keys: list[str], rule: StatusPush, send: Sender) -> str | None:
    """None when the portal took it; else what went wrong, short."""
    try:
        check_url(url, rule)
    except InvalidField as refused:
        return f"url refused: {refused.reason}"
    body = str(push["body"])
    # The signature's timestamp is the moment of sending on the wall clock: the portal checks it against its own.
    headers = signed_headers(str(push["message_id"]), datetime.now(UTC), body, keys)
    try:
        status = send(url, body.encode("utf-8"), headers, float(rule.timeout_seconds))
    except OSError as exc:  # refused, unreachable, timed out
        return type(exc).__name__
    return None if 200 <= status < 300 else f"HTTP {status}"
