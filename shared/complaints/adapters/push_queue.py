"""The sender queue of status pushes (SQS): the relay hands claimed deliveries to it, ten to a request.

A message names a delivery in the table and the lease it was claimed with;
the event itself stays in the table. Its attributes carry the portal id, the
event and the attempt, for filtering and for reading a dead-lettered message,
and never a customer's data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import boto3

BATCH = 10  # SendMessageBatch's limit


@dataclass(frozen=True)
class QueuedPush:
    body: str
    portal_id: str
    event: str
    attempt: int

    def entry(self, entry_id: str) -> dict[str, Any]:
        return {"Id": entry_id, "MessageBody": self.body, "MessageAttributes": {
            "portal_id": {"DataType": "String", "StringValue": self.portal_id},
            "event": {"DataType": "String", "StringValue": self.event},
            "attempt": {"DataType": "Number", "StringValue": str(self.attempt)}}}


class PushQueue:
    def __init__(self, url: str, client: Any = None) -> None:
        self.url = url
        self._client = client

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = boto3.client("sqs")
        return self._client

    def send(self, pushes: Sequence[QueuedPush]) -> list[tuple[QueuedPush, str]]:
        """Send the pushes, ten to a request; those the queue refused, each with the queue's reason."""
        refused: list[tuple[QueuedPush, str]] = []
        for start in range(0, len(pushes), BATCH):
            chunk = {f"p{n}": push for n, push in enumerate(pushes[start:start + BATCH])}
            answer = self.client.send_message_batch(
                QueueUrl=self.url, Entries=[push.entry(entry_id) for entry_id, push in chunk.items()])
            refused += [(chunk[failed["Id"]], str(failed.get("Code", "refused")))
                        for failed in answer.get("Failed", [])]
        return refused
