"""Customer personal data never reaches the logs, through a whole lifecycle at INFO level."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest

from infra.cli.client import DeskClient
from infra.local import scenarios
from infra.local.stack import LocalStack
from tests.integration.conftest import local_stack
from tests.integration.patience import ANSWER_SECONDS, WAIT_SECONDS

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def verbose_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    yield from local_stack(tmp_path_factory, "DEBUG")



def test_logs_of_a_full_lifecycle_hold_no_personal_data(verbose_stack: LocalStack, complaint_body: dict[str, Any],
                                                         capfd: pytest.CaptureFixture[str],
                                                         function_logs: io.StringIO) -> None:
    client = DeskClient(api_url=verbose_stack.config.api_url, aws_url=verbose_stack.config.aws_url,
                        stack_name=verbose_stack.config.stack_name,
                        dev_data_dir=verbose_stack.config.data_dir, timeout=ANSWER_SECONDS, wait_seconds=WAIT_SECONDS)
    cid = client.submit("demo-portal", complaint_body)["complaint_id"]
    owner = scenarios.to_confirmation(client, cid, {"outcome": "resolved", "root_cause": "antenna_tilt",
                                                    "actions": "re-tilted"}, daytime=True)
    scenarios.confirm_fixed(client, cid, owner)
    client.advance_clock(3 * 3600)
    client.tick()  # the survey message goes out after its delay
    # The customer answers by SMS (first with words), and a stranger's SMS matches no survey
    phone, stranger = complaint_body["customer"]["phone"], "13700009876"
    assert client.inbound_sms("sms-gateway", phone, "还行吧")["outcome"] == "unreadable"
    assert client.inbound_sms("sms-gateway", phone, "10")["outcome"] == "recorded"
    assert client.inbound_sms("sms-gateway", stranger, "9")["outcome"] == "unmatched"
    bad = dict(complaint_body, external_id="REFUSED-1", channel="pigeon")
    with pytest.raises(Exception, match="422"):
        client.submit("demo-portal", bad)

    logs = capfd.readouterr()
    text = function_logs.getvalue() + logs.out + logs.err
    assert '"message":"complaint received"' in text and cid in text
    customer = complaint_body["customer"]
    for personal in (customer["name"], customer["phone"], customer["account"], complaint_body["location"]["address"],
                     complaint_body["text"], stranger):
        assert personal not in text
