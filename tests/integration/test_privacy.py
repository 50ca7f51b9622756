"""Customer personal data never reaches the logs, through a whole lifecycle at INFO level."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from infra.cli.client import DeskClient
from infra.local.stack import LocalStack
from tests.integration.conftest import local_stack

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def verbose_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    yield from local_stack(tmp_path_factory, "DEBUG")


def test_logs_of_a_full_lifecycle_hold_no_personal_data(verbose_stack: LocalStack, complaint_body: dict[str, Any],
                                                         capfd: pytest.CaptureFixture[str]) -> None:
    client = DeskClient(api_url=verbose_stack.config.api_url, aws_url=verbose_stack.config.aws_url,
                        stack_name=verbose_stack.config.stack_name)
    cid = client.submit("demo-portal", complaint_body)["complaint_id"]
    owner = str(client.wait_for(cid, "mgr-qian", awaiting="acceptance")["owner_id"])
    client.act(cid, "accept", owner)
    client.wait_for(cid, owner, awaiting="resolution")
    client.act(cid, "resolve", owner, {"outcome": "resolved", "root_cause": "tilt", "actions": "re-tilted"})
    client.wait_for(cid, owner, awaiting="confirmation")
    client.act(cid, "callbacks", owner, {"outcome": "fixed"})
    client.wait_for(cid, owner, awaiting="survey")
    bad = dict(complaint_body, external_id="REFUSED-1", channel="pigeon")
    with pytest.raises(Exception, match="422"):
        client.submit("demo-portal", bad)

    logs = capfd.readouterr()
    text = logs.out + logs.err
    assert '"message":"complaint received"' in text and cid in text
    customer = complaint_body["customer"]
    for personal in (customer["name"], customer["phone"], customer["account"], complaint_body["location"]["address"],
                     complaint_body["text"]):
        assert personal not in text
