"""The queue, owner and timers indexes keep only what their queries select by, and their readers fetch the rest.

The table is made from template.yaml, and moto answers an index query with the
index's projection as DynamoDB does, so a reader that used an attribute the
index does not keep would find nothing here, as on AWS.
"""

from __future__ import annotations

from typing import Any

from complaints.adapters.dynamodb import Tables, keys
from complaints.adapters.dynamodb.codec import from_item, item
from complaints.core import clock
from tests.unit.adapters.conftest import TABLE, complaint, minutes

CUSTOMER_DATA = {"customer", "text", "location", "phone", "params"}


def _entries(client: Any, index: str, condition: str, values: dict[str, Any]) -> list[dict[str, Any]]:
    answer = client.query(TableName=TABLE, IndexName=index, KeyConditionExpression=condition,
                          ExpressionAttributeValues=item(values))
    return [from_item(found) for found in answer["Items"]]


def test_the_queue_index_keeps_the_keys_and_its_listing_reads_the_complaints_whole(tables: Tables,
                                                                                    client: Any) -> None:
    record = complaint(1, category="network.coverage")
    tables.complaints.create(record, "fingerprint", [])
    entries = _entries(client, "queue", "QPK = :pk", {":pk": keys.queue("network")})
    assert len(entries) == 1 and set(entries[0]) == {"PK", "SK", "QPK", "QSK"}  # no copy of the complaint
    listed, _ = tables.complaints.list_by("queue", "network", open_only=True, limit=10, start=None)
    assert [r.complaint_id for r in listed] == [record.complaint_id]
    assert listed[0].customer.phone == record.customer.phone and listed[0].text == record.text


def test_an_attribute_the_index_does_not_keep_is_not_answered(tables: Tables, client: Any) -> None:
    tables.complaints.create(complaint(2, category="network.coverage"), "fingerprint", [])
    answer = client.query(TableName=TABLE, IndexName="queue", KeyConditionExpression="QPK = :pk",
                          ProjectionExpression="PK, customer, #t", ExpressionAttributeNames={"#t": "text"},
                          ExpressionAttributeValues=item({":pk": keys.queue("network")}))
    assert [set(found) for found in answer["Items"]] == [{"PK"}]


def test_the_timers_index_keeps_what_the_sweeps_select_by_never_a_phone_number(tables: Tables,
                                                                               client: Any) -> None:
    now = clock.now()
    tables.messages.hold("C1", "acknowledged", "+8613800000000", "en", {"first_reply": 3}, now)
    tables.promise_timers.schedule("C1", "first_reply", now)
    entries = [entry for shard in range(tables.table.timer_shards)
               for kind in (keys.HELD_MESSAGES, keys.PROMISES)
               for entry in _entries(client, "timers", "TPK = :pk", {":pk": keys.due_partition(kind, shard)})]
    assert len(entries) == 2
    assert all(not CUSTOMER_DATA & set(entry) for entry in entries)
    assert list(tables.promise_timers.due(now + minutes(1))) == [("C1", "first_reply", 0)]
    [held] = tables.messages.due(now + minutes(1))  # read whole, by key
    assert held["phone"] == "+8613800000000"
