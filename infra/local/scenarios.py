"""The people's side of a complaint's life on the local stack, one step at a time.

The owner accepts and resolves, a supervisor passes the quality check, the
customer confirms the fix and answers the survey from the link in their
message. The integration tests, the demo and the benchmarks play complaints
through these steps, each waiting (bounded) for the workflow to reach the
next human wait.
"""

from __future__ import annotations

from typing import Any

from complaints.core.enums import Role
from complaints.core.policy import load_policy
from infra.cli.client import DeskClient
from infra.local.stack import LocalStack

RESOLVED = {"outcome": "resolved", "root_cause": "antenna_tilt", "actions": "re-tilted the sector antenna"}
# Who sees every complaint, to wait for one whose owner is not known yet (the telecom profile's manager).
MANAGER = "mgr-qian"


def manager(client: DeskClient) -> str:
    """A manager of the client's profile: sees every complaint and passes quality checks."""
    policy = load_policy(client.policy_profile)
    return next(agent.id for agent in policy.agents if agent.role is Role.MANAGER)


def accept(client: DeskClient, complaint_id: str) -> str:
    """The agent offered the complaint accepts it; their id, once the workflow waits for the resolution."""
    owner = str(client.wait_for(complaint_id, manager(client), awaiting="acceptance")["owner_id"])
    client.act(complaint_id, "accept", owner)
    client.wait_for(complaint_id, owner, awaiting="resolution")
    return owner


def pass_quality_check(client: DeskClient, complaint_id: str, owner: str, checker: str | None = None) -> bool:
    """If the policy sent the report to a quality check (质检), the checker (a manager) passes it; whether it did."""
    view = client.wait_for(complaint_id, owner, awaiting=("quality_check", "confirmation", "tracking"))
    if view["awaiting"] != "quality_check":
        return False
    client.act(complaint_id, "quality-check", checker or manager(client), {"passed": True})
    return True


def resolve(client: DeskClient, complaint_id: str, owner: str, report: dict[str, Any] = RESOLVED, *,
            checked_by: str | None = None) -> bool:
    """The owner reports the resolution and the workflow waits for the customer's confirmation.

    With checked_by, a quality check the policy asks for is passed by that supervisor (else the
    report must not need one); whether there was one.
    """
    client.act(complaint_id, "resolve", owner, report)
    checked = pass_quality_check(client, complaint_id, owner, checked_by) if checked_by else False
    client.wait_for(complaint_id, owner, awaiting="confirmation")
    return checked


def to_confirmation(client: DeskClient, complaint_id: str, report: dict[str, Any] = RESOLVED, *,
                    checked_by: str | None = None, daytime: bool = False) -> str:
    """Accepted, resolved (and checked), awaiting the customer's confirmation; the owner.

    With daytime, the clock moves out of quiet hours so the customer may be called.
    """
    owner = accept(client, complaint_id)
    resolve(client, complaint_id, owner, report, checked_by=checked_by)
    if daytime:
        client.to_daytime()
    return owner


def confirm_fixed(client: DeskClient, complaint_id: str, agent: str, note: str | None = None) -> dict[str, Any]:
    """The customer, called back, says it is fixed: the complaint closes and waits for the survey; its view."""
    client.act(complaint_id, "callbacks", agent, {"outcome": "fixed", **({"note": note} if note else {})})
    return client.wait_for(complaint_id, agent, awaiting="survey", status="closed")


def link_token(stack: LocalStack, complaint_id: str, template: str) -> str:
    """The token of the link in the customer's latest message of a kind ("resolved": confirm; "survey").

    Time passes, and the schedule runs, while quiet hours hold the message.
    """
    return str(stack.customer_messages(complaint_id, template)[-1]["text"].rsplit("/", 1)[1])


def answer_survey(stack: LocalStack, client: DeskClient, complaint_id: str, score: int, comment: str | None = None,
                  **ratings: str) -> dict[str, Any]:
    """The customer answers the survey from the link in their message; ratings as in DeskClient.answer_survey."""
    return client.answer_survey(link_token(stack, complaint_id, "survey"), score, comment, **ratings)


def close_and_rate(stack: LocalStack, client: DeskClient, complaint_id: str, owner: str, score: int,
                   comment: str | None = None, **ratings: str) -> None:
    """Confirmed fixed at the callback, closed, and the survey answered."""
    confirm_fixed(client, complaint_id, owner)
    answer_survey(stack, client, complaint_id, score, comment, **ratings)
