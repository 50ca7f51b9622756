"""The local stack's own lifecycle: a start that fails half way leaves nothing bound, locked or running."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from infra.cli.client import DeskClient
from infra.local.stack import LocalStack, StackConfig
from tests.integration.patience import ANSWER_SECONDS, WAIT_SECONDS

pytestmark = pytest.mark.integration


def test_a_start_that_fails_half_way_frees_its_ports_and_data_and_the_stack_starts_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = StackConfig(aws_port=0, api_port=0, tick_schedule=False, data_dir=tmp_path / "local",
                         log_level="WARNING", policy_changes={"quality_check": {"sample_rate": 0.0}})
    stack = LocalStack(config)

    def failing_warm_up(self: LocalStack) -> None:
        raise RuntimeError("a function failed its first invocation")

    # After the ports are bound, the tables made and the functions' containers created: the latest point of start
    # at which a fault of the template or the code shows.
    monkeypatch.setattr(LocalStack, "_warm_up", failing_warm_up)
    with pytest.raises(RuntimeError, match="first invocation"):
        stack.start()
    ports = (config.aws_port, config.api_port)  # the ports the failed start had bound, written back
    assert 0 not in ports
    schedules = list(stack.schedules)  # the functions were made before the warm-up failed
    assert schedules
    for port in ports:
        with socket.socket() as probe:  # a listening socket left behind would refuse this
            probe.bind((config.host, port))

    # The same stack starts on the same ports and data directory (whose lock the failed start released) and works.
    monkeypatch.undo()
    with stack:
        assert (config.aws_port, config.api_port) == ports
        assert stack.schedules == schedules  # made anew, not added to: each schedule runs once a tick
        with pytest.raises(RuntimeError, match="running already"):
            stack.start()  # a second start is refused and leaves the running stack alone
        client = DeskClient(api_url=config.api_url, aws_url=config.aws_url, stack_name=config.stack_name,
                            policy_profile=stack.profile, dev_data_dir=config.data_dir, timeout=ANSWER_SECONDS,
                            wait_seconds=WAIT_SECONDS)
        answer = client.submit("demo-portal", {
            "channel": "hotline", "external_id": "LIFECYCLE-1", "service": "mobile_voice",
            "customer": {"name": "测试", "phone": "13800000001"}, "text": "家里手机信号很差，打电话经常断，请尽快处理",
            "location": {"address": "测试路1号", "area": "test-area"}})
        assert client.portal_read("demo-portal", "LIFECYCLE-1")["complaint_id"] == answer["complaint_id"]
    stack.stop()  # stopping again does nothing more


def test_a_stopped_stack_leaves_the_process_s_environment_as_it_found_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")  # the process's own, before the stack
    monkeypatch.delenv("TABLE_NAME", raising=False)
    before = dict(os.environ)
    config = StackConfig(aws_port=0, api_port=0, tick_schedule=False, data_dir=tmp_path / "local",
                         log_level="WARNING")
    with LocalStack(config):
        assert os.environ["AWS_DEFAULT_REGION"] == config.region  # the stack's process sees the functions' settings
        assert os.environ["TABLE_NAME"]
    assert dict(os.environ) == before  # a test or a stack started after it sees none of this stack's settings
