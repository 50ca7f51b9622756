"""The context every use case takes: the desk's settings, policy and ports, built by ``bootstrap``.

Use cases receive a ``Desk`` and reach the table's stores, the workflow and the
notifier through it, so a test builds one from fakes and the handlers build one per process.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from functools import cached_property

from complaints.adapters.dynamodb import (
    ActionStore,
    AgentLoads,
    ComplaintStore,
    HeldMessages,
    IncidentStore,
    PromiseTimers,
    ReportCounters,
    StaffDigests,
    Tables,
)
from complaints.adapters.notify import Notifier
from complaints.adapters.stepfunctions import Workflow
from complaints.core.policy import Policy
from complaints.core.ports import Classifier
from complaints.core.settings import Settings
from complaints.desk.notices import Notices
from complaints.desk.roster import StaffDirectory
from complaints.desk.status_push import StatusAnnouncer


@dataclass
class Desk:
    settings: Settings
    base_policy: Policy
    tables: Tables
    workflow: Workflow
    notifier: Notifier
    classifier_factory: Callable[[], Classifier]

    # The table's stores, each by the family of items it keeps (the staff roster is read through `staff`).
    def sweeping(self, group: int, groups: int) -> Desk:
        """The desk whose timer queries read one shard group's timers: one scheduled sweep's share."""
        return replace(self, tables=self.tables.sweeping(group, groups))

    @property
    def complaints(self) -> ComplaintStore:
        return self.tables.complaints

    @property
    def incidents(self) -> IncidentStore:
        return self.tables.incidents

    @property
    def actions(self) -> ActionStore:
        return self.tables.actions

    @property
    def loads(self) -> AgentLoads:
        return self.tables.loads

    @property
    def promise_timers(self) -> PromiseTimers:
        return self.tables.promise_timers

    @property
    def messages(self) -> HeldMessages:
        return self.tables.messages

    @property
    def digests(self) -> StaffDigests:
        return self.tables.digests

    @property
    def reports(self) -> ReportCounters:
        return self.tables.reports

    @cached_property
    def staff(self) -> StaffDirectory:
        return StaffDirectory(self.tables.roster, self.base_policy)

    @property
    def policy(self) -> Policy:
        """The policy file with the departments and agents as they stand in the table."""
        return self.staff.effective()

    @cached_property
    def notices(self) -> Notices:
        """Messages to customers and staff, sent now or held by the desk's notification rules."""
        return Notices(lambda: self.policy, self.tables.messages, self.tables.digests, self.notifier)

    @cached_property
    def pushes(self) -> StatusAnnouncer:
        """Status events for the portals that registered a webhook, written with the change that causes them."""
        return StatusAnnouncer(lambda: self.policy, self.tables.hooks)

    @cached_property
    def classifier(self) -> Classifier:
        return self.classifier_factory()

    def local_time(self, moment: datetime) -> str:
        """A time as the customer and staff read it: local, to the minute."""
        return moment.astimezone(self.policy.calendar.zone).strftime("%Y-%m-%d %H:%M")
