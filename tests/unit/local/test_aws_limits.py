"""AWS's DynamoDB limits answer on the local stack with AWS's own errors, the local stack's patches applied.

A write over a limit is refused whole and leaves nothing behind, as on AWS.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from infra.local import moto_patches
from infra.local.template import create_table, load_template

ROOT = Path(__file__).resolve().parents[3]
TABLE = "limits-ComplaintsTable"


@pytest.fixture
def dynamodb() -> Iterator[Any]:
    with mock_aws(), moto_patches.install():
        client = boto3.client("dynamodb", region_name="us-east-1")
        create_table(client, TABLE, load_template(ROOT / "template.yaml")["Resources"]["ComplaintsTable"]["Properties"])
        yield client


def _key(n: int) -> dict[str, Any]:
    return {"PK": {"S": f"C#LIMIT-{n:03d}"}, "SK": {"S": "A"}}


def _stored(dynamodb: Any) -> int:
    return int(dynamodb.scan(TableName=TABLE, Select="COUNT")["Count"])


def test_an_item_over_400_kb_is_refused_as_aws_refuses_it(dynamodb: Any) -> None:
    with pytest.raises(ClientError) as refused:
        dynamodb.put_item(TableName=TABLE, Item={**_key(1), "text": {"S": "x" * 410_000}})

    assert refused.value.response["Error"]["Code"] == "ValidationException"
    assert refused.value.response["Error"]["Message"] == "Item size has exceeded the maximum allowed size"
    assert _stored(dynamodb) == 0


def test_a_transaction_of_more_than_100_items_is_refused_whole(dynamodb: Any) -> None:
    puts = [{"Put": {"TableName": TABLE, "Item": _key(n)}} for n in range(101)]

    with pytest.raises(ClientError) as refused:
        dynamodb.transact_write_items(TransactItems=puts)

    assert refused.value.response["Error"]["Code"] == "ValidationException"
    assert "less than or equal to 100" in refused.value.response["Error"]["Message"]
    assert _stored(dynamodb) == 0
    dynamodb.transact_write_items(TransactItems=puts[:100])  # 100 is allowed
    assert _stored(dynamodb) == 100


def test_a_batch_get_of_more_than_100_keys_is_refused(dynamodb: Any) -> None:
    keys = [_key(n) for n in range(101)]

    with pytest.raises(ClientError) as refused:
        dynamodb.batch_get_item(RequestItems={TABLE: {"Keys": keys}})

    assert refused.value.response["Error"]["Code"] == "ValidationException"
    assert "less than or equal to 100" in refused.value.response["Error"]["Message"]
    assert dynamodb.batch_get_item(RequestItems={TABLE: {"Keys": keys[:100]}})["Responses"][TABLE] == []
