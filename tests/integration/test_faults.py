"""Faults injected into the local stack: a complaint either finishes its lifecycle or shows as failed.

In turn: each Lambda step fails once with a transient error (the state
machine retries it); DynamoDB throttles a write beyond the SDK's own retries
(the step fails, the complaint is marked failed); SendTaskSuccess times out
after a decision was saved (the reminders sweep sends it again). After each,
the complaint is either closed or failed in a queue with its supervisor told:
never stuck waiting on nothing.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from infra.cli.client import ApiError, DeskClient
from infra.local import aws_endpoint, runtime, scenarios
from infra.local.stack import LocalStack
from tests.integration.patience import WAIT_SECONDS

pytestmark = pytest.mark.integration
MANAGER = scenarios.MANAGER
# Named as Step Functions names a failure of the Lambda service itself; the state machine retries it.
TransientLambdaError = type("Lambda.ServiceException", (Exception,), {})


@contextlib.contextmanager
def _failing_once(logical_id: str) -> Iterator[list[str]]:
    """The next invocation of the function fails with a transient error; the names of those that failed."""
    failed: list[str] = []

    @contextlib.contextmanager
    def observer(function: runtime.LocalFunction, event: Any) -> Iterator[None]:
        if function.logical_id == logical_id and not failed:
            failed.append(function.logical_id)
            raise TransientLambdaError("injected: the Lambda service failed")
        yield

    remove = runtime.observe_invocations(observer)
    try:
        yield failed
    finally:
        remove()


def _settled(stack: LocalStack, client: DeskClient, complaint_id: str) -> str:
    """Drive the complaint as people would; its final status, once it is closed or failed."""
    deadline = time.monotonic() + WAIT_SECONDS
    view = client.show(complaint_id, MANAGER)
    while view["status"] != "failed" and view.get("awaiting") != "acceptance":
        assert time.monotonic() < deadline, f"complaint {complaint_id} is stuck: {view['status']}"
        time.sleep(0.05)
        view = client.show(complaint_id, MANAGER)
    if view["status"] == "failed":
        return "failed"
    owner = scenarios.accept(client, complaint_id)
    scenarios.resolve(client, complaint_id, owner)
    client.to_daytime()
    return str(scenarios.confirm_fixed(client, complaint_id, owner)["status"])


def _failed_and_told(stack: LocalStack, client: DeskClient, complaint_id: str) -> bool:
    view = client.wait_for(complaint_id, MANAGER, status="failed")
    queue = client._call("GET", "/v1/complaints", agent=MANAGER,
                         params={"queue": view["department"], "status": "failed", "limit": 100})
    told = [m for m in stack.outbox() if m["complaint_id"] == complaint_id and m["template"] == "failed"]
    return complaint_id in {item["complaint_id"] for item in queue["items"]} and bool(told)


@pytest.mark.parametrize("step", ["ClassifyFunction", "AssignFunction", "ParkFunction", "CloseFunction"])
def test_a_step_failing_once_is_retried_and_the_complaint_completes(
        stack: LocalStack, client: DeskClient, complaint_body: dict[str, Any], step: str) -> None:
    with _failing_once(step) as failed:
        complaint_id = client.submit("demo-portal", complaint_body)["complaint_id"]
        status = _settled(stack, client, complaint_id)
    assert failed == [step]
    assert status == "closed" or _failed_and_told(stack, client, complaint_id)
    assert status == "closed"  # a transient failure is retried, not turned into a failed complaint


def test_dynamodb_throttling_past_the_sdks_retries_leaves_the_complaint_failed_and_the_supervisor_told(
        stack: LocalStack, client: DeskClient, complaint_body: dict[str, Any]) -> None:
    # DynamoDB throttles every write the Classify function tries, past the SDK's own retries.
    throttle = aws_endpoint.Fault(lambda call: call.function.logical_id == "ClassifyFunction"
                                  and call.operation == "TransactWriteItems",
                                  error="ProvisionedThroughputExceededException")
    remove = aws_endpoint.inject(throttle)
    try:
        complaint_id = client.submit("demo-portal", complaint_body)["complaint_id"]
        view = client.wait_for(complaint_id, MANAGER, status="failed")
    finally:
        remove()
    assert throttle.seen and view["status"] == "failed"
    assert _failed_and_told(stack, client, complaint_id)


def test_a_send_task_success_that_times_out_after_the_save_is_sent_again_by_the_sweep(
        stack: LocalStack, client: DeskClient, complaint_body: dict[str, Any]) -> None:
    complaint_id = client.submit("demo-portal", complaint_body)["complaint_id"]
    owner = str(client.wait_for(complaint_id, MANAGER, awaiting="acceptance")["owner_id"])
    # The operator function's SendTaskSuccess gets no answer: the connection drops, on every retry.
    lost = aws_endpoint.Fault(lambda call: call.function.logical_id == "OperatorFunction"
                              and call.operation == "SendTaskSuccess")
    remove = aws_endpoint.inject(lost)
    try:
        client.act(complaint_id, "accept", owner)  # saved; the send is lost
    finally:
        remove()
    assert lost.seen and client.show(complaint_id, owner)["status"] == "in_progress"
    stack.advance(timedelta(minutes=3))
    stack.tick()
    client.wait_for(complaint_id, owner, awaiting="resolution")
    scenarios.resolve(client, complaint_id, owner)
    client.to_daytime()
    assert scenarios.confirm_fixed(client, complaint_id, owner)["status"] == "closed"


def test_a_scheduled_invocation_that_fails_stops_no_other_schedule_and_the_tick_says_which_failed(
        stack: LocalStack, client: DeskClient) -> None:
    # EventBridge Scheduler runs each schedule alone: the reminders sweep of one shard group failing leaves the
    # other groups, and every other schedule, to run. The local tick runs them all, then answers 500 naming it.
    failing, its_event = next((logical_id, event) for logical_id, event in stack.schedules if event is not None)
    failed: list[Any] = []

    @contextlib.contextmanager
    def observer(function: runtime.LocalFunction, event: Any) -> Iterator[None]:
        if function.logical_id == failing and event == its_event and not failed:
            failed.append(event)
            raise runtime.FunctionError("Runtime.ExitError", "injected: the runtime exited")
        yield

    remove = runtime.observe_invocations(observer)
    try:
        with pytest.raises(ApiError) as raised:
            client.tick()
    finally:
        remove()
    assert failed == [its_event] and raised.value.status == 500
    assert f"{failing} (Runtime.ExitError)" in raised.value.message
    answers = raised.value.body["answers"]
    assert set(answers) == {logical_id for logical_id, _ in stack.schedules}
    runs = {logical_id: answer.get("groups", [answer]) for logical_id, answer in answers.items()}
    errors = [run for found in runs.values() for run in found if "error" in run]
    assert errors == [{"error": {"errorType": "Runtime.ExitError", "errorMessage": "injected: the runtime exited"}}]
    assert len(runs[failing]) == sum(logical_id == failing for logical_id, _ in stack.schedules)
    # The next tick, with nothing failing, answers as before.
    assert all("error" not in run for answer in client.tick().values() for run in answer.get("groups", [answer]))
