"""The roster: seeded from the policy once, then the table's; changes reach the desk and unknown departments don't."""

from __future__ import annotations

import pytest

from complaints.core.errors import BadRequest
from complaints.desk.context import Desk


def test_the_roster_comes_from_the_table_and_a_change_is_seen_at_once(desk: Desk) -> None:
    agent = desk.policy.agent("a-wang")
    assert agent is not None

    desk.staff.put_agent(agent.model_copy(update={"capacity": 1}))

    changed = desk.policy.agent("a-wang")
    assert changed is not None and changed.capacity == 1
    assert desk.base_policy.agent("a-wang") == agent  # the policy file stays as it was


def test_an_agent_of_an_unknown_department_is_refused_and_not_stored(desk: Desk) -> None:
    agent = desk.policy.agent("a-wang")
    assert agent is not None

    with pytest.raises(BadRequest, match="unknown"):
        desk.staff.put_agent(agent.model_copy(update={"id": "a-new", "departments": ["nowhere"]}))

    assert desk.policy.agent("a-new") is None


def test_seeding_again_keeps_the_tables_changes_unless_told_to_replace(desk: Desk) -> None:
    agent = desk.policy.agent("a-wang")
    assert agent is not None
    desk.staff.put_agent(agent.model_copy(update={"capacity": 2}))

    desk.staff.seed(desk.base_policy)
    kept = desk.policy.agent("a-wang")
    assert kept is not None and kept.capacity == 2

    desk.staff.seed(desk.base_policy, replace=True)
    assert desk.policy.agent("a-wang") == desk.base_policy.agent("a-wang")
