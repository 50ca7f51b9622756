"""The data layer against moto's DynamoDB, on a table built from template.yaml's own definition."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from complaints.adapters.dynamodb import Tables, keys
from complaints.core import clock
from complaints.core.enums import Nature, Priority, Status
from complaints.core.policy_vocabulary import Hotspots
from complaints.core.record import ComplaintRecord
from complaints.core.values import Classification, Customer, Location
from complaints.reporting.counting import counting
from infra.local.template import load_template, table_arguments

ROOT = Path(__file__).resolve().parents[3]
TABLE = "complaints-test"
TIMER_SHARDS = 4


@lru_cache(maxsize=1)
def _definition() -> dict[str, Any]:
    properties = load_template(ROOT / "template.yaml")["Resources"]["ComplaintsTable"]["Properties"]
    return table_arguments(properties)


@pytest.fixture(scope="package")
def aws() -> Iterator[Any]:
    """moto's DynamoDB for this folder's tests (starting it is the slow part); each test has its own table."""
    with pytest.MonkeyPatch.context() as patch:
        for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
            patch.setenv(name, "testing")
        with mock_aws():
            yield boto3.client("dynamodb", region_name="us-east-1")


@pytest.fixture
def client(aws: Any) -> Iterator[Any]:
    aws.create_table(TableName=TABLE, **_definition())
    yield aws
    aws.delete_table(TableName=TABLE)


@pytest.fixture
def tables(client: Any) -> Tables:
    return Tables.build(TABLE, TIMER_SHARDS, counting(UTC, Hotspots(categories=["network.*"])), keys.family,
                        client=client)


def complaint(n: int = 1, *, category: str | None = None, area: str | None = None,
              received_at: datetime | None = None) -> ComplaintRecord:
    """A new complaint; classified (into its department) when a category is given."""
    now = clock.now()
    classification = None if category is None else Classification(
        category=category, nature=Nature.VALID, priority=Priority.NORMAL, confidence=1.0, department="network")
    return ComplaintRecord(
        complaint_id=f"C20261130-{n:06d}", status=Status.ACKNOWLEDGED, portal_id="app", external_id=f"ext-{n}",
        channel="app", language="en", received_at=received_at or now, updated_at=now,
        customer=Customer(name="A Customer", phone="+8613800000000"), customer_key=f"key-{n}", text="no signal",
        location=Location(area=area) if area else None,
        cluster_key=f"area:{area}" if area else None, classification=classification,
        department="network" if classification else None)


def minutes(n: int) -> timedelta:
    return timedelta(minutes=n)
