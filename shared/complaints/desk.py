"""Wiring: settings, policy, table, workflow and notifier, built once per process."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cached_property, lru_cache

from complaints import clock
from complaints.classify import Classifier, keyword_classifier
from complaints.comprehend import ComprehendClassifier
from complaints.dal import ComplaintRepository
from complaints.models import Priority
from complaints.notify import Message, Notifier, make_notifier
from complaints.policy import Policy, load_policy
from complaints.record import ComplaintRecord
from complaints.settings import Settings, get_settings
from complaints.staff import StaffDirectory
from complaints.workflow import Workflow

URGENT_TEMPLATES = frozenset({"assigned", "needs_assignment", "incident_opened", "failed", "passing_around"})


@dataclass
class Desk:
    settings: Settings
    base_policy: Policy
    repo: ComplaintRepository
    workflow: Workflow
    notifier: Notifier

    @cached_property
    def staff(self) -> StaffDirectory:
        return StaffDirectory(self.repo, self.base_policy)

    @property
    def policy(self) -> Policy:
        """The policy file with the departments and agents as they stand in the table."""
        return self.staff.effective()

    def tell_customer(self, record: ComplaintRecord, template: str, **params: object) -> None:
        """Sent now, unless it is quiet hours and the complaint is not urgent: then at the next allowed minute."""
        message = Message(template, record.complaint_id, True, record.customer.phone, record.language, dict(params))
        now = clock.now()
        urgent = record.classification is not None and record.classification.priority is Priority.URGENT
        if urgent or not self.policy.quiet.is_quiet(now):
            self.notifier.send(message)
            return
        self.repo.hold_message(record.complaint_id, template, record.customer.phone, record.language,
                               message.params, self.policy.quiet.next_allowed(now))

    def tell_customer_at(self, record: ComplaintRecord, template: str, at: datetime, **params: object) -> None:
        """Sent at a chosen moment, moved out of quiet hours whatever the priority."""
        at = self.policy.quiet.next_allowed(at)
        if at <= clock.now():
            self.notifier.send(Message(template, record.complaint_id, True, record.customer.phone, record.language,
                                       dict(params)))
            return
        self.repo.hold_message(record.complaint_id, template, record.customer.phone, record.language,
                               dict(params), at)

    def send_held(self, complaint_id: str, template: str, phone: str, language: str,
                  params: dict[str, object]) -> None:
        self.notifier.send(Message(template, complaint_id, True, phone, language, dict(params)))

    def tell_staff(self, agent_id: str, record: ComplaintRecord, template: str, **params: object) -> None:
        """Urgent news goes at once; the rest waits for the person's next digest."""
        agent = self.policy.agent(agent_id)
        message = Message(template, record.complaint_id, False, agent_id, "en", dict(params),
                          agent.email if agent else None)
        urgent = (template in URGENT_TEMPLATES or record.sensitive
                  or (record.classification is not None and record.classification.priority is Priority.URGENT))
        if urgent:
            self.notifier.send(message)
            return
        due = self.policy.calendar.add(clock.now(), self.policy.notifications.digest_interval)
        self.repo.queue_digest(agent_id, record.complaint_id, message.render(), due)

    def send_digest(self, agent_id: str, lines: list[str]) -> None:
        agent = self.policy.agent(agent_id)
        self.notifier.send(Message("digest", "digest", False, agent_id, "en",
                                   {"count": len(lines), "lines": "\n".join(f"- {line}" for line in lines)},
                                   agent.email if agent else None))

    @cached_property
    def classifier(self) -> Classifier:
        keywords = keyword_classifier(self.base_policy)
        if self.settings.classifier == "comprehend":
            if not self.settings.comprehend_endpoint_arn:
                raise ValueError("COMPREHEND_ENDPOINT_ARN must be set when CLASSIFIER=comprehend")
            return ComprehendClassifier(self.settings.comprehend_endpoint_arn, keywords)
        return keywords

    def local_time(self, moment: datetime) -> str:
        """A time as the customer and staff read it: local, to the minute."""
        return moment.astimezone(self.policy.calendar.zone).strftime("%Y-%m-%d %H:%M")


@lru_cache(maxsize=1)
def desk() -> Desk:
    settings = get_settings()
    policy = load_policy(settings.policy_profile)
    return Desk(
        settings=settings,
        base_policy=policy,
        repo=ComplaintRepository(settings.table_name, settings.timer_shards, report_zone=policy.calendar.zone),
        workflow=Workflow(settings.state_machine_arn),
        notifier=make_notifier(settings.notify_adapter, settings.outbox_path, settings.sender_email),
    )


def reset() -> None:
    """Forget the wiring (tests and the local stack change the environment)."""
    desk.cache_clear()
    get_settings.cache_clear()
