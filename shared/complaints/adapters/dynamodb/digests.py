"""Staff digests: lines gathered per agent, sent together when the first line's interval is up.

A sweep claims a due digest by moving its due time a lease ahead (one sweep
wins) and reads its lines; only after the send succeeded are those lines and
the digest deleted. A failed send is recorded and tried again after the lease;
after `ATTEMPTS` failed sends its lines are set aside in one item
(`DIGEST#<agent>/X#<time>`) with the error, never dropped silently.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from complaints.adapters.dynamodb import keys
from complaints.adapters.dynamodb.codec import from_item, item
from complaints.adapters.dynamodb.conditional import conditional
from complaints.adapters.dynamodb.messages import ATTEMPTS, LEASE
from complaints.adapters.dynamodb.table import Table
from complaints.core import clock
from complaints.core.errors import ConditionFailed


@dataclass(frozen=True)
class ClaimedDigest:
    agent_id: str
    attempts: int
    lines: list[str]
    keys: list[dict[str, Any]]  # the lines' keys, as stored
    about: list[tuple[str, dict[str, str]]]  # per line: the complaint, and what must still hold of it

    def keeping(self, still_true: list[bool]) -> ClaimedDigest:
        """The digest with only the lines still true (all the lines' keys kept, to delete them once sent)."""
        return ClaimedDigest(self.agent_id, self.attempts, [line for line, kept in zip(self.lines, still_true,
                                                                                        strict=True) if kept],
                             self.keys, [a for a, kept in zip(self.about, still_true, strict=True) if kept])


class StaffDigests:
    def __init__(self, table: Table) -> None:
        self.table = table

    def queue(self, agent_id: str, complaint_id: str, text: str, due: datetime,
              expects: dict[str, str] | None = None) -> None:
        """Keep a line for the agent's next digest; the first line sets when it is sent.

        `expects` is what must still be true of the complaint when the digest goes, for the line to go with it.
        """
        self.table.client.put_item(**self.table.put(
            {**keys.digest_line(agent_id), "complaint_id": complaint_id, "text": text,
             "expects": dict(expects or {})})["Put"])
        try:
            with conditional(f"the digest of {agent_id}"):
                self.table.client.put_item(**self.table.put(
                    {**keys.digest(agent_id), "agent_id": agent_id, **keys.digest_due(agent_id, due)},
                    condition="attribute_not_exists(PK)")["Put"])
        except ConditionFailed:
            pass  # a digest is already due; this line joins it

    def due(self, now: datetime) -> list[str]:
        """The agents whose digest is due."""
        return [str(data["agent_id"]) for data in self.table.due(keys.DIGESTS, now, 1)]

    def claim(self, agent_id: str, now: datetime) -> ClaimedDigest | None:
        """Claim the agent's due digest (one sweep wins) with its lines, oldest first; None if taken or empty."""
        try:
            with conditional(f"the digest of {agent_id}"):
                answer = self.table.client.update_item(
                    TableName=self.table.name, Key=item(keys.digest(agent_id)),
                    UpdateExpression="SET TSK = :again ADD attempts :one",
                    ConditionExpression="TSK <= :due",
                    ExpressionAttributeValues=item({":again": keys.digest_due(agent_id, now + LEASE)["TSK"],
                                                    ":one": 1, ":due": keys.due_by(now)}),
                    ReturnValues="ALL_NEW")
        except ConditionFailed:
            return None
        lines = self._lines(agent_id)
        if not lines:
            self.table.client.delete_item(TableName=self.table.name, Key=item(keys.digest(agent_id)))
            return None
        read = [from_item(line) for line in lines]
        return ClaimedDigest(agent_id, int(from_item(answer["Attributes"]).get("attempts", 1)),
                             [str(line["text"]) for line in read],
                             [{"PK": line["PK"], "SK": line["SK"]} for line in lines],
                             [(str(line.get("complaint_id", "")), dict(line.get("expects") or {})) for line in read])

    def sent(self, digest: ClaimedDigest) -> None:
        """The send succeeded: its lines are gone, and the digest unless lines came in meanwhile."""
        for key in digest.keys:
            self.table.client.delete_item(TableName=self.table.name, Key=key)
        if self._lines(digest.agent_id):
            self._due_again(digest.agent_id, clock.now())  # lines queued during the send go with the next sweep
        else:
            self.table.client.delete_item(TableName=self.table.name, Key=item(keys.digest(digest.agent_id)))

    def failed(self, digest: ClaimedDigest, error: str) -> bool:
        """The send failed: recorded; False when it has had its attempts and its lines are set aside."""
        now = clock.iso(clock.now())
        if digest.attempts < ATTEMPTS:
            self.table.client.update_item(
                TableName=self.table.name, Key=item(keys.digest(digest.agent_id)),
                UpdateExpression="SET last_error = :error, failed_at = :at",
                ExpressionAttributeValues=item({":error": error, ":at": now}))
            return True
        self.table.client.put_item(TableName=self.table.name, Item=item({
            "PK": keys.digest(digest.agent_id)["PK"], "SK": f"X#{now}", "agent_id": digest.agent_id,
            "lines": digest.lines, "last_error": error, "attempts": digest.attempts}))
        self.sent(digest)  # the lines now live in the set-aside item
        return False

    def _lines(self, agent_id: str) -> list[dict[str, Any]]:
        return list(self.table.query(
            KeyConditionExpression="PK = :pk AND begins_with(SK, :l)",
            ExpressionAttributeValues=item({":pk": keys.digest(agent_id)["PK"], ":l": keys.DIGEST_LINES})))

    def _due_again(self, agent_id: str, at: datetime) -> None:
        self.table.client.update_item(
            TableName=self.table.name, Key=item(keys.digest(agent_id)),
            UpdateExpression="SET TPK = :tpk, TSK = :tsk, attempts = :zero",
            ExpressionAttributeValues=item({**{f":{k.lower()}": v for k, v in keys.digest_due(agent_id, at).items()},
                                            ":zero": 0}))
