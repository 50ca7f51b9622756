"""A happy-path lifecycle may not take more state transitions, DynamoDB requests or write units than bench/budget.json
allows."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from bench import metering
from bench.lifecycle_bench import Paths, measure
from infra.cli.client import DeskClient
from infra.local.stack import LocalStack
from tests.integration.conftest import local_stack

pytestmark = pytest.mark.integration
BUDGET = json.loads((Path(__file__).resolve().parents[2] / "bench" / "budget.json").read_text())["happy_path"]


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    metering.meter()  # before the stack builds its clients, so their requests are metered
    try:
        yield from local_stack(tmp_path_factory, "WARNING")
    finally:
        metering.stop_metering()


def test_a_happy_path_lifecycle_stays_within_its_budget(stack: LocalStack, client: DeskClient) -> None:
    client = replace(client, unmetered_reads=True)  # polling is not the work
    paths = Paths(stack, client)
    meter = metering.meter()
    measure(stack, client, meter, "warm", paths.happy, 1)  # first use: roster seeding, caches
    lifecycle, = measure(stack, client, meter, "happy", paths.happy, 1)
    print(f"happy path: {lifecycle.transitions} transitions, {lifecycle.dynamodb_requests} DynamoDB requests, "
          f"{lifecycle.wru:.0f} write units")
    print("by function:", ", ".join(f"{name} {n}" for name, n in sorted(meter.requests_by_function.items())))
    assert lifecycle.transitions <= BUDGET["state_transitions"], lifecycle
    assert lifecycle.dynamodb_requests <= BUDGET["dynamodb_requests"], sorted(meter.requests_by_function.items())
    assert lifecycle.wru <= BUDGET["write_units"], lifecycle
    assert lifecycle.transitions > 0 and lifecycle.dynamodb_requests > 0  # the meter saw the work
