"""The desk the unit tests act on: the real policy and domain, moto's DynamoDB, fakes for the other ports.

`desk` is the one fixture that builds it, so a change in the desk's wiring is
fixed here. The tables are made from template.yaml's resources with the local
stack's own resolver and `create_table`, so nothing describes them twice; each
test gets a fresh complaints table and a clock moved to a working morning.
"""

from __future__ import annotations

import itertools
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from complaints.adapters.dynamodb import Tables
from complaints.core import clock
from complaints.core.policy import Policy, load_policy
from complaints.core.settings import Settings
from complaints.desk.context import Desk
from complaints.reporting.counting import counting
from complaints.triage.classifier import text_classifier
from infra.local import moto_patches
from infra.local.stack import LocalStack, StackConfig
from infra.local.template import create_table
from tests.unit.support import STATE_MACHINE_ARN, FakeDns, FakeWorkflow, MemoryNotifier, move_clock_to

REGION = "us-east-1"
SIGNING_SECRET = "unit-SigningSecret"
# The template read and resolved as the local stack reads it (building the object starts nothing).
_TEMPLATE = LocalStack(StackConfig(stack_name="unit", tick_schedule=False,
                                   data_dir=Path("/nonexistent")))
TABLES = {logical_id: _TEMPLATE.resolver.resolve(resource["Properties"])
          for logical_id, resource in _TEMPLATE.resources.items() if resource["Type"] == "AWS::DynamoDB::Table"}
_tables = itertools.count(1)


@dataclass
class MockedAws:
    dynamodb: Any
    idempotency_table: str
    roster: list[dict[str, Any]]  # the policy's departments and agents as the roster stores them, raw items


def _stored_roster(dynamodb: Any) -> list[dict[str, Any]]:
    """The telecom roster as the desk seeds it on first use, read back once from a scratch table."""
    scratch = "unit-roster"
    create_table(dynamodb, scratch, TABLES["ComplaintsTable"])
    scratch_desk = _build_desk(dynamodb, scratch, "unused", load_policy("telecom"), FakeWorkflow(), MemoryNotifier())
    assert scratch_desk.policy.agents  # reading the roster seeds it
    items = [item for page in dynamodb.get_paginator("scan").paginate(TableName=scratch) for item in page["Items"]]
    dynamodb.delete_table(TableName=scratch)
    return items


def _copy_roster(dynamodb: Any, table: str, items: list[dict[str, Any]]) -> None:
    """The roster written into a test's table in a few batches, rather than seeded item by item each time."""
    for start in range(0, len(items), 25):
        request: dict[str, Any] = {table: [{"PutRequest": {"Item": item}} for item in items[start:start + 25]]}
        while request:
            request = dynamodb.batch_write_item(RequestItems=request).get("UnprocessedItems") or {}


@pytest.fixture(scope="module")
def aws() -> Iterator[MockedAws]:
    """moto's AWS for one module's unit tests, with the signing secret; each test makes its own tables.

    Module scope: moto's state is process-wide, and the patches' contract tests need a fresh moto of their own.
    """
    # The local stack's patches of moto too: AWS's write semantics, and transactions that copy only their items.
    with pytest.MonkeyPatch.context() as patch, mock_aws(), moto_patches.install():
        for name, value in {"AWS_DEFAULT_REGION": REGION, "AWS_ACCESS_KEY_ID": "unit",
                            "AWS_SECRET_ACCESS_KEY": "unit"}.items():
            patch.setenv(name, value)
        dynamodb = boto3.client("dynamodb", region_name=REGION)
        # A fixed value: Powertools caches a secret by its name for minutes.
        boto3.client("secretsmanager", region_name=REGION).create_secret(
            Name=SIGNING_SECRET, SecretString="unit-signing-secret-" + "x" * 44)
        yield MockedAws(dynamodb, "unit-IdempotencyTable", _stored_roster(dynamodb))


@pytest.fixture
def workflow() -> FakeWorkflow:
    return FakeWorkflow()


@pytest.fixture
def notifier() -> MemoryNotifier:
    return MemoryNotifier()


class _StoppedWallClock(datetime):
    """The wall clock under the desk's clock, stopped, so time passes only when a test moves it."""

    @classmethod
    def now(cls, tz: tzinfo | None = None) -> _StoppedWallClock:
        return cls.fromtimestamp(_STOPPED_AT, tz)


_STOPPED_AT = datetime.now(UTC).timestamp()


def _build_desk(dynamodb: Any, table: str, idempotency_table: str, policy: Policy, workflow: FakeWorkflow,
                notifier: MemoryNotifier) -> Desk:
    """The one place the unit tests wire a desk: moto's DynamoDB, the fakes, the keyword classifier."""
    settings = Settings(
        table_name=table, idempotency_table_name=idempotency_table, state_machine_arn=STATE_MACHINE_ARN,
        policy_profile=policy.profile, notify_adapter="outbox", outbox_path="unused",
        signing_secret_name=SIGNING_SECRET, portal_secrets_name="unit-PortalSecrets",
        public_base_url="https://desk.example", timer_shards=4)
    return Desk(
        settings=settings, base_policy=policy,
        tables=Tables.build(table, settings.timer_shards, counting(policy.calendar.zone, policy.hotspots),
                            policy.clusters.group_of, client=dynamodb),
        workflow=workflow, notifier=notifier, classifier_factory=lambda: text_classifier(policy))


@pytest.fixture
def desk(aws: MockedAws, workflow: FakeWorkflow, notifier: MemoryNotifier, monkeypatch: pytest.MonkeyPatch,
         request: pytest.FixtureRequest) -> Iterator[Desk]:
    """The telecom desk; a test marked `@pytest.mark.policy(section={field: value})` changes its policy so, one
    marked `@pytest.mark.profile(name)` is another profile's desk (its roster seeded from its policy)."""
    marked = request.node.get_closest_marker("profile")
    profile = marked.args[0] if marked else "telecom"
    # Fresh tables per test, and only this test's: moto copies every table of the account for each transaction.
    table = f"unit-ComplaintsTable-{next(_tables)}"
    create_table(aws.dynamodb, table, TABLES["ComplaintsTable"])
    create_table(aws.dynamodb, aws.idempotency_table, TABLES["IdempotencyTable"])
    if profile == "telecom":
        _copy_roster(aws.dynamodb, table, aws.roster)
    # The quality-check sample is random; tests choose which resolutions are checked.
    changes: dict[str, dict[str, Any]] = {"quality_check": {"sample_rate": 0.0}}
    for marker in request.node.iter_markers("policy"):
        for section, fields in marker.kwargs.items():
            changes[section] = {**changes.get(section, {}), **fields}
    policy = load_policy(profile)
    policy = policy.model_copy(update={section: getattr(policy, section).model_copy(update=fields)
                                       for section, fields in changes.items()})
    monkeypatch.setattr(clock, "datetime", _StoppedWallClock)
    clock.reset()
    current = _build_desk(aws.dynamodb, table, aws.idempotency_table, policy, workflow, notifier)
    move_clock_to("10:00", current)
    yield current
    clock.reset()
    for name in (table, aws.idempotency_table):
        aws.dynamodb.delete_table(TableName=name)


@pytest.fixture
def dns(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeDns]:
    """Names resolved by the test's own table (portal.example to a public address), never by a real DNS."""
    fake = FakeDns()
    monkeypatch.setattr(socket, "getaddrinfo", fake)
    yield fake
    fake.answer.set()  # lookups left hanging by the test end
