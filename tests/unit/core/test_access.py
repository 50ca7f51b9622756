"""Who may see and act on a complaint: the access rules as the operator's methods."""

from __future__ import annotations

import pytest

from complaints.core.access import (
    Operator,
    authorize,
    require_lead,
    require_owner_or_lead,
    require_quality_checker,
)
from complaints.core.enums import Role
from complaints.core.errors import Forbidden
from complaints.core.record import ComplaintRecord

OWNER = Operator("a-wang", Role.AGENT, ("network_optimisation",))
COLLEAGUE = Operator("a-liu", Role.AGENT, ("network_optimisation",))
STRANGER = Operator("a-wu", Role.AGENT, ("billing",))
LEAD = Operator("sup-sun", Role.SUPERVISOR, ("network_optimisation",))
OTHER_LEAD = Operator("sup-zhao", Role.SUPERVISOR, ("billing",))
MANAGER_OFF_ROSTER = Operator("boss", Role.MANAGER, ())


def _record(department: str | None = "network_optimisation", owner: str | None = "a-wang") -> ComplaintRecord:
    at = "2026-11-20T02:00:00Z"
    return ComplaintRecord.model_validate({
        "complaint_id": "C1", "status": "in_progress", "portal_id": "p", "external_id": "x", "channel": "web",
        "language": "en", "received_at": at, "updated_at": at, "customer": {"name": "Li", "phone": "+8613800138000"},
        "customer_key": "k", "text": "no signal", "department": department, "owner_id": owner})


def test_roles_rise_in_authority_and_only_managers_and_admins_cross_departments() -> None:
    assert list(Role) == ["agent", "supervisor", "manager", "admin"]
    assert [r.leads for r in Role] == [False, True, True, True]
    assert [r.across_departments for r in Role] == [False, False, True, True]


@pytest.mark.parametrize(("operator", "sees", "sees_phone"), [
    (OWNER, True, True), (COLLEAGUE, True, False), (STRANGER, False, False), (LEAD, True, True),
    (OTHER_LEAD, False, False), (MANAGER_OFF_ROSTER, True, True),
])
def test_who_sees_a_complaint_and_its_phone_number(operator: Operator, sees: bool, sees_phone: bool) -> None:
    record = _record()
    assert operator.may_see(record) is sees and operator.may_see_phone(record) is sees_phone
    if not sees:
        with pytest.raises(Forbidden, match="belongs to network_optimisation"):
            authorize(operator, record)


def test_any_supervisor_sees_a_complaint_not_yet_routed_but_an_agent_does_not() -> None:
    unrouted = _record(department=None, owner=None)
    assert OTHER_LEAD.may_see(unrouted) and not STRANGER.may_see(unrouted)


def test_the_owner_or_a_lead_of_the_department_acts_and_names_the_action_when_refused() -> None:
    record = _record()
    require_owner_or_lead(record, OWNER)
    require_owner_or_lead(record, LEAD)
    with pytest.raises(Forbidden, match="only the owner or a supervisor of network_optimisation may move a promise"):
        require_owner_or_lead(record, COLLEAGUE, "move a promise")
    with pytest.raises(Forbidden, match="only a supervisor of network_optimisation may review complaint C1"):
        require_lead(record, MANAGER_OFF_ROSTER, "may review complaint C1")  # a lead must be on the roster


def test_the_quality_check_is_a_lead_of_the_department_and_never_the_owner() -> None:
    require_quality_checker(_record(), LEAD)
    with pytest.raises(Forbidden, match="checks the handling of complaint C1"):
        require_quality_checker(_record(), OTHER_LEAD)
    own = _record(owner="sup-sun")
    with pytest.raises(Forbidden, match="the owner does not check their own handling"):
        require_quality_checker(own, LEAD)
