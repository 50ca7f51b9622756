"""Staff digests: lines gathered per agent, sent together when the first line's interval is up."""

from __future__ import annotations

from datetime import datetime

from complaints.adapters.dynamodb import keys
from complaints.adapters.dynamodb.codec import from_item, item
from complaints.adapters.dynamodb.conditional import conditional
from complaints.adapters.dynamodb.table import Table
from complaints.core.errors import ConditionFailed


class StaffDigests:
    def __init__(self, table: Table) -> None:
        self.table = table

    def queue(self, agent_id: str, complaint_id: str, text: str, due: datetime) -> None:
        """Keep a line for the agent's next digest; the first line sets when it is sent."""
        self.table.client.put_item(**self.table.put(
            {**keys.digest_line(agent_id), "complaint_id": complaint_id, "text": text})["Put"])
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

    def take(self, agent_id: str) -> list[str]:
        """Claim the agent's due digest (one sweep wins) and return its lines, oldest first."""
        try:
            with conditional(f"the digest of {agent_id}"):
                self.table.client.delete_item(TableName=self.table.name, Key=item(keys.digest(agent_id)),
                                              ConditionExpression="attribute_exists(PK)")
        except ConditionFailed:
            return []
        lines = list(self.table.query(
            KeyConditionExpression="PK = :pk AND begins_with(SK, :l)",
            ExpressionAttributeValues=item({":pk": keys.digest(agent_id)["PK"], ":l": keys.DIGEST_LINES})))
        for line in lines:
            self.table.client.delete_item(TableName=self.table.name, Key={"PK": line["PK"], "SK": line["SK"]})
        return [str(from_item(line)["text"]) for line in lines]
