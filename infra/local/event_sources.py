"""Lambda's SQS event source mappings on the local stack, from the template's `AWS::Lambda::EventSourceMapping`
resources and `Type: SQS` events, on moto's SQS.

As Lambda's pollers do:
- a poller long-polls the queue and gathers up to BatchSize messages, for at
  most MaximumBatchingWindowInSeconds once the first has come (a window of 0
  hands over what one receive gave, up to ten);
- it invokes the function with the batch as Lambda's SQS event, in the
  function's containers under its own role, up to ScalingConfig's
  MaximumConcurrency batches at once (and never more than the function's
  containers);
- a successful invocation deletes the batch, except, with
  FunctionResponseTypes [ReportBatchItemFailures], the messages its
  `batchItemFailures` names (an identifier that is not in the batch fails the
  whole batch, as on AWS);
- a failed, timed-out or throttled invocation deletes nothing: the messages
  come back when the queue's visibility timeout ends, and moto's SQS moves a
  message received maxReceiveCount times to the redrive policy's
  dead-letter queue.
The queue's attributes (visibility timeout, redrive policy, retention) are the
template's, set on moto's queue when the stack creates it. The messages live
in memory: a restart starts with empty queues, and what they held is sent
again by whoever keeps the truth (the status pushes' lease, in the table).
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from infra.local import runtime

RECEIVE_MAX = 10  # ReceiveMessage's limit per request
POLL_SECONDS = 1  # the long poll of each receive: how soon a stop is noticed


@dataclass(frozen=True)
class SqsMapping:
    """One SQS event of a function, as the template declares it."""

    function: runtime.LocalFunction
    queue_url: str
    queue_arn: str
    region: str
    batch_size: int = 10
    window_seconds: float = 0.0
    report_failures: bool = False
    max_concurrency: int = 1000

    @classmethod
    def from_event(cls, function: runtime.LocalFunction, properties: dict[str, Any], queue_url: str,
                   region: str) -> SqsMapping:
        """The mapping of a resolved `Type: SQS` event's properties."""
        batch = int(properties.get("BatchSize", 10))
        window = float(properties.get("MaximumBatchingWindowInSeconds", 0))
        if not 1 <= batch <= 10000 or (batch > 10 and window < 1):
            raise ValueError(f"{function.logical_id}: BatchSize {batch} needs 1..10, or a batching window of "
                             f"at least 1 s for more than 10 (Lambda's rule)")
        scaling = properties.get("ScalingConfig") or {}
        return cls(function, queue_url, str(properties["Queue"]), region, batch, window,
                   "ReportBatchItemFailures" in (properties.get("FunctionResponseTypes") or []),
                   int(scaling.get("MaximumConcurrency", 1000)))


class SqsPoller:
    """Polls one queue for one function and hands each batch to it, as Lambda's event source mapping does."""

    def __init__(self, mapping: SqsMapping, client: Any) -> None:
        self.mapping = mapping
        self.client = client
        self.concurrency = max(1, min(mapping.max_concurrency, mapping.function.concurrency))
        self._slots = threading.BoundedSemaphore(self.concurrency)
        self._invokers = ThreadPoolExecutor(self.concurrency, thread_name_prefix=f"sqs-{mapping.function.logical_id}")
        self._stop = threading.Event()
        self._changed = threading.Condition()
        self._handling = 0  # batches received and not yet settled
        self._cycles = 0  # receives done (a batch they got is counted in _handling by then)
        self._thread = threading.Thread(target=self._poll, name=f"sqs-poller-{mapping.function.logical_id}",
                                        daemon=True)
        self.invocations = 0

    def start(self) -> SqsPoller:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(POLL_SECONDS * 5)
        self._invokers.shutdown(wait=True, cancel_futures=True)

    # ------------------------------------------------------------ polling
    def _poll(self) -> None:
        while not self._stop.is_set():
            self._slots.acquire()  # a batch is taken only when a container can run it
            try:
                batch = self._gather()
            except Exception:  # noqa: BLE001 - the endpoint stopping under the poller; it ends with the stack
                batch = []
                self._stop.wait(POLL_SECONDS)
            with self._changed:
                self._handling += bool(batch)
                self._cycles += 1
                self._changed.notify_all()
            if batch:
                self._invokers.submit(self._run, batch)
            else:
                self._slots.release()

    def _gather(self) -> list[dict[str, Any]]:
        batch = self._receive(min(RECEIVE_MAX, self.mapping.batch_size), POLL_SECONDS)
        if not batch or self.mapping.window_seconds <= 0:
            return batch
        closes = time.monotonic() + self.mapping.window_seconds
        while len(batch) < self.mapping.batch_size and not self._stop.is_set():
            left = closes - time.monotonic()
            if left <= 0:
                break
            more = self._receive(min(RECEIVE_MAX, self.mapping.batch_size - len(batch)), min(POLL_SECONDS, left))
            if not more and time.monotonic() >= closes:
                break
            batch += more
        return batch

    def _receive(self, count: int, wait: float) -> list[dict[str, Any]]:
        answer = self.client.receive_message(QueueUrl=self.mapping.queue_url, MaxNumberOfMessages=count,
                                             WaitTimeSeconds=max(0, round(wait)), MessageAttributeNames=["All"],
                                             MessageSystemAttributeNames=["All"])
        return list(answer.get("Messages", []))

    def _run(self, batch: list[dict[str, Any]]) -> None:
        try:
            failed = self._invoke(batch)
            done = [m for m in batch if m["MessageId"] not in failed]
            for start in range(0, len(done), RECEIVE_MAX):
                self.client.delete_message_batch(QueueUrl=self.mapping.queue_url, Entries=[
                    {"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]}
                    for n, m in enumerate(done[start:start + RECEIVE_MAX])])
        finally:
            with self._changed:
                self._handling -= 1
                self._changed.notify_all()
            self._slots.release()

    def _invoke(self, batch: list[dict[str, Any]]) -> set[str]:
        """The ids of the messages the invocation did not settle (every one when it failed)."""
        everything = {m["MessageId"] for m in batch}
        try:
            answer = self.mapping.function.invoke(self.event(batch))
        except (runtime.FunctionError, runtime.Throttled, runtime.RequestTooLarge):
            return everything  # back on the queue when the visibility timeout ends
        finally:
            self.invocations += 1
        if not self.mapping.report_failures or not isinstance(answer, dict):
            return set()
        named = {str((f or {}).get("itemIdentifier") or "") for f in answer.get("batchItemFailures") or []}
        return everything if named - everything else named

    def event(self, batch: list[dict[str, Any]]) -> dict[str, Any]:
        """Lambda's SQS event for a batch of received messages."""
        return {"Records": [{
            "messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m.get("Body", ""),
            "attributes": dict(m.get("Attributes", {})),
            "messageAttributes": {name: _attribute(v) for name, v in (m.get("MessageAttributes") or {}).items()},
            "md5OfBody": m.get("MD5OfBody", ""), "eventSource": "aws:sqs",
            "eventSourceARN": self.mapping.queue_arn, "awsRegion": self.mapping.region} for m in batch]}

    # ------------------------------------------------------------ for the harness
    def settle(self, within: float = 120.0) -> bool:
        """Wait until the queue shows no message ready and no batch is being handled; False if not within.

        With no message in flight either, that is at once. Messages in flight that no batch holds are failed
        ones waiting out their visibility timeout: then the queue must show none ready through one whole receive
        (so a batch taken just before is counted)."""
        ends = time.monotonic() + within
        with self._changed:
            mark: int | None = None
            while True:
                ready, in_flight = self._counts()
                if self._handling == 0 and ready == 0:
                    if in_flight == 0 or (mark is not None and self._cycles > mark):
                        return True
                    mark = self._cycles if mark is None else mark
                else:
                    mark = None
                left = ends - time.monotonic()
                if left <= 0:
                    return False
                self._changed.wait(min(left, 0.2))

    def _counts(self) -> tuple[int, int]:
        """(messages ready, messages in flight) on the queue."""
        attributes = self.client.get_queue_attributes(
            QueueUrl=self.mapping.queue_url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
        return (int(attributes.get("ApproximateNumberOfMessages", 0)),
                int(attributes.get("ApproximateNumberOfMessagesNotVisible", 0)))


def _attribute(value: dict[str, Any]) -> dict[str, Any]:
    """A message attribute as Lambda's SQS event spells it."""
    shaped = {"stringListValues": [], "binaryListValues": [], "dataType": value["DataType"]}
    if "StringValue" in value:
        shaped["stringValue"] = value["StringValue"]
    if "BinaryValue" in value:
        shaped["binaryValue"] = value["BinaryValue"]
    return shaped


def sqs_mappings(resources: dict[str, dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    """Every SQS event source of the template, unresolved, as (the function's logical id, its properties with
    the queue's ARN under `Queue`): a function's SAM `Type: SQS` events and the `AWS::Lambda::EventSourceMapping`
    resources whose function is one of the template's (named by `Ref`) and whose source is one of its queues."""
    queues = {name for name, resource in resources.items() if resource["Type"] == "AWS::SQS::Queue"}
    found: list[tuple[str, dict[str, Any]]] = []
    for name, resource in resources.items():
        if resource["Type"] == "AWS::Serverless::Function":
            found += [(name, event["Properties"]) for event in resource["Properties"].get("Events", {}).values()
                      if event["Type"] == "SQS"]
        elif resource["Type"] == "AWS::Lambda::EventSourceMapping":
            properties = dict(resource["Properties"])
            function, source = properties.pop("FunctionName", None), properties.pop("EventSourceArn", None)
            if not (isinstance(function, dict) and function.get("Ref") in resources):
                raise ValueError(f"{name}: FunctionName must be a Ref to a function of the template")
            if isinstance(source, dict) and source.get("Fn::GetAtt", [None])[0] in queues:
                found.append((str(function["Ref"]), {"Queue": source, **properties}))
    return found

