"""Every policy profile runs the whole lifecycle on the local stack: one engine, three desks."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from complaints.core.enums import Priority
from complaints.core.policy import load_policy
from infra.local import scenarios
from infra.local.stack import LocalStack
from tests.integration.conftest import desk_client, local_stack

pytestmark = pytest.mark.integration

# A complaint each desk meets every day, where the customer wants it fixed, and what its handler reports.
STORIES: dict[str, tuple[dict[str, Any], str, str]] = {
    "telecom": ({"channel": "hotline", "service": "mobile_voice", "text": "我家里信号弱，打电话经常掉话，请尽快处理",
                 "location": {"area": "haidian-xueyuan", "cell_id": "BJ-HD-4412"},
                 "device": {"model": "Mate 60", "network": "5G"}},
                "network.coverage", "antenna_tilt"),
    "property": ({"channel": "owner_app", "text": "卫生间水管漏水，已经渗到楼下了，请尽快派师傅来修",
                  "location": {"area": "lanting-garden", "building": "5", "unit": "1", "room": "302"}},
                 "property.repair", "pipe_ageing"),
    "hospital": ({"channel": "wechat", "text": "挂号系统总是挂不上专家号，排队排了三个小时还没轮到，请门诊部改进",
                  "location": {"campus": "main", "ward": "outpatient-hall"}},
                 "hospital.waiting", "capacity_limit"),
}


@pytest.fixture(scope="module", params=sorted(STORIES))
def stack(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    yield from local_stack(tmp_path_factory, "WARNING", profile=request.param)


def test_the_whole_lifecycle_runs_on_the_profile(stack: LocalStack) -> None:
    client = desk_client(stack)
    body, category, root_cause = STORIES[stack.profile]
    policy = load_policy(stack.profile)
    manager = scenarios.manager(client)
    client.to_daytime()
    cid = client.submit("demo-portal", {**body, "external_id": f"{stack.profile}-1",
                                        "customer": {"name": "测试客户", "phone": "13912340001"}})["complaint_id"]

    # Classified by the profile's own taxonomy, routed to its department, its own promises made
    view = client.wait_for(cid, manager, awaiting="acceptance")
    assert view["category"] == category
    assert view["department"] == policy.route(category, body["location"].get("area"), Priority(view["priority"]),
                                              body["channel"])
    assert {p["kind"] for p in view["promises"]} <= set(policy.promise_kinds)

    # Accepted, resolved with one of the profile's root causes, confirmed by the customer, surveyed, closed
    owner = scenarios.accept(client, cid)
    scenarios.resolve(client, cid, owner, {"outcome": "resolved", "root_cause": root_cause, "actions": "fixed it"},
                      checked_by=manager)
    client.to_daytime()
    scenarios.close_and_rate(stack, client, cid, owner, 10)
    assert client.wait_for(cid, owner, status="closed")["survey"]["score"] == 10
    execution = client.execution(cid)
    for _ in range(100):
        if execution["status"] != "RUNNING":
            break
        client.wait_for(cid, owner, status="closed", timeout=0.1)
        execution = client.execution(cid)
    assert execution["status"] == "SUCCEEDED"

    # The customer was told who handles it on the profile's own numbers
    handler = [m["text"] for m in stack.outbox() if m["complaint_id"] == cid and m["template"] == "handler"]
    assert policy.contact is not None
    assert handler and policy.contact.of(view["department"]).phone in handler[0]
