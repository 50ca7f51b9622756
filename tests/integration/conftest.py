"""One embedded local stack per test module, on free loopback ports.

A module chooses its stack by module-level names the `stack` fixture reads:
`STACK_PROFILE` (the policy profile; the template's default when absent),
`STACK_LOG_LEVEL` ("WARNING" when absent; "INFO" for a module that reads the
functions' log lines) and `STACK_POLICY_CHANGES` (merged into the policy).
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from complaints.core.observability import logger
from infra.cli.client import DeskClient
from infra.local.stack import LocalStack, StackConfig
from tests.integration.patience import ANSWER_SECONDS, WAIT_SECONDS


@pytest.fixture
def function_logs() -> Iterator[io.StringIO]:
    """What the functions log, whichever stream the process-wide logger was bound to when it was made."""
    buffer = io.StringIO()
    handler = logger.registered_handler
    previous = handler.setStream(buffer)  # type: ignore[attr-defined]
    try:
        yield buffer
    finally:
        handler.setStream(previous)  # type: ignore[attr-defined]


def local_stack(tmp_path_factory: pytest.TempPathFactory, log_level: str, profile: str | None = None,
                policy_changes: dict[str, Any] | None = None) -> Iterator[LocalStack]:
    # Tests choose which resolutions are checked; the profile's sample is random. A module's changes are merged
    # section by section into fresh dicts, so neither side's values are lost or shared.
    changes: dict[str, Any] = {"quality_check": {"sample_rate": 0.0}}
    for section, values in (policy_changes or {}).items():
        changes[section] = {**changes.get(section, {}), **values}
    # Port 0: the stack binds free ports itself, so stacks on parallel test workers never race for one.
    config = StackConfig(aws_port=0, api_port=0, tick_schedule=False, profile=profile,
                         data_dir=Path(tmp_path_factory.mktemp("local")), log_level=log_level,
                         # A known local morning, whatever the wall clock; LOCAL_START tries another time of day.
                         start_local=os.environ.get("LOCAL_START", "09:00"),
                         policy_changes=changes)
    with LocalStack(config) as running:
        yield running


@pytest.fixture(scope="module")
def stack(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    module = request.module
    yield from local_stack(tmp_path_factory, getattr(module, "STACK_LOG_LEVEL", "WARNING"),
                           getattr(module, "STACK_PROFILE", None), getattr(module, "STACK_POLICY_CHANGES", None))


@pytest.fixture(scope="module")
def client(stack: LocalStack) -> DeskClient:
    return desk_client(stack)


def desk_client(stack: LocalStack) -> DeskClient:
    """A client of the stack's desk, reading the stack's own profile."""
    return DeskClient(api_url=stack.config.api_url, aws_url=stack.config.aws_url,
                      stack_name=stack.config.stack_name, policy_profile=stack.profile,
                      dev_data_dir=stack.config.data_dir, timeout=ANSWER_SECONDS, wait_seconds=WAIT_SECONDS)


_counter = iter(range(1, 1_000_000))


@pytest.fixture
def complaint_body() -> dict[str, Any]:
    """A fresh realistic complaint; personal data values are distinctive so leaks can be searched for."""
    n = next(_counter)
    return {
        "channel": "hotline",
        "external_id": f"TEST-{n:06d}",
        "service": "mobile_voice",
        "customer": {"name": "欧阳测试", "phone": f"1391234{n:04d}", "account": f"ACCT-SECRET-{n:05d}"},
        "text": "小区里信号弱，经常掉话，已经持续两周了。",
        "location": {"address": "测试路88号7栋", "area": "test-area", "cell_id": "CELL-77"},
    }
