"""Closing only what is really fixed: reports, quality checks, callbacks, links, tracking, surveys, appeals."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import requests

from infra.cli.client import ApiError, DeskClient
from infra.local import scenarios
from infra.local.stack import LocalStack
from tests.integration.patience import ANSWER_SECONDS

pytestmark = pytest.mark.integration
FIXED = {"outcome": "resolved", "root_cause": "antenna_tilt", "actions": "re-tilted the sector antenna",
         "evidence": "drive test after the change: -88 dBm indoors"}
BILLING_TEXT = "没有订购任何增值业务却被乱扣费30元，要求退费。"


def _to_confirmation(client: DeskClient, cid: str) -> str:
    return scenarios.to_confirmation(client, cid, FIXED, daytime=True)


def _closed_and_surveyed(stack: LocalStack, client: DeskClient, cid: str, score: int, **ratings: str) -> str:
    owner = _to_confirmation(client, cid)
    scenarios.close_and_rate(stack, client, cid, owner, score, **ratings)
    return owner


def _totals(client: DeskClient) -> dict[str, int]:
    today = client.now().date()
    report = client.report("mgr-qian", (today - timedelta(days=180)).isoformat(),
                           (today + timedelta(days=180)).isoformat())
    return dict(report["totals"])


def _delta(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    return {k: after[k] - before[k] for k in after if after[k] != before[k]}


def _status(client: DeskClient, name: str) -> str:
    return str(client.execution(name)["status"])


@pytest.fixture
def sampled_everything(stack: LocalStack) -> Iterator[None]:
    stack.change_policy("quality_check", sample_rate=1.0)
    yield
    stack.change_policy("quality_check", sample_rate=0.0)


# ------------------------------------------------------------------ the happy path, counted
def test_resolved_fixed_closed_and_surveyed_10_counts_as_a_first_time_fix(
        stack: LocalStack, client: DeskClient, complaint_body: dict[str, Any]) -> None:
    before = _totals(client)
    cid = client.submit("demo-portal", complaint_body)["complaint_id"]
    owner = _to_confirmation(client, cid)
    closed = scenarios.confirm_fixed(client, cid, owner, "signal fine at home now")
    assert closed["resolution"]["root_cause"] == "antenna_tilt" and "drive test" in closed["resolution"]["evidence"]
    # The survey waits out the policy's delay: nothing is sent at the close.
    assert not [m for m in stack.outbox() if m["complaint_id"] == cid and m["template"] == "survey"]
    scenarios.answer_survey(stack, client, cid, 10, "great", attitude="satisfied", speed="satisfied",
                            result="satisfied")
    view = client.show(cid, owner)
    assert view["survey"]["score"] == 10 and view["survey"]["result"] == "satisfied"
    assert view["awaiting"] is None and client.execution(cid)["status"] in ("RUNNING", "SUCCEEDED")
    assert _delta(before, _totals(client)) == {"closed_confirmed": 1, "first_time_fix": 1, "surveyed": 1,
                                               "score_sum": 10, "score_10": 1}


def test_not_fixed_reopens_to_the_same_owner_at_a_higher_priority_and_counts_as_fixed_after_reopen(
        stack: LocalStack, client: DeskClient, complaint_body: dict[str, Any]) -> None:
    before = _totals(client)
    cid = client.submit("demo-portal", complaint_body)["complaint_id"]
    owner = _to_confirmation(client, cid)
    priority = client.show(cid, owner)["priority"]
    client.act(cid, "callbacks", owner, {"outcome": "not_fixed", "note": "still dropping in the evening"})
    reopened = client.wait_for(cid, owner, awaiting="resolution")
    assert reopened["owner_id"] == owner and reopened["reopen_count"] == 1 and reopened["status"] == "in_progress"
    assert (priority, reopened["priority"]) in (("normal", "high"), ("high", "urgent"))
    scenarios.resolve(client, cid, owner, dict(FIXED, root_cause="interference", actions="removed a repeater"))
    client.to_daytime()
    scenarios.confirm_fixed(client, cid, owner)
    assert _delta(before, _totals(client)) == {"closed_confirmed": 1, "fixed_after_reopen": 1, "reopened": 1}


# ------------------------------------------------------------------ the report is checked
def test_a_report_names_an_allowed_root_cause_and_a_deferred_one_its_plan(
        stack: LocalStack, client: DeskClient, complaint_body: dict[str, Any]) -> None:
    cid = client.submit("demo-portal", complaint_body)["complaint_id"]
    owner = scenarios.accept(client, cid)
    with pytest.raises(ApiError) as wrong:
        client.act(cid, "resolve", owner, dict(FIXED, root_cause="wrong_charge"))
    assert wrong.value.status == 422 and wrong.value.body["errors"][0]["field"] == "root_cause"
    assert "antenna_tilt" in wrong.value.body["message"]
    with pytest.raises(ApiError) as no_plan:
        client.act(cid, "resolve", owner, dict(FIXED, outcome="deferred", root_cause="coverage_gap"))
    assert no_plan.value.status == 422 and "plan" in no_plan.value.body["message"]
    past = (client.now() - timedelta(days=2)).date().isoformat()
    with pytest.raises(ApiError) as late:
        client.act(cid, "resolve", owner, dict(FIXED, outcome="deferred", root_cause="coverage_gap",
                                              plan="new site", expected_by=past))
    assert late.value.status == 422 and late.value.body["errors"][0]["field"] == "expected_by"
    view = client.show(cid, owner)
    assert view["awaiting"] == "resolution" and view["resolution"] is None  # nothing was stored


# ------------------------------------------------------------------ quality check (质检)
def test_a_failed_quality_check_returns_it_to_the_owner_with_the_reason(
        stack: LocalStack, client: DeskClient, complaint_body: dict[str, Any]) -> None:
    body = dict(complaint_body, service="billing", text=BILLING_TEXT)
    cid = client.submit("demo-portal", body)["complaint_id"]
    owner = scenarios.accept(client, cid)
    assert client.show(cid, owner)["category"] == "billing.unauthorized_charge"
    client.act(cid, "resolve", owner, {"outcome": "resolved", "root_cause": "wrong_charge",
                                       "actions": "refunded 30 yuan"})
    checking = client.wait_for(cid, owner, awaiting="quality_check")
    assert checking["status"] == "quality_check"
    assert not [m for m in stack.outbox() if m["complaint_id"] == cid and m["template"] == "resolved"]
    with pytest.raises(ApiError) as own:
        client.act(cid, "quality-check", owner, {"passed": True})
    assert own.value.status == 403
    with pytest.raises(ApiError) as reasonless:
        client.act(cid, "quality-check", "sup-zhao", {"passed": False})
    assert reasonless.value.status == 422
    reason = "the VAS subscription is not cancelled"
    client.act(cid, "quality-check", "sup-zhao", {"passed": False, "reason": reason})
    back = client.wait_for(cid, owner, awaiting="resolution")
    assert back["status"] == "in_progress" and back["quality_check"]["reason"] == reason
    client.act(cid, "resolve", owner, {"outcome": "resolved", "root_cause": "wrong_charge",
                                       "actions": "refunded 30 yuan and cancelled the VAS subscription"})
    client.wait_for(cid, owner, awaiting="quality_check")
    client.act(cid, "quality-check", "sup-zhao", {"passed": True})
    client.wait_for(cid, owner, awaiting="confirmation")
    assert [e["detail"]["passed"] for e in client.show(cid, owner)["timeline"]
            if e["type"] == "quality_checked"] == [False, True]


def test_the_policy_samples_ordinary_resolutions_for_a_check(
        stack: LocalStack, client: DeskClient, complaint_body: dict[str, Any], sampled_everything: None) -> None:
    cid = client.submit("demo-portal", complaint_body)["complaint_id"]
    owner = scenarios.accept(client, cid)
    client.act(cid, "resolve", owner, FIXED)
    assert client.wait_for(cid, owner, awaiting="quality_check")["category"] == "network.coverage"


# ------------------------------------------------------------------ callbacks and the customer's link
def test_three_unanswered_calls_over_two_days_close_it_unconfirmed_without_a_survey(
        stack: LocalStack, client: DeskClient, complaint_body: dict[str, Any]) -> None:
    before = _totals(client)
    cid = client.submit("demo-portal", complaint_body)["complaint_id"]
    owner = _to_confirmation(client, cid)
    for day in range(3):
        if day:
            client.advance_clock(24 * 3600)
            client.to_daytime()
        answer = client.act(cid, "callbacks", owner, {"outcome": "unreachable"})
    assert "closing unconfirmed" in answer["message"]
    closed = client.wait_for(cid, owner, status="closed_unconfirmed", awaiting=None)
    assert closed["unreachable_attempts"] == 3 and closed["callback_attempts"] == 3
    stack.advance(timedelta(hours=6))
    stack.tick()
    assert client.ended(cid) == "SUCCEEDED"
    assert not [m for m in stack.outbox() if m["complaint_id"] == cid and m["template"] == "survey"]
    assert _delta(before, _totals(client)) == {"closed_unconfirmed": 1}


def test_unanswered_calls_within_a_day_and_busy_customers_do_not_close_it(
        stack: LocalStack, client: DeskClient, complaint_body: dict[str, Any]) -> None:
    cid = client.submit("demo-portal", complaint_body)["complaint_id"]
    owner = _to_confirmation(client, cid)
    client.advance_to("15:00")
    interval = timedelta(minutes=30)  # the policy's attempt_interval_minutes: one call, one attempt
    for _ in range(3):
        client.act(cid, "callbacks", owner, {"outcome": "unreachable"})
        with pytest.raises(ApiError) as repeated:  # the same call sent again counts once
            client.act(cid, "callbacks", owner, {"outcome": "unreachable"})
        assert repeated.value.status == 409
        stack.advance(interval)
        client.act(cid, "callbacks", owner, {"outcome": "customer_busy", "note": "in a meeting, call later"})
        stack.advance(interval)
    view = client.show(cid, owner)
    assert view["awaiting"] == "confirmation" and view["unreachable_attempts"] == 3
    assert view["callback_attempts"] == 6


def test_customers_are_not_called_in_quiet_hours(stack: LocalStack, client: DeskClient,
                                                 complaint_body: dict[str, Any]) -> None:
    cid = client.submit("demo-portal", complaint_body)["complaint_id"]
    owner = _to_confirmation(client, cid)
    client.advance_to("22:00")
    with pytest.raises(ApiError) as quiet:
        client.act(cid, "callbacks", owner, {"outcome": "unreachable"})
    assert quiet.value.status == 409 and "quiet hours" in quiet.value.body["message"]
    assert client.show(cid, owner)["callback_attempts"] == 0


def test_the_customer_confirms_through_the_link_whose_page_changes_nothing(
        stack: LocalStack, client: DeskClient, complaint_body: dict[str, Any]) -> None:
    cid = client.submit("demo-portal", complaint_body)["complaint_id"]
    owner = _to_confirmation(client, cid)
    token = scenarios.link_token(stack, cid, "resolved")
    url = f"{stack.config.api_url}/v1/confirmations/{token}"
    timeline = client.show(cid, owner)["timeline"]
    for _ in range(3):  # a mail scanner following the link
        page = requests.get(url, timeout=ANSWER_SECONDS)
        assert page.status_code == 200 and "text/html" in page.headers["content-type"]
        assert 'name="outcome" value="not_fixed"' in page.text and page.headers["cache-control"] == "no-store"
    assert client.show(cid, owner)["timeline"] == timeline and client.show(cid, owner)["awaiting"] == "confirmation"
    # The page's form: not fixed reopens to the owner.
    answer = requests.post(url, data={"outcome": "not_fixed", "comment": "还是没信号"}, timeout=ANSWER_SECONDS)
    assert answer.status_code == 200 and "text/html" in answer.headers["content-type"]
    reopened = client.wait_for(cid, owner, awaiting="resolution")
    assert reopened["reopen_count"] == 1
    assert [e["actor"] for e in reopened["timeline"] if e["type"] == "reopened"] == ["customer"]
    used = requests.post(url, json={"outcome": "fixed"}, timeout=ANSWER_SECONDS)
    assert used.status_code == 409


# ------------------------------------------------------------------ tracking tickets
def test_a_deferred_fix_is_tracked_followed_up_and_verified_when_it_lands(
        stack: LocalStack, client: DeskClient, complaint_body: dict[str, Any]) -> None:
    before = _totals(client)
    cid = client.submit("demo-portal", complaint_body)["complaint_id"]
    owner = scenarios.accept(client, cid)
    expected = (client.now() + timedelta(days=60)).date().isoformat()
    client.act(cid, "resolve", owner, {"outcome": "deferred", "root_cause": "coverage_gap",
                                       "actions": "drive test shows no dominant cell",
                                       "plan": "new base station in the 2027 build plan", "expected_by": expected})
    tracked = client.wait_for(cid, owner, awaiting="tracking", status="tracking")
    assert tracked["tracking"]["expected_by"] == expected and tracked["tracking"]["plan"].startswith("new base")
    solutions = [p for p in tracked["promises"] if p["kind"] == "solution"]
    assert [p["state"] for p in solutions] == ["renegotiated", "pending"]
    assert solutions[1]["due_at"].startswith(expected[:7])
    told = stack.customer_messages(cid, "tracking")
    assert len(told) == 1 and expected in told[0]["text"]

    client.advance_clock(8 * 24 * 3600)  # past the weekly follow-up
    client.tick()
    client.tick()
    due = [e for e in client.show(cid, owner)["timeline"] if e["type"] == "follow_up_due"]
    assert len(due) == 1 and due[0]["detail"]["late"] is False
    client.act(cid, "follow-ups", owner, {"note": "site acquired; equipment ordered"})
    with pytest.raises(ApiError) as not_landed:
        client.act(cid, "resolve", owner, dict(FIXED, outcome="temporary_measure", root_cause="coverage_gap"))
    assert not_landed.value.status == 422
    client.act(cid, "resolve", owner, dict(FIXED, root_cause="coverage_gap", actions="new site on air"))
    client.wait_for(cid, owner, awaiting="confirmation", status="resolved")
    client.to_daytime()
    closed = scenarios.confirm_fixed(client, cid, owner)
    assert [e["type"] for e in closed["timeline"]].count("fix_landed") == 1
    counted = _delta(before, _totals(client))
    counted.pop("survey_no_response", None)  # eight days passed: earlier tests' surveys went unanswered
    assert counted == {"tracking_opened": 1, "fix_landed": 1, "closed_confirmed": 1, "first_time_fix": 1}


# ------------------------------------------------------------------ surveys
def test_the_survey_page_changes_nothing_and_a_used_or_expired_link_is_refused(
        stack: LocalStack, client: DeskClient, complaint_body: dict[str, Any]) -> None:
    first = client.submit("demo-portal", complaint_body)["complaint_id"]
    second_body = dict(complaint_body, external_id=complaint_body["external_id"] + "-2")
    second = client.submit("demo-portal", second_body)["complaint_id"]
    for cid in (first, second):
        owner = _to_confirmation(client, cid)
        scenarios.confirm_fixed(client, cid, owner)
    token = scenarios.link_token(stack, first, "survey")
    url = f"{stack.config.api_url}/v1/surveys/{token}"
    version_before = client.show(first, "mgr-qian")["timeline"]
    for _ in range(3):
        page = requests.get(url, timeout=ANSWER_SECONDS)
        assert page.status_code == 200 and 'name="score"' in page.text and 'method="post"' in page.text
        assert page.headers["referrer-policy"] == "no-referrer"
    view = client.show(first, "mgr-qian")
    assert view["timeline"] == version_before and view["awaiting"] == "survey" and view["survey"] is None

    answer = requests.post(url, data={"score": "9", "result": "satisfied", "comment": "ok"}, timeout=ANSWER_SECONDS)
    assert answer.status_code == 200
    assert client.show(first, "mgr-qian")["survey"]["score"] == 9
    assert requests.post(url, json={"score": 1}, timeout=ANSWER_SECONDS).status_code == 409
    assert requests.get(url, timeout=ANSWER_SECONDS).status_code == 409
    forged = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    assert requests.post(f"{stack.config.api_url}/v1/surveys/{forged}", json={"score": 1},
                         timeout=ANSWER_SECONDS).status_code == 404

    expired = scenarios.link_token(stack, second, "survey")
    client.advance_clock(4 * 24 * 3600)  # the survey's three days are over
    refused = requests.post(f"{stack.config.api_url}/v1/surveys/{expired}", json={"score": 10}, timeout=ANSWER_SECONDS)
    assert refused.status_code == 410 and "expired" in refused.json()["message"]
    client.tick()
    assert client.show(second, "mgr-qian")["survey"] == {"outcome": "no_response"}


def test_a_low_score_is_a_recovery_task_and_the_supervisor_may_reopen_it_without_a_second_survey(
        stack: LocalStack, client: DeskClient, complaint_body: dict[str, Any]) -> None:
    before = _totals(client)
    cid = client.submit("demo-portal", complaint_body)["complaint_id"]
    owner = _closed_and_surveyed(stack, client, cid, 9, result="unsatisfied")  # 9, but the result is not good
    review = client.wait_for(cid, "sup-sun", awaiting="review")
    recovery = [p for p in review["promises"] if p["kind"] == "recovery"]
    assert [p["state"] for p in recovery] == ["pending"]
    low = [e for e in review["timeline"] if e["type"] == "surveyed"][0]
    assert low["detail"]["low"] is True and low["detail"]["unsatisfied"] == "result"
    with pytest.raises(ApiError) as agent:
        client.act(cid, "review", owner, {"cause": "x" * 3, "action": "y" * 3})
    assert agent.value.status == 403

    client.act(cid, "review", "sup-sun", {"cause": "the antenna fix did not cover the back rooms",
                                          "action": "second site survey ordered", "reopen": True})
    reopened = client.wait_for(cid, owner, awaiting="resolution", status="in_progress")
    assert reopened["reopen_count"] == 1
    assert [p["state"] for p in reopened["promises"] if p["kind"] == "recovery"] == ["kept"]
    assert [p["state"] for p in reopened["promises"] if p["kind"] == "solution"][-1] == "pending"
    scenarios.resolve(client, cid, owner, dict(FIXED, root_cause="coverage_gap", actions="added an indoor small cell"))
    client.to_daytime()
    client.act(cid, "callbacks", owner, {"outcome": "fixed"})
    client.wait_for(cid, owner, status="closed", awaiting=None)
    stack.advance(timedelta(hours=6))
    stack.tick()
    assert len([m for m in stack.outbox() if m["complaint_id"] == cid and m["template"] == "survey"]) == 1
    assert client.ended(cid) == "SUCCEEDED"
    assert _delta(before, _totals(client)) == {
        "closed_confirmed": 2, "first_time_fix": 1, "fixed_after_reopen": 1, "surveyed": 1, "score_sum": 9,
        "low_scores": 1, "recoveries": 1, "recovery_reopened": 1, "reopened": 1}


# ------------------------------------------------------------------ appeals (申诉)
def test_an_appeal_goes_to_second_handling_with_a_new_owner_once(
        stack: LocalStack, client: DeskClient, complaint_body: dict[str, Any]) -> None:
    cid = client.submit("demo-portal", complaint_body)["complaint_id"]
    owner = _closed_and_surveyed(stack, client, cid, 8)
    assert client.ended(cid) == "SUCCEEDED"

    answer = client.appeal("demo-portal", complaint_body["external_id"], "the signal is weak again at night")
    assert "second_handling" in answer["message"]
    assert client.appeal("demo-portal", complaint_body["external_id"],
                         "the signal is weak again at night")["message"] == "appeal already received"
    with pytest.raises(ApiError) as twice:
        client.appeal("demo-portal", complaint_body["external_id"], "another reason")
    assert twice.value.status == 409 and "once" in twice.value.body["message"]

    second = client.wait_for(cid, "mgr-qian", awaiting="acceptance")
    assert second["department"] == "second_handling" and second["owner_id"] in ("a-gao", "a-xu")
    assert owner in second["previous_owners"] and second["priority"] in ("high", "urgent")
    assert second["appeal"]["from_owner"] == owner
    assert _status(client, f"{cid}-appeal") == "RUNNING"
    handler = str(second["owner_id"])
    client.act(cid, "accept", handler)
    client.wait_for(cid, handler, awaiting="resolution")
    scenarios.resolve(client, cid, handler, dict(FIXED, root_cause="parameter_error", actions="handover fixed"))
    client.to_daytime()
    client.act(cid, "callbacks", handler, {"outcome": "fixed"})
    client.wait_for(cid, handler, status="closed", awaiting=None)
    assert len(stack.customer_messages(cid, "survey")) == 1  # one survey per complaint


def test_an_appeal_during_the_survey_runs_in_an_execution_of_its_own_and_late_appeals_are_refused(
        stack: LocalStack, client: DeskClient, complaint_body: dict[str, Any]) -> None:
    cid = client.submit("demo-portal", complaint_body)["complaint_id"]
    owner = _to_confirmation(client, cid)
    scenarios.confirm_fixed(client, cid, owner)
    client.act(cid, "appeal", owner, {"reason": "customer called the hotline: the fix did not hold"})
    second = client.wait_for(cid, "mgr-qian", awaiting="acceptance")
    assert second["department"] == "second_handling"
    # The close ended the first execution (the survey was held by its timer); the appeal runs in one of its own
    assert client.ended(cid) == "SUCCEEDED" and _status(client, f"{cid}-appeal") == "RUNNING"
    assert [e["name"] for e in client.show(cid, "mgr-qian")["executions"]] == [cid, f"{cid}-appeal"]

    late_body = dict(complaint_body, external_id=complaint_body["external_id"] + "-late")
    late = client.submit("demo-portal", late_body)["complaint_id"]
    _closed_and_surveyed(stack, client, late, 10)
    client.advance_clock(16 * 24 * 3600)
    with pytest.raises(ApiError) as refused:
        client.appeal("demo-portal", late_body["external_id"], "too late")
    assert refused.value.status == 409 and "window" in refused.value.body["message"]
