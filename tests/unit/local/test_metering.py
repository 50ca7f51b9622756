"""The benchmarks' meter bills each request as AWS would: DynamoDB writes by the larger of the item's sizes before
and after, the indexes a write touches, SQS by 64 KB chunks, Lambda by the rounded-up millisecond, SMS by parts."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from bench.lifecycle_bench import Lifecycle, load_prices, sms_parts
from bench.metering import Meter, _sqs_units
from infra.local import aws_endpoint, runtime

TABLE = "metered"
TEXT = "x" * 3000  # an item of about 3 KB: three write units


@pytest.fixture
def client() -> Iterator[Any]:
    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name="us-east-1")
        dynamodb.create_table(TableName=TABLE, BillingMode="PAY_PER_REQUEST",
                              KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"},
                                         {"AttributeName": "SK", "KeyType": "RANGE"}],
                              AttributeDefinitions=[{"AttributeName": "PK", "AttributeType": "S"},
                                                    {"AttributeName": "SK", "AttributeType": "S"}])
        yield dynamodb


FUNCTION = runtime.LocalFunction("RemindersFunction", "reminders", Path("."), "app.handler", 256)
KEY = {"PK": {"S": "C#1"}, "SK": {"S": "A"}}


def _metered(meter: Meter, client: Any, operation: str, params: dict[str, Any]) -> float:
    """The write units one request costs: the meter sees it before and after moto acts, as at the endpoint."""
    call = aws_endpoint.Call(FUNCTION, {}, "dynamodb", operation, params)
    before = meter.wru
    meter._before(call)
    getattr(client, {"PutItem": "put_item", "UpdateItem": "update_item", "DeleteItem": "delete_item"}[operation])(
        **params)
    meter._call(aws_endpoint.Call(FUNCTION, {}, "dynamodb", operation, params, 200, {}))
    return meter.wru - before


@pytest.fixture
def meter() -> Meter:
    found = Meter()
    found.on = True
    return found


def test_a_small_update_of_a_large_item_is_billed_by_the_item(meter: Meter, client: Any) -> None:
    client.put_item(TableName=TABLE, Item={**KEY, "text": {"S": TEXT}})

    units = _metered(meter, client, "UpdateItem", {
        "TableName": TABLE, "Key": KEY, "UpdateExpression": "SET #s = :s",
        "ExpressionAttributeNames": {"#s": "status"}, "ExpressionAttributeValues": {":s": {"S": "closed"}}})

    assert units == 3  # the key and the value alone would have been one


def test_an_update_writes_only_the_indexes_holding_what_it_changed(meter: Meter, client: Any) -> None:
    client.put_item(TableName=TABLE, Item={**KEY, "text": {"S": "short"}})
    timer = {"UpdateExpression": "SET TPK = :p, TSK = :s",
             "ExpressionAttributeValues": {":p": {"S": "TW#3"}, ":s": {"S": "2026-12-01T00:00#C#1"}}}

    entered = _metered(meter, client, "UpdateItem", {"TableName": TABLE, "Key": KEY, **timer})
    moved = _metered(meter, client, "UpdateItem", {"TableName": TABLE, "Key": KEY, **timer})
    untouched = _metered(meter, client, "UpdateItem", {
        "TableName": TABLE, "Key": KEY, "UpdateExpression": "SET body_text = :t",
        "ExpressionAttributeValues": {":t": {"S": "not in the timers index"}}})

    assert entered == 1 + 1  # the item, and its new entry in the timers index
    assert moved == 1 + 2  # the entry's key changed: a delete and a put
    assert untouched == 1


def test_a_delete_and_an_overwrite_are_billed_by_the_item_they_replace(meter: Meter, client: Any) -> None:
    client.put_item(TableName=TABLE, Item={**KEY, "text": {"S": TEXT}})
    assert _metered(meter, client, "PutItem", {"TableName": TABLE, "Item": {**KEY, "text": {"S": "short"}}}) == 3
    client.put_item(TableName=TABLE, Item={**KEY, "text": {"S": TEXT}})
    assert _metered(meter, client, "DeleteItem", {"TableName": TABLE, "Key": KEY}) == 3


def test_sqs_requests_are_billed_by_64_kb_chunks() -> None:
    assert _sqs_units({"MessageBody": "x" * 1000}) == 1
    assert _sqs_units({"MessageBody": "x" * 70_000}) == 2
    assert _sqs_units({"Entries": [{"MessageBody": "x" * 40_000}, {"MessageBody": "x" * 40_000}]}) == 2


def test_lambda_is_billed_by_the_rounded_up_millisecond_at_its_memory(meter: Meter) -> None:
    with meter._observe(FUNCTION, {"detail": "x"}):
        pass  # well under a millisecond
    assert meter.lambda_gb_seconds == pytest.approx(0.001 * 256 / 1024)
    with meter._observe(FUNCTION, {"Records": [{"eventSource": "aws:sqs", "body": "{}"}]}):
        pass
    assert meter.sqs_requests == 2  # the event source's receive of the batch and its delete


def test_sms_are_counted_in_the_parts_the_carrier_bills() -> None:
    assert sms_parts("x" * 160) == 1 and sms_parts("x" * 161) == 2
    assert sms_parts("信" * 70) == 1 and sms_parts("信" * 71) == 2 and sms_parts("信" * 135) == 3


def test_every_service_is_priced_and_the_total_is_their_sum() -> None:
    lifecycle = Lifecycle(path="happy", transitions=7, invocations=10, lambda_gb_seconds=0.1, lambda_ms=400,
                          dynamodb_requests=40, rru=8, wru=160, api_requests=5, sms=3, staff_messages=1,
                          sqs_requests=4, sms_parts=6)
    prices = load_prices()
    costs = lifecycle.costs(prices)
    assert set(costs) == {"Step Functions", "Lambda", "DynamoDB", "API Gateway", "SQS", "SES"}
    assert costs["Step Functions"] == pytest.approx(7 * 0.000025)
    assert costs["SQS"] == pytest.approx(4 * prices["sqs_per_request"])
    assert lifecycle.dollars(prices) == pytest.approx(sum(costs.values()))


def test_a_sweeps_reading_of_the_timers_is_fixed_cost_and_what_it_does_for_a_complaint_is_metered(
        meter: Meter, client: Any) -> None:
    sweep = {"shard_group": 1, "shard_groups": 8}
    query = {"TableName": TABLE, "KeyConditionExpression": "PK = :p", "ExpressionAttributeValues": {":p": KEY["PK"]}}
    meter._call(aws_endpoint.Call(FUNCTION, sweep, "dynamodb", "Query", query, 200, {"Items": []}))
    put = {"TableName": TABLE, "Item": {**KEY, "text": {"S": "escalated"}}}
    meter._before(aws_endpoint.Call(FUNCTION, sweep, "dynamodb", "PutItem", put))
    client.put_item(**put)
    meter._call(aws_endpoint.Call(FUNCTION, sweep, "dynamodb", "PutItem", put, 200, {}))
    with meter._observe(FUNCTION, sweep):
        pass

    assert dict(meter.aws_requests) == {"dynamodb PutItem": 1} and meter.wru == 1
    assert meter.invocations == {} and meter.lambda_gb_seconds == 0


def test_an_overwrite_writes_only_the_indexes_whose_entry_it_changed(meter: Meter, client: Any) -> None:
    timer = {"TPK": {"S": "TW#3"}, "TSK": {"S": "2026-12-01T00:00#C#1"}}
    client.put_item(TableName=TABLE, Item={**KEY, **timer, "text": {"S": "a"}})

    same_timer = _metered(meter, client, "PutItem", {"TableName": TABLE, "Item": {**KEY, **timer, "text": {"S": "b"}}})
    moved = _metered(meter, client, "PutItem", {"TableName": TABLE, "Item": {
        **KEY, **timer, "TSK": {"S": "2026-12-02T00:00#C#1"}, "text": {"S": "b"}}})

    assert same_timer == 1  # the timers index holds neither the text nor anything that changed
    assert moved == 1 + 2  # its entry moved: a delete and a put
