"""A survey answered after the complaint's execution ended at the close, on the local stack.

A good score needs nothing more. A low score is a recovery task for the department's supervisor with a
promised time (the policy's `survey.recovery_within`): the review and the recovery promise are held by the
timers index, so the scheduled sweeps remind the supervisor, mark the promise missed when the review is
late and escalate the overdue review, all without an execution; a review that reopens the complaint starts
the one execution the remaining work needs.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest

from infra.cli.client import DeskClient
from infra.local import scenarios
from infra.local.stack import LocalStack

pytestmark = pytest.mark.integration
FIXED = {"outcome": "resolved", "root_cause": "antenna_tilt", "actions": "re-tilted the sector antenna",
         "evidence": "drive test after the change: -88 dBm indoors"}
SUPERVISOR = "sup-sun"


def _closed(client: DeskClient, complaint_body: dict[str, Any]) -> tuple[str, str]:
    """A complaint confirmed fixed and closed; its id and owner, once its only execution has ended."""
    cid = client.submit("demo-portal", complaint_body)["complaint_id"]
    owner = scenarios.to_confirmation(client, cid, FIXED, daytime=True)
    scenarios.confirm_fixed(client, cid, owner)
    assert client.ended(cid) == "SUCCEEDED"
    return cid, owner


def _runs(client: DeskClient, cid: str) -> list[tuple[str, str]]:
    return [(run["name"], run["status"]) for run in client.executions(cid, SUPERVISOR)]


def _recovery(view: dict[str, Any]) -> dict[str, Any]:
    return [p for p in view["promises"] if p["kind"] == "recovery"][-1]


def test_a_good_score_after_the_close_starts_nothing(
        stack: LocalStack, client: DeskClient, complaint_body: dict[str, Any]) -> None:
    cid, owner = _closed(client, complaint_body)

    scenarios.answer_survey(stack, client, cid, 9)

    view = client.wait_for(cid, owner, awaiting=None, status="closed")
    assert view["survey"]["score"] == 9 and not [p for p in view["promises"] if p["kind"] == "recovery"]
    assert _runs(client, cid) == [(cid, "SUCCEEDED")]


def test_a_low_score_after_the_close_is_driven_by_the_timers_until_a_review_reopens_it(
        stack: LocalStack, client: DeskClient, complaint_body: dict[str, Any]) -> None:
    # Given a closed complaint whose execution ended, rated 3 from the survey's link
    cid, owner = _closed(client, complaint_body)
    scenarios.answer_survey(stack, client, cid, 3)

    # Then the supervisor's review waits with the recovery promise, and no execution was started for it
    review = client.wait_for(cid, SUPERVISOR, awaiting="review", status="closed")
    assert _recovery(review)["state"] == "pending"
    assert _runs(client, cid) == [(cid, "SUCCEEDED")]

    # When nobody reviews it and the schedule runs every six hours until past the promised time
    due = datetime.fromisoformat(_recovery(review)["due_at"])
    while client.now() < due + timedelta(hours=6):
        client.advance_clock(6 * 3600)
        client.tick()

    # Then the promise is missed, the overdue review went up the ladder, the supervisor was told of the
    # recovery, and still no execution runs
    late = client.show(cid, SUPERVISOR)
    assert _recovery(late)["state"] == "missed" and late["awaiting"] == "review"
    timeline = late["timeline"]
    assert [e["detail"].get("promise") for e in timeline if e["type"] == "promise_missed"] == ["recovery"]
    assert {e["detail"]["stage"] for e in timeline if e["type"] == "escalated"} == {"review"}
    told = [m for m in stack.outbox() if m["template"] == "digest" and SUPERVISOR in json.dumps(m)
            and cid in json.dumps(m, ensure_ascii=False) and "recovery" in json.dumps(m, ensure_ascii=False)]
    assert told, "the supervisor was not reminded of the recovery before it fell due"
    assert _runs(client, cid) == [(cid, "SUCCEEDED")]

    # When the supervisor reviews it late and reopens it
    client.act(cid, "review", SUPERVISOR, {"cause": "the fix did not cover the back rooms",
                                            "action": "second site survey ordered", "reopen": True})

    # Then one new execution goes on from the resolution, with the owner
    reopened = client.wait_for(cid, owner, awaiting="resolution", status="in_progress")
    assert reopened["reopen_count"] == 1 and _recovery(reopened)["state"] == "missed"
    assert _runs(client, cid) == [(cid, "SUCCEEDED"), (f"{cid}-r1", "RUNNING")]
