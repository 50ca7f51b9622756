"""The sender of status events to portals: Standard Webhooks, signed with each portal's own secrets.

It runs on its own schedule, reads only the deliveries that are due (the
sparse timers index) and claims each before sending, so overlapping runs send
it once. A delivery carries `webhook-id` (the same on every retry, so the
portal can drop a repeat), `webhook-timestamp` and `webhook-signature` — one
signature per secret the desk holds for the portal, so a portal rotating its
secret verifies with either. A 2xx answer settles it; anything else, a
timeout or a refused connection is tried again after the policy's next delay,
and after the last one the delivery moves to the portal's dead letters. No
redirect is followed: the portal registered the URL it wants.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from standardwebhooks.webhooks import Webhook

from complaints.core import clock
from complaints.core.errors import InvalidField
from complaints.core.observability import count, logger
from complaints.core.policy_promises import StatusPush
from complaints.desk.context import Desk
from complaints.desk.status_push import check_url

# (url, body, headers, timeout seconds) → the HTTP status; raises OSError when nothing answered.
Sender = Callable[[str, bytes, dict[str, str], float], int]


@dataclass
class PushResult:
    due: int = 0
    delivered: int = 0
    retried: int = 0
    dead_lettered: int = 0
    dropped: int = 0  # for a portal that no longer has a webhook


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


def sweep(desk: Desk, secrets: Callable[[], dict[str, list[str]]], send: Sender = post) -> PushResult:
    now = clock.now()
    rule = desk.policy.status_push
    result = PushResult()
    hooks: dict[str, dict[str, Any] | None] = {}
    for due in desk.tables.pushes.due(now):
        push = desk.tables.pushes.claim(due, now)
        if push is None:
            continue  # another run has it
        result.due += 1
        portal_id = str(push["portal_id"])
        if portal_id not in hooks:
            hooks[portal_id] = desk.tables.hooks.get(portal_id)
        hook = hooks[portal_id]
        keys = secrets().get(portal_id) or []
        if hook is None or not keys:
            desk.tables.pushes.delivered(push)
            result.dropped += 1
            logger.info("status push dropped: the portal has no webhook", extra={"portal_id": portal_id})
            continue
        error = _deliver(push, str(hook["url"]), keys, rule, send)
        if error is None:
            desk.tables.pushes.delivered(push)
            result.delivered += 1
            continue
        attempts = int(push.get("attempts", 1))
        extra = {"portal_id": portal_id, "complaint_id": push["complaint_id"], "attempts": attempts, "error": error}
        if attempts <= len(rule.retry_after):
            desk.tables.pushes.retry(push, error, desk.policy.calendar.add(now, rule.retry_after[attempts - 1]))
            result.retried += 1
            logger.warning("status push failed; tried again later", extra=extra)
        else:
            desk.tables.pushes.dead_letter(push, error)
            result.dead_lettered += 1
            count("StatusPushesDeadLettered", portal=portal_id)
            logger.error("status push failed every attempt; dead-lettered", extra=extra)
    return result


def _deliver(push: dict[str, Any], url: str, keys: list[str], rule: StatusPush, send: Sender) -> str | None:
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
