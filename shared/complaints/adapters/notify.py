"""Notifications through one port, with adapters for each environment.

`outbox` appends every message to a JSON-lines file (the local stack's SMS
and e-mail gateway); `aws` sends customer messages as SNS SMS and staff
messages through SES. Messages are rendered in the customer's language.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Protocol

import boto3

from complaints.core import clock
from complaints.core.observability import logger

TEMPLATES: dict[str, dict[str, str]] = {
    "acknowledged": {
        "zh-CN": "您的投诉已受理，工单号 {complaint_id}。我们将在 {first_reply} 前答复您，并在 {solution} 前解决。",
        "en": "Your complaint {complaint_id} is registered. "
              "We will reply by {first_reply} and resolve it by {solution}.",
    },
    "resolved": {
        "zh-CN": "工单 {complaint_id} 已处理完毕，我们会致电向您确认问题是否已解决；您也可以在此告诉我们：{link}",
        "en": "Complaint {complaint_id} has been handled; we will call you to confirm the problem is gone, "
              "or tell us here: {link}",
    },
    "tracking": {
        "zh-CN": "工单 {complaint_id} 需要长期方案解决：{plan}。预计 {date} 前完成，期间我们会持续跟进并告知进展。",
        "en": "Complaint {complaint_id} needs a long-term fix: {plan}. It is planned by {date}; "
              "we follow it up and will keep you informed.",
    },
    "survey": {
        "zh-CN": "工单 {complaint_id} 已办结，请为本次服务打分（1-10）。{reply}或点击链接评价：{link}",
        "en": "Complaint {complaint_id} is closed. Please rate our handling from 1 to 10. {reply}Or rate it here: "
              "{link}",
    },
    "survey_reply_unreadable": {
        "zh-CN": "抱歉，未能识别您的回复，评价未记录。{reply}",
        "en": "Sorry, we could not read your reply; no rating was recorded. {reply}",
    },
    "quality_check": {"en": "Complaint {complaint_id} was reported {outcome}: check the handling before the "
                            "customer is called."},
    "quality_failed": {"en": "Complaint {complaint_id} failed its quality check: {reason}. Handle it again."},
    "follow_up_due": {"en": "Tracking ticket {complaint_id}: a follow-up is due (fix planned by {date}; "
                            "late: {late})."},
    "assigned": {"en": "Complaint {complaint_id} ({category}, {priority}) is yours: accept it by {due}."},
    "needs_assignment": {
        "en": "Complaint {complaint_id} ({category}) has no available agent in {department}: assign it by hand.",
    },
    "incident_opened": {
        "en": "Incident {incident_id}: {count} complaints of {category} at {where}; complaint {complaint_id} is the "
              "latest. Resolve the incident to resolve them all.",
    },
    "incident_prioritised": {
        "en": "Incident {incident_id} ({category} at {where}) has been open for {hours} hours: its {count} "
              "complaints are now {priority}. Restore the site first.",
    },
    "passing_around": {
        "en": "Complaint {complaint_id} was transferred {transfers} times or sent back: assign it by hand.",
    },
    "progress_update": {
        "zh-CN": "工单 {complaint_id} 进展：{status}。我们会继续跟进，处理完毕后第一时间通知您。",
        "en": "Complaint {complaint_id}: {status}. We keep working on it and will tell you as soon as it is done.",
    },
    "promise_extended": {
        "zh-CN": "工单 {complaint_id} 需要更多时间处理（{reason}），我们将在 {due} 前给您答复。",
        "en": "Complaint {complaint_id} needs more time ({reason}); we will answer you by {due}.",
    },
    "handler": {
        "zh-CN": "工单 {complaint_id} 由 {handler} 负责处理，联系电话 {phone}；如联系不上，请拨打 {escalation_phone}。",
        "en": "Complaint {complaint_id} is handled by {handler}, on {phone}; if you cannot reach them, call "
              "{escalation_phone}.",
    },
    "handler_changed": {
        "zh-CN": "工单 {complaint_id} 已改由 {handler} 负责处理，联系电话 {phone}；"
                 "如联系不上，请拨打 {escalation_phone}。",
        "en": "Complaint {complaint_id} is now handled by {handler}, on {phone}; if you cannot reach them, call "
              "{escalation_phone}.",
    },
    "reply_promised": {
        "zh-CN": "工单 {complaint_id}：{handler} 已与您沟通处理进展，我们将在 {due} 前再次答复您。联系电话 {phone}，"
                 "如联系不上请拨打 {escalation_phone}。",
        "en": "Complaint {complaint_id}: {handler} has been in touch about it; we will answer you again by {due}. "
              "Call {phone}, or {escalation_phone} if you cannot reach them.",
    },
    "appointment": {
        "zh-CN": "工单 {complaint_id}：上门服务时间已约定为 {start} 至 {end}，由 {handler} 负责，联系电话 {phone}。",
        "en": "Complaint {complaint_id}: the visit is booked from {start} to {end}, by {handler}; call {phone}.",
    },
    "visit_reminder": {
        "zh-CN": "提醒：工单 {complaint_id} 的上门服务时间为 {start} 至 {end}。如需改期请拨打 {phone}。",
        "en": "Reminder: the visit for complaint {complaint_id} is from {start} to {end}. To change it, call {phone}.",
    },
    "promise_due": {"en": "Complaint {complaint_id}: the {kind} promise falls due at {due}."},
    "promise_missed": {"en": "Complaint {complaint_id}: the {kind} promise was missed (owner {owner})."},
    "digest": {"en": "{count} updates on your complaints:\n{lines}"},
    "reopened": {"en": "Complaint {complaint_id} was reopened: the customer says it is not fixed."},
    "tracking_required": {"en": "Complaint {complaint_id} is not fixed after {times} tries (owner {owner}): its next "
                                "report must carry a long-term plan, a tracking ticket."},
    "overdue": {"en": "Complaint {complaint_id} is overdue at {stage} (due {due}); owner {owner}."},
    "failed": {"en": "Complaint {complaint_id} stopped with error {error}: handle it by hand."},
    "redress_compensation": {
        "zh-CN": "工单 {complaint_id}：我们将向您支付补偿 {amount} {currency}。原因：{reason}",
        "en": "Complaint {complaint_id}: we will pay you compensation of {amount} {currency}. Why: {reason}",
    },
    "redress_refund": {
        "zh-CN": "工单 {complaint_id}：我们将向您退款 {amount} {currency}。原因：{reason}",
        "en": "Complaint {complaint_id}: we will refund you {amount} {currency}. Why: {reason}",
    },
    "redress_fee_adjustment": {
        "zh-CN": "工单 {complaint_id}：您的费用将调减 {amount} {currency}。原因：{reason}",
        "en": "Complaint {complaint_id}: your charges are reduced by {amount} {currency}. Why: {reason}",
    },
    "redress_apology": {
        "zh-CN": "工单 {complaint_id}：对给您带来的不便，我们深表歉意。{reason}",
        "en": "Complaint {complaint_id}: we apologise for the trouble we caused you. {reason}",
    },
    "redress_explanation": {
        "zh-CN": "工单 {complaint_id} 的书面说明：{reason}",
        "en": "A written explanation of complaint {complaint_id}: {reason}",
    },
    "redress_approval": {"en": "Complaint {complaint_id}: {kind} {redress_id} of {amount} {currency}, recorded by "
                               "{by}, is above their limit and awaits your approval."},
    "redress_decided": {"en": "Complaint {complaint_id}: redress {redress_id} was {state} by {by}."},
    "consulted": {"en": "Complaint {complaint_id}: {department} is asked a question ({consult_id}) by {by}; "
                        "answer it by {due}."},
    "consult_answered": {"en": "Complaint {complaint_id}: {department} answered consultation {consult_id}."},
    "assist_opened": {"en": "Complaint {complaint_id}: assist {assist_id} for {department} is yours to do by {due}."},
    "assist_done": {"en": "Complaint {complaint_id}: assist {assist_id} was done by {by}."},
    "collaboration_overdue": {"en": "Complaint {complaint_id}: {what} of {department} is overdue (due {due})."},
    "returned": {"en": "Complaint {complaint_id} was returned by {department} ({reason}): dispatch it again."},
    "action_opened": {"en": "Corrective action {action_id} ({cause}) is yours, opened by {by}: do it by {due}."},
    "action_warned": {"en": "Corrective action {action_id} ({cause}) falls due at {due}."},
    "action_overdue": {"en": "Corrective action {action_id} ({cause}) is overdue since {due} (owner {owner})."},
    "action_done": {"en": "Corrective action {action_id} ({cause}) was reported done by {by} (late: {late})."},
    "action_cancelled": {"en": "Corrective action {action_id} ({cause}) was cancelled by {by}."},
    "low_score": {"en": "Complaint {complaint_id} was rated {score}/10 (unsatisfied: {unsatisfied}): recover it - "
                        "find the cause, act, and reopen it if needed."},
}


@dataclass(frozen=True)
class Message:
    template: str
    complaint_id: str
    to_customer: bool
    recipient: str  # a phone number for customers, an agent id for staff
    language: str = "en"
    params: dict[str, Any] = field(default_factory=dict)
    email: str | None = None
    wording: Mapping[str, str] | None = None  # the desk's own text of this template, per language

    def render(self) -> str:
        texts = {**TEMPLATES[self.template], **(self.wording or {})}
        text = texts.get(self.language) or texts["en"]
        return text.format(complaint_id=self.complaint_id, **self.params)


class Notifier(Protocol):
    def send(self, message: Message) -> None: ...


class OutboxNotifier:
    """Appends each message to a JSON-lines file, as a gateway would deliver it.

    With a gateway, a customer's message is first sent through it (the AWS adapter: SNS SMS, as on
    AWS, against whatever endpoint boto3 is given) and written only once the gateway took it, so a
    send refused there fails here as it would on AWS.
    """

    _lock = threading.Lock()

    def __init__(self, path: str, gateway: Notifier | None = None) -> None:
        self.path = Path(path)
        self.gateway = gateway

    def send(self, message: Message) -> None:
        if self.gateway is not None and message.to_customer:
            self.gateway.send(message)
        line = {
            "at": clock.iso(clock.now()),
            "channel": "sms" if message.to_customer else "staff",
            "to": message.recipient,
            "complaint_id": message.complaint_id,
            "template": message.template,
            "text": message.render(),
        }
        with self._lock, self._open() as handle:
            handle.write(json.dumps(line, ensure_ascii=False) + "\n")
            handle.flush()
            os.fsync(handle.fileno())  # a message sent is on disk before the step that sent it goes on
        logger.info("message queued", extra={"template": message.template, "complaint_id": message.complaint_id})


    def _open(self) -> IO[str]:
        """The outbox for appending, readable by its owner only: it holds phone numbers and link tokens."""
        descriptor = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        os.fchmod(descriptor, 0o600)  # an outbox made before with wider rights is narrowed too
        return os.fdopen(descriptor, "a", encoding="utf-8")


class AwsNotifier:
    """SNS SMS to customers, SES e-mail to staff."""

    def __init__(self, sender_email: str) -> None:
        self.sender_email = sender_email
        self._sns: Any = None
        self._ses: Any = None

    def send(self, message: Message) -> None:
        if message.to_customer:
            self._sns = self._sns or boto3.client("sns")
            self._sns.publish(PhoneNumber=message.recipient, Message=message.render(),
                              MessageAttributes={"AWS.SNS.SMS.SMSType": {
                                  "DataType": "String", "StringValue": "Transactional"}})
        elif message.email and self.sender_email:
            self._ses = self._ses or boto3.client("ses")
            self._ses.send_email(
                Source=self.sender_email,
                Destination={"ToAddresses": [message.email]},
                Message={"Subject": {"Data": f"Complaint {message.complaint_id}: {message.template}"},
                         "Body": {"Text": {"Data": message.render()}}},
            )
        else:
            logger.warning("staff member has no e-mail address", extra={"agent_id": message.recipient})
            return
        logger.info("message sent", extra={"template": message.template, "complaint_id": message.complaint_id})


def make_notifier(adapter: str, outbox_path: str, sender_email: str) -> Notifier:
    if adapter == "outbox":
        if not outbox_path:
            raise ValueError("OUTBOX_PATH must be set when NOTIFY_ADAPTER=outbox")
        return OutboxNotifier(outbox_path, gateway=AwsNotifier(sender_email))
    return AwsNotifier(sender_email)
