"""Intake (受理): store a portal's complaint exactly once and start its workflow.

Two keys make a delivery exactly-once. The `webhook-id` is a Powertools
idempotency key (records expire after the portal's retry window): a repeated
or concurrent delivery gets the original answer, and the same id with another
body is refused. The portal's own `external_id` is kept for good in the table
(`EXT#portal#external_id`), so a complaint re-sent later under a new
webhook-id still maps to the complaint it created.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from collections.abc import Callable
from datetime import timedelta
from functools import lru_cache
from typing import Any

from complaints.adapters.signing_keys import phone_key
from complaints.core import clock
from complaints.core.enums import EventType, Priority, PromiseKind, PromiseState, Status
from complaints.core.errors import ComplaintNotFound, Conflict, DuplicateMismatch, InvalidField
from complaints.core.observability import logger
from complaints.core.phones import to_e164
from complaints.core.policy import Policy
from complaints.core.policy_vocabulary import cluster_key
from complaints.core.record import ComplaintRecord, ExecutionRun
from complaints.core.requests import IntakeRequest
from complaints.core.values import TimelineEvent
from complaints.core.views import IntakeAnswer, PortalComplaintStatus
from complaints.desk.context import Desk
from complaints.intake.portals import Delivery
from complaints.promises import keeping as promises
from complaints.promises import terms as sla
from complaints.triage.classifier import priority_from_signals
from complaints.triage.rules import PhraseRules, normalise

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U
# Portals retry for up to a day; a delivery id is remembered for a week.
IDEMPOTENCY_SECONDS = 7 * 24 * 3600
_IN_PROGRESS_WAIT_SECONDS = 5.0


def new_complaint_id(desk: Desk) -> str:
    """A ticket number a customer can read out on the phone: C20261122-7K3M9Q."""
    local_day = clock.now().astimezone(desk.policy.calendar.zone).strftime("%Y%m%d")
    return f"C{local_day}-" + "".join(secrets.choice(_ALPHABET) for _ in range(6))


def fingerprint(request: IntakeRequest) -> str:
    """The same complaint whatever the key order or spacing of the JSON it came in."""
    canonical = json.dumps(request.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def submit(desk: Desk, delivery: Delivery, request: IntakeRequest) -> IntakeAnswer:
    """Accept a verified delivery exactly once per webhook-id."""
    # Powertools' idempotency utility is imported by the deliveries that use it, not by every cold start.
    from aws_lambda_powertools.utilities.idempotency.exceptions import (
        IdempotencyAlreadyInProgressError,
        IdempotencyValidationError,
    )

    oldest = desk.policy.intake.received_within_days
    if request.received_at is not None and request.received_at < clock.now() - timedelta(days=oldest):
        raise InvalidField("received_at", f"must be within the last {oldest} days")
    for field, problem in desk.policy.intake_problems(request.channel, request.service, request.location,
                                                      request.device):
        raise InvalidField(field, problem)
    request = request.model_copy(update={"customer": request.customer.model_copy(
        update={"phone": to_e164(request.customer.phone, delivery.portal.default_region)})})
    payload = {"portal_id": delivery.portal.id, "webhook_id": delivery.webhook_id,
               "fingerprint": fingerprint(request), "request": request.model_dump(mode="json")}
    deliver = _idempotent_delivery(desk.settings.required("idempotency_table_name"))
    deadline = time.monotonic() + _IN_PROGRESS_WAIT_SECONDS
    while True:
        try:
            return IntakeAnswer.model_validate(deliver(desk=desk, delivery=payload))
        except IdempotencyValidationError as exc:
            raise DuplicateMismatch(
                f"webhook-id {delivery.webhook_id!r} was already used for a different body") from exc
        except IdempotencyAlreadyInProgressError as exc:
            # A concurrent delivery of the same webhook-id is being stored; answer with its result.
            if time.monotonic() > deadline:
                raise Conflict("the same delivery is still being processed; retry") from exc
            time.sleep(0.05)


def _phrase_rules(policy: Policy) -> PhraseRules:
    """The profile's phrase rules, compiled once per loaded policy (the intake reads its safety cues only)."""
    compiled = _compiled_rules.get(id(policy))
    if compiled is None or compiled.policy is not policy:
        compiled = _compiled_rules[id(policy)] = PhraseRules(policy)
    return compiled


_compiled_rules: dict[int, PhraseRules] = {}


@lru_cache(maxsize=1)
def idempotency_config() -> Any:
    """How deliveries are made idempotent (Powertools' IdempotencyConfig, imported on first use)."""
    from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig

    return IdempotencyConfig(event_key_jmespath="[portal_id, webhook_id]", payload_validation_jmespath="fingerprint",
                             raise_on_no_idempotency_key=True, expires_after_seconds=IDEMPOTENCY_SECONDS)


def forget_clients() -> None:
    """Drop the idempotency store's client (bootstrap.reset)."""
    _idempotent_delivery.cache_clear()


@lru_cache(maxsize=4)
def _idempotent_delivery(table_name: str) -> Callable[..., dict[str, Any]]:
    """Built on first use, so importing this module creates no AWS client (nor imports the utility)."""
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer, idempotent_function

    persistence = DynamoDBPersistenceLayer(table_name=table_name)

    @idempotent_function(data_keyword_argument="delivery", persistence_store=persistence,
                         config=idempotency_config())
    def deliver(*, desk: Desk, delivery: dict[str, Any]) -> dict[str, Any]:
        request = IntakeRequest.model_validate(delivery["request"])
        answer = _store_and_start(desk, delivery["portal_id"], request, delivery["fingerprint"])
        return answer.model_dump(mode="json")

    return deliver


def _store_and_start(desk: Desk, portal_id: str, request: IntakeRequest, body_fingerprint: str) -> IntakeAnswer:
    now = clock.now()
    received_at = request.received_at or now
    # An emergency the text names (people trapped, a burst pipe) is urgent from the first minute: its promises
    # and its acknowledgement do not wait for the classification, nor for the end of quiet hours.
    safety = bool(_phrase_rules(desk.policy).cue("safety", normalise(request.text)))
    priority = priority_from_signals(vip=request.customer.vip,
                                     sensitive_channel=desk.policy.channel_sensitive(request.channel),
                                     sensitive=False, safety=safety)
    initial = sla.keep_by(desk.policy, sla.promises_for(priority, received_at, desk.policy, channel=request.channel),
                          EventType.RECEIVED, now)
    complaint_id = new_complaint_id(desk)
    record = ComplaintRecord(
        complaint_id=complaint_id,
        status=Status.ACKNOWLEDGED,
        portal_id=portal_id,
        external_id=request.external_id,
        channel=request.channel,
        language=request.language,
        received_at=received_at,
        updated_at=now,
        customer=request.customer,
        customer_key=phone_key(request.customer.phone, desk.settings.required("signing_secret_name")),
        service=request.service,
        text=request.text,
        location=request.location,
        occurred=request.occurred,
        device=request.device,
        channel_sensitive=desk.policy.channel_sensitive(request.channel),
        cluster_key=cluster_key(desk.policy.clusters.dimensions, request.location),
        promises=initial,
        executions=[ExecutionRun(name=complaint_id, started_at=now, by=f"portal:{portal_id}", kind="intake")],
    )
    event = TimelineEvent(at=now, type=EventType.RECEIVED, actor=f"portal:{portal_id}",
                          detail={"channel": request.channel, "external_id": request.external_id,
                                  "sensitive": record.sensitive})
    desk.pushes.announce(record, "acknowledged")  # written by the create, so not on a repeated delivery
    complaint_id = desk.complaints.create(record, body_fingerprint, [event])
    created = complaint_id == record.complaint_id
    if created:
        promises.schedule(desk, record)
    else:
        record = desk.complaints.get(complaint_id)
    # Started on every delivery: a crash between storing and starting heals on the retry.
    desk.workflow.start(complaint_id, {"portal_id": portal_id, "channel": record.channel,
                                       "sensitive": record.sensitive,
                                       "service": record.service})
    if created:
        pending = {p.kind: desk.local_time(p.due_at) for p in record.promises if p.state is PromiseState.PENDING}
        tell = desk.notices.tell_customer_at_once if priority is Priority.URGENT else desk.notices.tell_customer
        tell(record, "acknowledged", first_reply=pending.get(PromiseKind.FIRST_REPLY, "-"),
             solution=pending.get(PromiseKind.SOLUTION, "-"))
    logger.info("complaint received", extra={"complaint_id": complaint_id, "portal_id": portal_id,
                                             "channel": record.channel, "repeat_delivery": not created})
    return IntakeAnswer(complaint_id=complaint_id, status=record.status, sensitive=record.sensitive,
                        promises=record.promises)


def portal_status(desk: Desk, portal_id: str, external_id: str) -> PortalComplaintStatus:
    """A portal reads back its own complaint, found by its own id (so only its own), with the promises made to
    the customer."""
    complaint_id = desk.complaints.find_external(portal_id, external_id)
    if complaint_id is None:
        raise ComplaintNotFound(f"portal {portal_id!r} has no complaint {external_id!r}")
    record = desk.complaints.get(complaint_id)
    return PortalComplaintStatus(
        complaint_id=record.complaint_id, external_id=record.external_id, status=record.status,
        awaiting=record.stage, category=record.classification.category if record.classification else None,
        received_at=record.received_at, closed_at=record.closed_at, reopen_count=record.reopen_count,
        promises=sla.told_to_customer(desk.policy, record.promises))
