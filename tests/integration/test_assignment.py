"""Assignment with one accountable owner: routing, capacity, transfers, authorization."""

from __future__ import annotations

import copy
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import yaml

from complaints import bootstrap
from complaints.core import clock
from complaints.core.enums import Nature, Priority, Status
from complaints.core.errors import NoAgentAvailable
from complaints.core.policy import POLICY_DIR, Policy
from complaints.core.record import ComplaintRecord
from complaints.core.values import Classification, Customer
from complaints.workflow import steps
from infra.cli.client import ApiError, DeskClient
from infra.local.stack import LocalStack

pytestmark = pytest.mark.integration
DEPARTMENTS = {"network": "network.*", "billing": "billing.*", "service": "*"}


def three_departments() -> Policy:
    """Three departments and eight agents, over the telecom taxonomy."""
    raw = yaml.safe_load((POLICY_DIR / "telecom.yaml").read_text(encoding="utf-8"))
    raw["departments"] = [{"id": d, "name": d, "supervisor": f"sup-{d}", "manager": "mgr"} for d in DEPARTMENTS]
    always = {"shift": "always", "role": "agent"}
    raw["agents"] = [
        {"id": "n1", "name": "n1", "departments": ["network"], "capacity": 3, "areas": ["north-*"], **always},
        {"id": "n2", "name": "n2", "departments": ["network"], "capacity": 3, **always},
        {"id": "n3", "name": "n3", "departments": ["network"], "capacity": 2, "skills": ["network.coverage"], **always},
        {"id": "b1", "name": "b1", "departments": ["billing"], "capacity": 2, **always},
        {"id": "b2", "name": "b2", "departments": ["billing"], "capacity": 2, "languages": ["zh-CN"], **always},
        {"id": "s1", "name": "s1", "departments": ["service"], "capacity": 3, **always},
        {"id": "s2", "name": "s2", "departments": ["service"], "capacity": 3, **always},
        {"id": "s3", "name": "s3", "departments": ["service"], "capacity": 3, "role": "agent", "shift": "03:00-03:01"},
        *({"id": f"sup-{d}", "name": d, "role": "supervisor", "departments": [d], "capacity": 0} for d in DEPARTMENTS),
        {"id": "mgr", "name": "mgr", "role": "manager", "departments": list(DEPARTMENTS), "capacity": 0},
    ]
    for key, category in raw["categories"].items():
        category["department"] = ("network" if key.startswith(("network.", "equipment", "sudden", "broadband"))
                                  else "billing" if key.startswith("billing.") else "service")
    raw["routing"] = [{"category": "broadband.service", "department": "service"}]
    raw["default_department"] = raw["triage"]["department"] = "service"
    raw["clusters"]["department"] = "network"
    raw["appeals"]["department"] = "service"
    # Promises and numbers tied to the profile's own departments do not apply to this desk's.
    raw["promise_rules"] = [rule for rule in raw["promise_rules"] if "departments" not in rule]
    raw["contact"]["departments"] = {}
    return Policy.model_validate(raw)


def _use(policy: Policy) -> None:
    """Run the desk with this policy file and its roster loaded into the table."""
    current = bootstrap.desk()
    current.base_policy = current.staff.base = policy
    current.staff.seed(policy, replace=True)


@pytest.fixture
def policy(stack: LocalStack) -> Any:
    original = bootstrap.desk().base_policy
    _use(three_departments())
    yield bootstrap.desk().policy
    _use(original)


def _record(n: int, category: str, department: str, area: str | None = None) -> ComplaintRecord:
    now = clock.now()
    return ComplaintRecord(
        complaint_id=f"CAP-{category}-{n:03d}-{now.timestamp():.0f}", status=Status.ACKNOWLEDGED, portal_id="test",
        external_id=f"cap-{category}-{n}-{now.timestamp()}", channel="hotline", language="en",
        received_at=now, updated_at=now, customer=Customer(name="x", phone="+8613800000000"), customer_key="k",
        text="x", location={"area": area} if area else None, department=department,
        classification=Classification(category=category, nature=Nature.VALID, priority=Priority.NORMAL,
                                      confidence=1.0, department=department))


def test_every_category_routes_to_its_department(policy: Policy) -> None:
    for key, category in policy.categories.items():
        expected = "service" if key == "broadband.service" else category.department
        assert policy.route(key, None, Priority.NORMAL, "hotline") == expected


def test_skills_areas_languages_and_shifts_decide_who_may_own_it(policy: Policy) -> None:
    current = bootstrap.desk()
    from complaints.triage.assignment import candidates

    def who(category: str, department: str, area: str | None = None, language: str = "en") -> set[str]:
        record = _record(0, category, department, area)
        record.language = language
        return {a.id for a in candidates(current, record)}

    assert who("network.data", "network") == {"n1", "n2"}  # n1 covers any area when none is known
    assert who("network.data", "network", "south-3") == {"n2"}  # n1 covers north-* only; n3 lacks the skill
    assert who("network.coverage", "network", "north-1") == {"n1", "n2", "n3"}
    assert who("billing.package", "billing") == {"b1"}  # b2 speaks zh-CN only
    assert who("billing.package", "billing", language="zh-CN") == {"b1", "b2"}
    assert who("service.attitude", "service") == {"s1", "s2"}  # s3 is off duty


def test_capacity_holds_under_100_concurrent_assignments(policy: Policy) -> None:
    current = bootstrap.desk()
    records = [_record(n, "network.coverage", "network", "north-1") for n in range(100)]
    for record in records:
        current.complaints.create(record, record.complaint_id, [])

    def assign(record: ComplaintRecord) -> str | None:
        try:
            return str(steps.assign_step(current, record.complaint_id)["owner_id"])
        except NoAgentAvailable:
            return None

    with ThreadPoolExecutor(max_workers=20) as pool:
        owners = list(pool.map(assign, records))
    assigned = [o for o in owners if o]
    capacity = {"n1": 3, "n2": 3, "n3": 2}
    assert len(assigned) == sum(capacity.values())
    loads = current.loads.of(list(capacity))
    for agent, room in capacity.items():
        assert assigned.count(agent) == room  # nobody over capacity, and every seat used
        assert loads[agent]["open_count"] == room  # the counters are exact
    stored = [current.complaints.get(r.complaint_id).owner_id for r in records]
    assert sorted(o for o in stored if o) == sorted(assigned)


def _transfer(client: DeskClient, cid: str, agent: str, **body: Any) -> dict[str, Any]:
    return client.act(cid, "transfer", agent, {"reason": "not ours", **body})


def test_a_bounce_back_goes_to_the_supervisor_flagged_as_passing_around(
        client: DeskClient, complaint_body: dict[str, Any]) -> None:
    cid = client.submit("demo-portal", complaint_body)["complaint_id"]
    owner = client.wait_for(cid, "mgr-qian", awaiting="acceptance")["owner_id"]  # network_optimisation
    _transfer(client, cid, owner, department="maintenance")
    maintenance_owner = client.wait_for(cid, "mgr-qian", awaiting="acceptance")["owner_id"]
    assert client.show(cid, "mgr-qian")["department"] == "maintenance"
    answer = _transfer(client, cid, maintenance_owner, department="network_optimisation")
    assert "passing around" in answer["message"]
    view = client.wait_for(cid, "mgr-qian", awaiting="assignment")
    assert view["passing_around"] is True and view["owner_id"] is None
    flag = next(e for e in view["timeline"] if e["type"] == "passing_around")
    assert flag["detail"]["why"] == "bounced back"
    client.act(cid, "assign", "sup-sun", {"agent_id": "a-zhou"})
    assert client.wait_for(cid, "mgr-qian", awaiting="acceptance")["owner_id"] == "a-zhou"


def test_a_to_b_to_c_is_flagged_at_the_second_hop_with_the_defaults(
        client: DeskClient, complaint_body: dict[str, Any]) -> None:
    cid = client.submit("demo-portal", complaint_body)["complaint_id"]
    owner = client.wait_for(cid, "mgr-qian", awaiting="acceptance")["owner_id"]  # A: network_optimisation
    _transfer(client, cid, owner, department="maintenance")  # A -> B
    second = client.wait_for(cid, "mgr-qian", awaiting="acceptance")["owner_id"]
    answer = _transfer(client, cid, second, department="billing")  # B -> C: flagged, the supervisor assigns
    assert "passing around" in answer["message"]
    view = client.wait_for(cid, "mgr-qian", awaiting="assignment")
    assert view["passing_around"] and view["transfer_count"] == 2 and view["department"] == "maintenance"
    flag = next(e for e in view["timeline"] if e["type"] == "passing_around")
    assert flag["detail"]["why"] == "too many transfers" and flag["detail"]["wanted"] == "billing"


def test_a_ping_pong_within_a_team_is_flagged_at_its_first_return(
        client: DeskClient, complaint_body: dict[str, Any]) -> None:
    body = copy.deepcopy(complaint_body)
    cid = client.submit("demo-portal", body)["complaint_id"]
    owner = client.wait_for(cid, "mgr-qian", awaiting="acceptance")["owner_id"]
    _transfer(client, cid, owner, agent_id="a-liu" if owner != "a-liu" else "a-wang")  # within the team: no hop
    second = client.wait_for(cid, "mgr-qian", awaiting="acceptance")["owner_id"]
    client.act(cid, "accept", second)
    client.wait_for(cid, second, awaiting="resolution")
    answer = _transfer(client, cid, second, agent_id=owner)  # straight back: ping-pong
    assert "passing around" in answer["message"]
    view = client.wait_for(cid, "mgr-qian", awaiting="assignment")
    assert view["passing_around"] and view["transfer_count"] == 2
    flag = next(e for e in view["timeline"] if e["type"] == "passing_around")
    assert flag["detail"]["why"] == "back to an agent who passed it on"


def test_an_agent_of_another_department_is_refused(client: DeskClient, complaint_body: dict[str, Any]) -> None:
    cid = client.submit("demo-portal", complaint_body)["complaint_id"]
    owner = client.wait_for(cid, "mgr-qian", awaiting="acceptance")["owner_id"]  # network_optimisation
    for call in (lambda: client.show(cid, "a-wu"), lambda: client.act(cid, "accept", "a-wu"),
                 lambda: client.list("a-wu", queue="network_optimisation")):
        with pytest.raises(ApiError) as refused:
            call()
        assert refused.value.status == 403
    assert client.show(cid, owner)["complaint_id"] == cid


def test_managers_change_the_roster_and_assignment_follows(stack: LocalStack, client: DeskClient,
                                                          complaint_body: dict[str, Any]) -> None:
    roster = {a["id"]: a for a in client._call("GET", "/v1/admin/agents", agent="mgr-qian")}
    assert {"a-wu", "sup-zhao"} <= set(roster)
    agent = {"name": "Gao Yan", "departments": ["billing"], "capacity": 5}
    with pytest.raises(ApiError) as refused:
        client._call("PUT", "/v1/admin/agents/a-gao", agent="a-wu", json=agent)
    assert refused.value.status == 403
    with pytest.raises(ApiError) as unknown:
        client._call("PUT", "/v1/admin/agents/a-gao", agent="mgr-qian", json=dict(agent, departments=["nowhere"]))
    assert unknown.value.status == 400 and "nowhere" in unknown.value.body["message"]
    # A new billing agent joins and Wu Fang's capacity drops to nothing: billing work goes to the new agent.
    client._call("PUT", "/v1/admin/agents/a-gao", agent="mgr-qian", json=agent)
    wu = {k: v for k, v in roster["a-wu"].items() if k != "id"}
    client._call("PUT", "/v1/admin/agents/a-wu", agent="mgr-qian", json=dict(wu, capacity=0))
    # Each warm container reads the roster again within a minute; new containers read it at once.
    stack.recycle()
    try:
        body = dict(complaint_body, service="billing", text="没有订购任何业务却被乱扣费，要求退费", location=None)
        cid = client.submit("demo-portal", body)["complaint_id"]
        assert client.wait_for(cid, "mgr-qian", awaiting="acceptance")["owner_id"] == "a-gao"
        assert client.show(cid, "a-gao")["department"] == "billing"
    finally:
        client._call("PUT", "/v1/admin/agents/a-wu", agent="mgr-qian", json=wu)
        stack.recycle()
