"""Intake (受理): store a portal's complaint exactly once and start its workflow."""

from __future__ import annotations

import secrets as random

from complaints import clock, sla
from complaints.classify import priority_from_signals
from complaints.dal import body_fingerprint
from complaints.desk import Desk
from complaints.models import IntakeAnswer, IntakeRequest, PromiseState, Status, TimelineEvent
from complaints.observability import logger
from complaints.record import ComplaintRecord
from complaints.secrets import phone_key

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U


def new_complaint_id(desk: Desk) -> str:
    """A ticket number a customer can read out on the phone: C20261122-7K3M9Q."""
    local_day = clock.now().astimezone(desk.policy.calendar.zone).strftime("%Y%m%d")
    return f"C{local_day}-" + "".join(random.choice(_ALPHABET) for _ in range(6))


def submit(desk: Desk, portal_id: str, request: IntakeRequest, raw_body: bytes) -> IntakeAnswer:
    now = clock.now()
    received_at = request.received_at or now
    priority = priority_from_signals(vip=request.customer.vip, channel=request.channel, sensitive=False, safety=False)
    promises = sla.keep(sla.promises_for(priority, received_at, desk.policy), "acknowledge", now)
    record = ComplaintRecord(
        complaint_id=new_complaint_id(desk),
        status=Status.ACKNOWLEDGED,
        portal_id=portal_id,
        external_id=request.external_id,
        channel=request.channel,
        language=request.language,
        received_at=received_at,
        updated_at=now,
        customer=request.customer,
        customer_key=phone_key(request.customer.phone, desk.settings.signing_secret_name),
        service=request.service,
        text=request.text,
        location=request.location,
        occurred=request.occurred,
        device=request.device,
        promises=promises,
    )
    event = TimelineEvent(at=now, type="received", actor=f"portal:{portal_id}",
                          detail={"channel": request.channel.value, "external_id": request.external_id})
    complaint_id = desk.repo.create(record, body_fingerprint(raw_body), [event])
    created = complaint_id == record.complaint_id
    if not created:
        record = desk.repo.get(complaint_id)
    # Started on every delivery: a crash between storing and starting heals on the retry.
    desk.workflow.start(complaint_id, {"portal_id": portal_id, "channel": record.channel.value,
                                       "service": record.service.value if record.service else None})
    if created:
        pending = {p.kind: desk.local_time(p.due_at) for p in record.promises if p.state is PromiseState.PENDING}
        desk.tell_customer(record, "acknowledged", first_reply=pending.get("first_reply", "-"),
                           solution=pending.get("solution", "-"))
    logger.info("complaint received", extra={"complaint_id": complaint_id, "portal_id": portal_id,
                                             "channel": record.channel.value, "repeat_delivery": not created})
    return IntakeAnswer(complaint_id=complaint_id, status=record.status, promises=record.promises)
