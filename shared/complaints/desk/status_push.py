"""Status back to portals: each status change a portal registered for becomes a Standard Webhooks event.

The event rides on the change that causes it: announcing adds it to the
record, and the save that writes the change writes the event in the same
transaction (a transactional outbox), so a portal hears of a change exactly
when it was saved. It is delivered by the relay and the sender
(``workflow/pushing``), signed with the portal's own secret. It carries what
the portal already knows and the desk's own codes — the complaint id, the
portal's external id, status, promised times, the reply's kind, the outcome
and root cause — and never the customer's data nor staff's free text.
A portal's registration is read at most once a minute per process.

The desk calls public addresses only. A webhook URL's host is resolved when it
is registered and again at every delivery, and refused when any address it
resolves to is private, loopback, link-local or otherwise not public (unless
the policy's `allow_http_hosts` names the host); the delivery then connects to
the addresses checked, so a name turned to the metadata endpoint or the desk's
own network after registration (DNS rebinding) reaches neither.
"""

from __future__ import annotations

import ipaddress
import json
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from complaints.adapters.dynamodb import PortalHooks
from complaints.adapters.portal_http import RESOLVE_SECONDS, Address, Destination, internal, resolve
from complaints.core import clock
from complaints.core.enums import PromiseState
from complaints.core.errors import InvalidField
from complaints.core.observability import logger
from complaints.core.outbox import StatusEvent
from complaints.core.policy import Policy
from complaints.core.policy_promises import StatusPush
from complaints.core.record import ComplaintRecord

TTL_SECONDS = 60.0


def _parts(url: str, rule: StatusPush) -> tuple[str, int, bool]:
    """The URL's host and port, and whether the policy allows the host: https, or http to a host the policy
    allows; no credentials in it, and no private or loopback address written in it unless the policy names it."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port or (443 if parts.scheme == "https" else 80)  # a port that is not a number raises here
    except ValueError as exc:  # "http://[": an unclosed IPv6 bracket, a port that is not a number
        raise InvalidField("url", f"is not a URL ({exc})") from exc
    allowed = host in rule.allow_http_hosts
    if parts.scheme not in ("https", "http") or not host or (parts.scheme == "http" and not allowed):
        raise InvalidField("url", "must be an https URL" + (
            f" (http only to {', '.join(rule.allow_http_hosts)})" if rule.allow_http_hosts else ""))
    if parts.username or parts.password:
        raise InvalidField("url", "must not carry credentials; deliveries are signed with the portal's secret")
    try:
        written = ipaddress.ip_address(host)
    except ValueError:
        _check_name(host)
        return host, port, allowed
    if not allowed and internal(written):
        raise InvalidField("url", "must not name a private, loopback or link-local address")
    return host, port, allowed


def _check_name(host: str) -> None:
    """A host name the resolver can be asked for: no label over 63 characters, no empty label, 253 at most."""
    try:
        encoded = host.encode("idna")
    except UnicodeError as exc:
        raise InvalidField("url", f"has a host name that is not a valid DNS name ({exc})") from exc
    if len(encoded.rstrip(b".")) > 253:
        raise InvalidField("url", "has a host name that is not a valid DNS name (longer than 253 characters)")


def _check_addresses(host: str, addresses: list[Address]) -> None:
    for address in addresses:
        kind = internal(address)
        if kind:
            raise InvalidField("url", f"{host} resolves to {address}, a {kind} address; "
                                      "the desk calls public addresses only")


def _lookup_seconds(rule: StatusPush) -> float:
    """How long a lookup of the portal's host waits: the portal's timeout, and never over RESOLVE_SECONDS."""
    return min(float(rule.timeout_seconds), RESOLVE_SECONDS)


def check_url(url: str, rule: StatusPush) -> str:
    """A webhook URL the desk will call: https, or http to a host the policy allows; no credentials in it, and
    no private or loopback address, written in it or resolved from its host now, unless the policy names the host.

    A host that does not resolve now, or not within the policy's timeout (RESOLVE_SECONDS at most), is taken: its
    DNS may not be published yet, and the tests run without one.
    It gains nothing by it, since every delivery resolves the host again and checks each address (`destination`).
    """
    host, port, allowed = _parts(url, rule)
    if not allowed:
        try:
            addresses = resolve(host, port, _lookup_seconds(rule))
        except OSError:
            return url
        _check_addresses(host, addresses)
    return url


def destination(url: str, rule: StatusPush) -> Destination:
    """Where a delivery goes: the URL checked as at registration, its host resolved now and every address it
    resolves to checked; the delivery connects to these addresses only, so a second resolution cannot swap them.

    Raises InvalidField when the desk refuses it (for good: another try would be refused the same way), OSError
    when the host does not resolve, or not within the policy's timeout (RESOLVE_SECONDS at most; tried again
    later). A host the policy names is resolved but not judged: the local stack and the tests name their loopback
    receivers so.
    """
    host, port, allowed = _parts(url, rule)
    addresses = resolve(host, port, _lookup_seconds(rule))
    if not allowed:
        _check_addresses(host, addresses)
    return Destination(url, tuple(addresses))


def payload(policy: Policy, record: ComplaintRecord, event: str, data: dict[str, Any]) -> dict[str, Any]:
    """The event's body. Its promises are the pending ones made to the customer (as the portal's read-back
    lists them): those between departments and the desk's own stay inside."""
    pending = {p.kind: clock.iso(p.due_at) for p in record.promises if p.state is PromiseState.PENDING
               and (policy.kind(p.kind).customer_facing or policy.kind(p.kind).ceiling)}
    resolution = record.resolution
    body: dict[str, Any] = {
        "complaint_id": record.complaint_id, "external_id": record.external_id, "status": record.status.value,
        "awaiting": record.stage.value if record.stage else None, "promises": pending,
        "outcome": resolution.outcome.value if resolution and event in ("resolved", "closed") else None,
        "root_cause": resolution.root_cause if resolution and event in ("resolved", "closed") else None,
        **data}
    return {"type": f"complaint.{event}", "timestamp": clock.iso(clock.now()),
            "data": {k: v for k, v in body.items() if v is not None}}


class StatusAnnouncer:
    def __init__(self, policy: Callable[[], Policy], hooks: PortalHooks) -> None:
        self._policy = policy
        self.hooks = hooks
        self._lock = threading.Lock()
        self._cache: dict[str, tuple[float, dict[str, Any] | None]] = {}

    def registration(self, portal_id: str) -> dict[str, Any] | None:
        with self._lock:
            cached = self._cache.get(portal_id)
            if cached and time.monotonic() - cached[0] < TTL_SECONDS:
                return cached[1]
        found = self.hooks.get(portal_id)
        with self._lock:
            self._cache[portal_id] = (time.monotonic(), found)
        return found

    def forget(self, portal_id: str) -> None:
        with self._lock:
            self._cache.pop(portal_id, None)

    def announce(self, record: ComplaintRecord, event: str, **data: Any) -> bool:
        """Add the event for the complaint's portal to the change being made to the record, if the portal
        registered for it; True when added. Call it once the record shows the change, before saving it."""
        if event not in self._policy().status_push.events:
            return False
        hook = self.registration(record.portal_id)
        if hook is None or event not in list(hook.get("events") or []):
            return False
        body = json.dumps(payload(self._policy(), record, event, data), ensure_ascii=False, separators=(",", ":"))
        record.add_status(StatusEvent(record.portal_id, event, body))
        logger.info("status push added to the change", extra={"complaint_id": record.complaint_id, "event": event})
        return True
