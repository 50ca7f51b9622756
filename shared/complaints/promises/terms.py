"""Promised times: what the desk promises the customer, from the policy."""

from __future__ import annotations

from datetime import datetime

from complaints.core.enums import EventType, Priority, PromiseKind, PromiseState, Stage
from complaints.core.policy import Policy
from complaints.core.values import Channel, Promise


def promises_for(priority: Priority, received_at: datetime, policy: Policy,
                 category: str | None = None, channel: Channel | None = None) -> list[Promise]:
    """The promises for a complaint, each due after the policy's duration (category × priority × channel)."""
    calendar = policy.calendar
    return [
        Promise(kind=kind, due_at=calendar.add(received_at, duration))
        for kind, duration in policy.promise_table(priority, category, channel).items()
    ]


def made_after(policy: Policy, step: EventType, at: datetime, promises: list[Promise], category: str | None,
               channel: Channel | None, department: str | None = None,
               priority: Priority | None = None) -> list[Promise]:
    """The promises a step makes by the policy's rules, from `at`; none of a kind already pending."""
    pending = {p.kind for p in promises if p.state is PromiseState.PENDING}
    return [Promise(kind=kind, due_at=policy.calendar.add(at, within), made_at=at)
            for kind, within in policy.made_on(step, category, channel, department, priority).items()
            if kind not in pending]


def keep_by(policy: Policy, promises: list[Promise], step: EventType, at: datetime) -> list[Promise]:
    """Every pending promise the step keeps by the policy (kept, or missed when it comes late)."""
    for kind in policy.kinds_kept_by(step):
        promises = keep(promises, kind, at)
    return promises


def stage_due(stage: Stage, priority: Priority, start: datetime, policy: Policy,
              promises: list[Promise]) -> datetime:
    """When a human wait becomes overdue.

    Resolution is due when the pending solution promise is; a tracking ticket
    when its first follow-up is; the other waits have their own limits in the
    policy.
    """
    if stage is Stage.RESOLUTION:
        solution = next((p for p in promises if p.kind == PromiseKind.SOLUTION and p.state is PromiseState.PENDING),
                        None)
        if solution is not None:
            return solution.due_at
    if stage is Stage.QUALITY_CHECK:
        return policy.calendar.add(start, policy.quality_check.within)
    if stage is Stage.TRACKING:
        return policy.calendar.add(start, policy.tracking.follow_up_interval)
    return policy.calendar.add(start, policy.stage_limit(stage, priority))


def keep(promises: list[Promise], kind: str, at: datetime) -> list[Promise]:
    """Mark a pending promise kept, or missed when it is kept late."""
    updated = []
    for promise in promises:
        if promise.kind == kind and promise.state is PromiseState.PENDING:
            state = PromiseState.KEPT if at <= promise.due_at else PromiseState.MISSED
            promise = promise.model_copy(update={"state": state})
        updated.append(promise)
    return updated


def next_due(promises: list[Promise]) -> datetime | None:
    pending = [p.due_at for p in promises if p.state is PromiseState.PENDING]
    return min(pending) if pending else None


def told_to_customer(policy: Policy, promises: list[Promise]) -> list[Promise]:
    """The promises made to the customer, as a portal may read them: the kinds the profile says the customer
    hears of, and its ceilings (whose extension is explained to the customer). Promises between departments
    (a consultation's answer, an assist's part) and the desk's own (acceptance, a supervisor's recovery) stay
    inside."""
    return [p for p in promises if policy.kind(p.kind).customer_facing or policy.kind(p.kind).ceiling]
