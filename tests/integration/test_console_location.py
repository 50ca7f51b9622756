"""A property complaint's page on the local stack shows its building, unit and room under the office's names, in
Chinese and English; the same location is nowhere in the workflow's history or the functions' logs."""

from __future__ import annotations

import io
import json
import re

import pytest
import requests

from infra.cli.client import DeskClient
from infra.local.stack import LocalStack
from tests.integration.patience import ANSWER_SECONDS

pytestmark = pytest.mark.integration
STACK_PROFILE = "property"
STACK_LOG_LEVEL = "INFO"  # the tests read the functions' log lines
WHERE = {"area": "maple-garden", "building": "Maple-Court-7", "unit": "East-Stair-2", "room": "Flat-1702B",
         "address": "枫林路88号枫林苑"}
NAMES = {"zh-CN": {"area": "小区", "building": "楼栋", "unit": "单元", "room": "房号", "address": "地址"},
         "en": {"area": "Estate", "building": "Building", "unit": "Unit", "room": "Room", "address": "Address"}}


def _shown(page: str) -> dict[str, tuple[str, str]]:
    found = re.findall(r'<dt>([^<]*)</dt><dd><span class="location" data-location="([a-z_]+)">([^<]*)</span></dd>',
                       page)
    return {name: (term, value) for term, name, value in found}


def test_a_property_complaint_s_page_shows_building_unit_and_room_and_the_history_and_logs_do_not(
        stack: LocalStack, client: DeskClient, capfd: pytest.CaptureFixture[str],
        function_logs: io.StringIO) -> None:
    # Given a leak reported from a flat through the owners' app
    client.to_daytime()
    cid = client.submit("demo-portal", {
        "channel": "owner_app", "external_id": "APP-LOC-1", "text": "楼上漏水，我家卫生间天花板一直在滴水，请派人维修",
        "customer": {"name": "业主位置测试", "phone": "13712340099"}, "location": WHERE})["complaint_id"]
    view = client.wait_for(cid, "mgr-yang", awaiting="acceptance")
    assert view["department"] == "engineering"

    # When its owner opens the complaint in the console, in Chinese and in English
    token = client.dev_token(view["owner_id"])
    for lang, names in NAMES.items():
        page = requests.get(f"{stack.config.api_url}/console/views/complaints/{cid}", params={"lang": lang},
                            headers={"Authorization": f"Bearer {token}"}, timeout=ANSWER_SECONDS)
        # Then each field of the location is shown under the office's own name for it
        assert page.status_code == 200
        assert _shown(page.text) == {name: (names[name], value) for name, value in WHERE.items()}

    # And none of it is in the workflow's history (its events' inputs and outputs) or the functions' logs
    history = json.dumps([{k: v for k, v in event.items() if k.endswith("EventDetails")}
                          for event in client.history(cid)], ensure_ascii=False)
    logs = capfd.readouterr()
    logged = function_logs.getvalue() + logs.out + logs.err
    assert cid in history and cid in logged
    for value in WHERE.values():
        assert value not in history, value
        assert value not in logged, value
