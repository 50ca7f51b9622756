"""Concurrent requests never see each other: each delivery its own complaint, each action on the complaint named.

Eight client threads deliver distinct signed complaints, repeat earlier
deliveries and work some complaints through (accept, resolve, the customer's
callback) at the same time. Every function runs in containers of its own, one
invocation at a time, as on Lambda, so nothing of one request can leak into
another's. `make bench` runs the same at 500 deliveries.
"""

from __future__ import annotations

import os

import pytest

from bench import stress
from infra.cli.client import DeskClient
from infra.local.stack import LocalStack

pytestmark = pytest.mark.integration
# Small enough for CI; `make bench` runs 500.
DELIVERIES = int(os.environ.get("STRESS_DELIVERIES", "60"))


def test_deliveries_repeats_and_actions_from_8_threads_stay_apart(stack: LocalStack, client: DeskClient) -> None:
    outcome = stress.run(stack, client, DELIVERIES, threads=8, tag="ci")
    assert outcome.problems == []
    assert outcome.failed_workflows == 0
    assert outcome.repeats == DELIVERIES // 5 and outcome.handled == DELIVERIES // 10
    print(f"{outcome.deliveries} deliveries, {outcome.repeats} repeats, {outcome.handled} handled "
          f"in {outcome.seconds:.1f} s")
