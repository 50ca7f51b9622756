"""Lambda's SQS event source mapping on the local stack: batches, partial failures, redelivery, dead letters.

The poller (infra.local.event_sources) runs on moto's SQS with a function
that answers as the test says, so no containers are started; the queue's own
attributes (a one-second visibility timeout, a redrive policy) decide what
comes back and when, as on AWS.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from infra.iam import Roles
from infra.local import iam_enforcement, runtime
from infra.local.event_sources import SqsMapping, SqsPoller, sqs_mappings
from infra.local.iam_calls import Account, Requested, requested

REGION, ACCOUNT = "us-east-1", "123456789012"


class Function:
    """Stands in for a LocalFunction: answers each batch with what `answer` returns, and keeps the batches."""

    def __init__(self, answer: Callable[[list[dict[str, Any]]], Any], concurrency: int = 2) -> None:
        self.answer = answer
        self.concurrency = concurrency
        self.logical_id = self.name = "SenderFunction"
        self.batches: list[list[dict[str, Any]]] = []
        self._lock = threading.Lock()

    def invoke(self, event: dict[str, Any]) -> Any:
        with self._lock:
            self.batches.append(event["Records"])
        return self.answer(event["Records"])

    def bodies(self) -> list[str]:
        with self._lock:
            return [r["body"] for batch in self.batches for r in batch]


@pytest.fixture
def sqs() -> Iterator[Any]:
    with mock_aws():
        yield boto3.client("sqs", region_name=REGION, aws_access_key_id="unit", aws_secret_access_key="unit")


def _queues(sqs: Any, max_receives: int = 2) -> tuple[str, str, str]:
    """A queue hiding a received message for one second, with a dead-letter queue; (url, arn, dlq url)."""
    dlq = sqs.create_queue(QueueName="pushes-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    url = sqs.create_queue(QueueName="pushes", Attributes={
        "VisibilityTimeout": "1",
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": max_receives})})["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn, dlq


def _until(condition: Callable[[], bool], within: float = 30.0) -> None:
    ends = time.monotonic() + within
    while not condition():
        assert time.monotonic() < ends, "the condition did not hold in time"
        time.sleep(0.05)


def _count(sqs: Any, url: str) -> int:
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages",
                                                                        "ApproximateNumberOfMessagesNotVisible"])
    return sum(int(v) for v in attributes["Attributes"].values())


def _poller(function: Function, sqs: Any, url: str, arn: str, **properties: Any) -> SqsPoller:
    mapping = SqsMapping.from_event(function, {"Queue": arn, **properties}, url, REGION)  # type: ignore[arg-type]
    return SqsPoller(mapping, sqs).start()


def test_a_batch_reports_its_failures_and_only_the_others_are_deleted(sqs: Any) -> None:
    # Given a function that fails the message "bad" of every batch, with ReportBatchItemFailures
    url, arn, dlq = _queues(sqs)

    def answer(records: list[dict[str, Any]]) -> dict[str, Any]:
        return {"batchItemFailures": [{"itemIdentifier": r["messageId"]} for r in records if r["body"] == "bad"]}

    function = Function(answer)
    poller = _poller(function, sqs, url, arn, BatchSize=10, FunctionResponseTypes=["ReportBatchItemFailures"])
    try:
        # When three messages arrive
        for body in ("one", "bad", "two"):
            sqs.send_message(QueueUrl=url, MessageBody=body,
                             MessageAttributes={"portal_id": {"DataType": "String", "StringValue": "p1"}})
        # Then the good ones are settled at once; the bad one comes back after the visibility timeout, and
        # after maxReceiveCount receives it is in the dead-letter queue
        _until(lambda: _count(sqs, dlq) == 1)
        assert _count(sqs, url) == 0
        assert sorted(function.bodies()) == ["bad", "bad", "one", "two"]
        record = function.batches[0][0]
        assert record["eventSource"] == "aws:sqs" and record["eventSourceARN"] == arn
        assert record["messageAttributes"]["portal_id"]["stringValue"] == "p1"
        assert record["attributes"]["ApproximateReceiveCount"] == "1"
    finally:
        poller.stop()


def test_a_failed_invocation_deletes_nothing_and_the_batch_comes_back(sqs: Any) -> None:
    url, arn, dlq = _queues(sqs, max_receives=5)
    failures = [True]

    def answer(records: list[dict[str, Any]]) -> dict[str, Any]:
        if failures:
            failures.pop()
            raise runtime.FunctionError("Sandbox.Timedout", "Task timed out")
        return {}

    function = Function(answer)
    poller = _poller(function, sqs, url, arn, FunctionResponseTypes=["ReportBatchItemFailures"])
    try:
        sqs.send_message(QueueUrl=url, MessageBody="once")
        _until(lambda: len(function.batches) == 2 and _count(sqs, url) == 0)
        assert function.bodies() == ["once", "once"] and _count(sqs, dlq) == 0
    finally:
        poller.stop()


def test_a_failure_naming_a_message_not_in_the_batch_fails_the_whole_batch(sqs: Any) -> None:
    url, arn, _ = _queues(sqs, max_receives=5)
    answers = [{"batchItemFailures": [{"itemIdentifier": "not-in-this-batch"}]}, {}]
    function = Function(lambda records: answers.pop(0) if answers else {})
    poller = _poller(function, sqs, url, arn, FunctionResponseTypes=["ReportBatchItemFailures"])
    try:
        sqs.send_message(QueueUrl=url, MessageBody="again")
        _until(lambda: len(function.batches) == 2 and _count(sqs, url) == 0)
    finally:
        poller.stop()


def test_a_batching_window_gathers_up_to_the_batch_size_and_settle_waits_for_the_batches(sqs: Any) -> None:
    url, arn, _ = _queues(sqs)
    for n in range(15):
        sqs.send_message(QueueUrl=url, MessageBody=str(n))
    function = Function(lambda records: {}, concurrency=1)
    poller = _poller(function, sqs, url, arn, BatchSize=12, MaximumBatchingWindowInSeconds=1)
    try:
        assert poller.settle(within=30)
        assert sorted(function.bodies(), key=int) == [str(n) for n in range(15)] and _count(sqs, url) == 0
        assert len(function.batches[0]) == 12
    finally:
        poller.stop()


def test_lambda_s_rules_for_a_mapping_are_kept() -> None:
    function = Function(lambda records: {})
    with pytest.raises(ValueError, match="batching window"):
        SqsMapping.from_event(function, {"Queue": "arn", "BatchSize": 20}, "url", REGION)  # type: ignore[arg-type]
    mapping = SqsMapping.from_event(function, {"Queue": "arn", "ScalingConfig": {"MaximumConcurrency": 5}},  # type: ignore[arg-type]
                                    "url", REGION)
    assert (mapping.batch_size, mapping.window_seconds, mapping.report_failures, mapping.max_concurrency) == (
        10, 0.0, False, 5)


def test_mappings_are_read_from_mapping_resources_and_sam_events_alike() -> None:
    queue = {"Fn::GetAtt": ["Queue", "Arn"]}
    resources: dict[str, dict[str, Any]] = {
        "Queue": {"Type": "AWS::SQS::Queue", "Properties": {}},
        "Other": {"Type": "AWS::SNS::Topic", "Properties": {}},
        "Sender": {"Type": "AWS::Serverless::Function", "Properties": {}},
        "Legacy": {"Type": "AWS::Serverless::Function", "Properties": {"Events": {
            "Q": {"Type": "SQS", "Properties": {"Queue": queue, "BatchSize": 5}},
            "Api": {"Type": "HttpApi", "Properties": {}}}}},
        "SenderMapping": {"Type": "AWS::Lambda::EventSourceMapping", "Properties": {
            "EventSourceArn": queue, "FunctionName": {"Ref": "Sender"}, "BatchSize": 10,
            "FunctionResponseTypes": ["ReportBatchItemFailures"]}},
        "StreamMapping": {"Type": "AWS::Lambda::EventSourceMapping", "Properties": {  # not a queue: not polled here
            "EventSourceArn": {"Fn::GetAtt": ["Other", "Arn"]}, "FunctionName": {"Ref": "Sender"}}},
    }
    assert sorted(sqs_mappings(resources), key=lambda m: m[0]) == [
        ("Legacy", {"Queue": queue, "BatchSize": 5}),
        ("Sender", {"Queue": queue, "BatchSize": 10, "FunctionResponseTypes": ["ReportBatchItemFailures"]})]
    resources["SenderMapping"]["Properties"]["FunctionName"] = "desk-Sender"
    with pytest.raises(ValueError, match="SenderMapping: FunctionName must be a Ref"):
        sqs_mappings(resources)


def test_sending_to_a_queue_is_authorised_on_the_queue_and_polling_needs_the_role_s_grants() -> None:
    where = Account(REGION, ACCOUNT)
    url = f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/desk-PushQueue"
    arn = f"arn:aws:sqs:{REGION}:{ACCOUNT}:desk-PushQueue"
    assert requested("sqs", "SendMessageBatch", {"QueueUrl": url}, where) == [Requested("sqs:SendMessage", arn)]
    receive = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["sqs:ReceiveMessage"],
                                                       "Resource": arn}]}
    enforcer = iam_enforcement.Enforcer(Roles({"SenderFunction": [receive]}, None), where,  # type: ignore[arg-type]
                                        {"SenderFunction": "SenderRole"})
    with pytest.raises(iam_enforcement.AccessDenied, match="sqs:DeleteMessage"):
        enforcer.check_poller(Function(lambda records: {}), arn)  # type: ignore[arg-type]
