"""Notification rules: who is told now, who after quiet hours, who in their next digest.

Customers are not messaged in quiet hours unless the complaint is urgent; a
message due then is held and sent at the next allowed minute. Staff get urgent
news at once and the rest gathered into a digest.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from complaints.adapters.dynamodb import HeldMessages, StaffDigests
from complaints.adapters.notify import Message, Notifier
from complaints.core import clock
from complaints.core.enums import Priority
from complaints.core.policy import Policy
from complaints.core.record import ComplaintRecord

# Staff news that cannot wait for a digest.
URGENT_TEMPLATES = frozenset({"assigned", "needs_assignment", "incident_opened", "failed", "passing_around"})


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

    def tell_customer(self, record: ComplaintRecord, template: str, **params: object) -> None:
        """Sent now, unless it is quiet hours and the complaint is not urgent: then at the next allowed minute."""
        message = Message(template, record.complaint_id, True, record.customer.phone, record.language, dict(params))
        now = clock.now()
        urgent = record.classification is not None and record.classification.priority is Priority.URGENT
        quiet = self.policy.quiet
        if urgent or not quiet.is_quiet(now):
            self.notifier.send(message)
            return
        self.messages.hold(record.complaint_id, template, record.customer.phone, record.language,
                           message.params, quiet.next_allowed(now))

    def tell_customer_at(self, record: ComplaintRecord, template: str, at: datetime, **params: object) -> None:
        """Sent at a chosen moment, moved out of quiet hours whatever the priority."""
        at = self.policy.quiet.next_allowed(at)
        if at <= clock.now():
            self.notifier.send(Message(template, record.complaint_id, True, record.customer.phone, record.language,
                                       dict(params)))
            return
        self.messages.hold(record.complaint_id, template, record.customer.phone, record.language,
                           dict(params), at)

    def send_held(self, complaint_id: str, template: str, phone: str, language: str,
                  params: dict[str, object]) -> None:
        self.notifier.send(Message(template, complaint_id, True, phone, language, dict(params)))

    def tell_staff(self, agent_id: str, record: ComplaintRecord, template: str, **params: object) -> None:
        """Urgent news goes at once; the rest waits for the person's next digest."""
        policy = self.policy
        agent = policy.agent(agent_id)
        message = Message(template, record.complaint_id, False, agent_id, "en", dict(params),
                          agent.email if agent else None)
        urgent = (template in URGENT_TEMPLATES or record.sensitive
                  or (record.classification is not None and record.classification.priority is Priority.URGENT))
        if urgent:
            self.notifier.send(message)
            return
        due = policy.calendar.add(clock.now(), policy.notifications.digest_interval)
        self.digests.queue(agent_id, record.complaint_id, message.render(), due)

    def send_digest(self, agent_id: str, lines: list[str]) -> None:
        agent = self.policy.agent(agent_id)
        self.notifier.send(Message("digest", "digest", False, agent_id, "en",
                                   {"count": len(lines), "lines": "\n".join(f"- {line}" for line in lines)},
                                   agent.email if agent else None))
