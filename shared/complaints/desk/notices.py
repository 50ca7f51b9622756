"""Notification rules: who is told now, who after quiet hours, who in their next digest.

Customers are not messaged in quiet hours unless the complaint is urgent; a
message due then is held and sent at the next allowed minute. Staff get urgent
news at once and the rest gathered into a digest.

A message that waits (held, or a digest line) keeps what must still be true
of the complaint when it goes: a "we will call you to confirm" only while the
complaint awaits that confirmation, a quality-check reminder only while the
check is still to do. At release each is checked against the complaint as it
is then, and dropped if it no longer holds; a progress update is rewritten
with the status of the moment.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

from complaints.adapters.dynamodb import HeldMessages, StaffDigests
from complaints.adapters.notify import Message, Notifier
from complaints.core import clock
from complaints.core import policy_vocabulary as wording
from complaints.core.enums import Priority, PromiseState, Stage, Status
from complaints.core.policy import Policy
from complaints.core.record import ComplaintRecord

# Staff news that cannot wait for a digest.
URGENT_TEMPLATES = frozenset({"assigned", "needs_assignment", "incident_opened", "incident_prioritised", "failed",
                              "passing_around", "returned", "tracking_required"})
Expects = dict[str, str]


def status_text(policy: Policy, record: ComplaintRecord) -> str:
    """The complaint's status as its customer reads it, in the profile's words."""
    return wording.status_text(policy.messages, record.language, record.status)


def expectation(template: str, record: ComplaintRecord, params: Mapping[str, object]) -> Expects:
    """What must still hold of the complaint when a waiting message of this template goes out."""
    if template == "resolved":  # the confirmation link of this round
        return {"stage": Stage.CONFIRMATION.value, "nonce": str(record.confirm_nonce)}
    if template == "survey":
        return {"stage": Stage.SURVEY.value, "nonce": str(record.survey_nonce)}
    if template == "tracking":
        return {"status": Status.TRACKING.value}
    if template == "quality_check":
        return {"status": Status.QUALITY_CHECK.value}
    if template == "low_score":
        return {"stage": Stage.REVIEW.value}
    if template == "follow_up_due":
        return {"stage": Stage.TRACKING.value}
    if template == "overdue":
        return {"stage": str(params.get("stage"))}
    if template == "promise_due":
        # A pending promise is the work left, even on a closed complaint (a low score's recovery).
        return {"promise": str(params.get("kind"))}
    if template in ("handler", "handler_changed"):
        return {"owner": str(record.owner_id), "open": "yes"}
    if template == "visit_reminder" and record.appointment is not None:
        return {"appointment": record.appointment.start, "open": "yes"}
    if template in ("acknowledged", "failed") or template.startswith("redress_"):
        return {}  # facts that stay true
    return {"open": "yes"}


def still_holds(expects: Mapping[str, str], record: ComplaintRecord) -> bool:
    """Whether a waiting message is still true of the complaint as it is now."""
    if "stage" in expects and (record.stage is None or record.stage.value != expects["stage"]):
        return False
    if "nonce" in expects and expects["nonce"] not in (record.confirm_nonce, record.survey_nonce):
        return False
    if "status" in expects and record.status.value != expects["status"]:
        return False
    if "owner" in expects and record.owner_id != expects["owner"]:
        return False
    if "appointment" in expects and (record.appointment is None or record.appointment.start != expects["appointment"]
                                     or record.appointment.arrived_at is not None):
        return False
    if "promise" in expects and not any(p.kind == expects["promise"] and p.state is PromiseState.PENDING
                                        for p in record.promises):
        return False
    return "open" not in expects or record.is_open


class Notices:
    def __init__(self, policy: Callable[[], Policy], messages: HeldMessages, digests: StaffDigests,
                 notifier: Notifier) -> None:
        self._policy = policy
        self.messages = messages
        self.digests = digests
        self.notifier = notifier

    @property
    def policy(self) -> Policy:
        return self._policy()

    def wording(self, template: str) -> dict[str, str] | None:
        """The profile's own text of a message template, per language (the engine's where it gives none)."""
        return self.policy.messages.templates.get(template)

    def filled(self, template: str, language: str, params: Mapping[str, object]) -> dict[str, object]:
        """A customer message's parameters with what the profile says of it: the survey's SMS reply prompt."""
        found = dict(params)
        if template == "survey" and "reply" not in found:
            rule = self.policy.survey.sms_reply
            prompt = (rule.prompt.get(language) or rule.prompt.get("en")) if rule else None
            found["reply"] = f"{prompt} " if prompt else ""
        return found

    def tell_customer_at_once(self, record: ComplaintRecord, template: str, **params: object) -> None:
        """Sent now, quiet hours or not: an emergency known before its classification (people trapped, a burst pipe);
        the answer to the customer's own SMS."""
        self.notifier.send(Message(template, record.complaint_id, True, record.customer.phone, record.language,
                                   self.filled(template, record.language, params), wording=self.wording(template)))

    def tell_customer(self, record: ComplaintRecord, template: str, **params: object) -> None:
        """Sent now, unless it is quiet hours and the complaint is not urgent: then at the next allowed minute."""
        message = Message(template, record.complaint_id, True, record.customer.phone, record.language,
                          self.filled(template, record.language, params), wording=self.wording(template))
        now = clock.now()
        urgent = record.classification is not None and record.classification.priority is Priority.URGENT
        quiet = self.policy.quiet
        if urgent or not quiet.is_quiet(now):
            self.notifier.send(message)
            return
        self.messages.hold(record.complaint_id, template, record.customer.phone, record.language,
                           message.params, quiet.next_allowed(now), expectation(template, record, params))

    def handler(self, record: ComplaintRecord) -> dict[str, str]:
        """Who handles the complaint, as the customer is told: the owner's name from the roster (never the staff
        id) and the desk's numbers from the policy, the department's own where it has them."""
        policy = self.policy
        agent = policy.agent(record.owner_id) if record.owner_id else None
        fallback = "客服专员" if record.language == "zh-CN" else "our complaint desk"
        contact = policy.contact.of(record.department) if policy.contact else None
        return {"handler": agent.name if agent else fallback, "phone": contact.phone if contact else "-",
                "escalation_phone": contact.escalation_phone if contact else "-"}

    def tell_customer_at(self, record: ComplaintRecord, template: str, at: datetime, **params: object) -> None:
        """Sent at a chosen moment, moved out of quiet hours whatever the priority."""
        at = self.policy.quiet.next_allowed(at)
        filled = self.filled(template, record.language, params)
        if at <= clock.now():
            self.notifier.send(Message(template, record.complaint_id, True, record.customer.phone, record.language,
                                       filled, wording=self.wording(template)))
            return
        self.messages.hold(record.complaint_id, template, record.customer.phone, record.language,
                           filled, at, expectation(template, record, params))

    def send_held(self, complaint_id: str, template: str, phone: str, language: str,
                  params: dict[str, object]) -> None:
        self.notifier.send(Message(template, complaint_id, True, phone, language,
                               self.filled(template, language, params), wording=self.wording(template)))

    def release(self, held: Mapping[str, object], record: ComplaintRecord | None) -> bool:
        """Send a held message if it still holds of the complaint (a progress update says the status of now);
        False when it was dropped instead."""
        template = str(held["template"])
        expects = held.get("expects")
        if isinstance(expects, Mapping) and expects and (record is None or not still_holds(expects, record)):
            return False
        params: dict[str, object] = {str(k): v for k, v in dict(held.get("params") or {}).items()}  # type: ignore[call-overload]
        if template == "progress_update" and record is not None:
            params["status"] = status_text(self.policy, record)
        self.send_held(str(held["complaint_id"]), template, str(held["phone"]), str(held["language"]), params)
        return True

    def tell_staff(self, agent_id: str, record: ComplaintRecord, template: str, **params: object) -> None:
        """Urgent news goes at once; the rest waits for the person's next digest."""
        policy = self.policy
        agent = policy.agent(agent_id)
        message = Message(template, record.complaint_id, False, agent_id, "en", dict(params),
                          agent.email if agent else None, wording=self.wording(template))
        urgent = (template in URGENT_TEMPLATES or record.sensitive
                  or (record.classification is not None and record.classification.priority is Priority.URGENT))
        if urgent:
            self.notifier.send(message)
            return
        due = policy.calendar.add(clock.now(), policy.notifications.digest_interval)
        self.digests.queue(agent_id, record.complaint_id, message.render(), due, expectation(template, record, params))

    def tell_staff_now(self, agent_id: str, subject_id: str, template: str, **params: object) -> None:
        """At once, about something that is not one complaint (a corrective action): no digest holds it."""
        agent = self.policy.agent(agent_id)
        self.notifier.send(Message(template, subject_id, False, agent_id, "en", dict(params),
                                   agent.email if agent else None, wording=self.wording(template)))

    def send_digest(self, agent_id: str, lines: list[str]) -> None:
        agent = self.policy.agent(agent_id)
        self.notifier.send(Message("digest", "digest", False, agent_id, "en",
                                   {"count": len(lines), "lines": "\n".join(f"- {line}" for line in lines)},
                                   agent.email if agent else None))
