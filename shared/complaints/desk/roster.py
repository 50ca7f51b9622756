"""Departments and agents as data: read from the table, seeded from the policy on a fresh deployment.

The policy file's departments and agents are the starting roster; once they
are in the table, managers change them through the admin endpoint and the CLI
without a deploy. Each function reads the roster once a minute at most, so a
change reaches every warm container within that time.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from complaints.adapters.dynamodb import StaffRoster
from complaints.core.errors import BadRequest
from complaints.core.policy import Policy
from complaints.core.policy_sections import Agent, Department

TTL_SECONDS = 60.0


class StaffDirectory:
    def __init__(self, roster: StaffRoster, base: Policy) -> None:
        self.roster = roster
        self.base = base
        self._lock = threading.Lock()
        self._cached: tuple[float, Policy] | None = None

    def effective(self) -> Policy:
        """The policy with the roster as it stands in the table."""
        with self._lock:
            if self._cached and time.monotonic() - self._cached[0] < TTL_SECONDS:
                return self._cached[1]
        rows = self.roster.rows()
        if not rows:
            self.seed(self.base)
            rows = self.roster.rows()
        departments = [Department.model_validate(r["data"]) for r in rows if r["kind"] == "department"]
        agents = [Agent.model_validate(r["data"]) for r in rows if r["kind"] == "agent"]
        order = {a.id: n for n, a in enumerate(self.base.agents)}
        agents.sort(key=lambda a: (order.get(a.id, len(order)), a.id))
        policy = self.base.model_copy(update={"departments": departments, "agents": agents})
        with self._lock:
            self._cached = (time.monotonic(), policy)
        return policy

    def invalidate(self) -> None:
        with self._lock:
            self._cached = None

    def seed(self, policy: Policy, *, replace: bool = False) -> None:
        """Write the policy's roster; without replace, only what the table does not have yet."""
        if replace:
            keep = {("department", d.id) for d in policy.departments} | {("agent", a.id) for a in policy.agents}
            for row in self.roster.rows():
                if (row["kind"], row["id"]) not in keep:
                    self.roster.delete(row["kind"], row["id"])
        for department in policy.departments:
            self.roster.put("department", department.id, department.model_dump(), create_only=not replace)
        for agent in policy.agents:
            self.roster.put("agent", agent.id, agent.model_dump(), create_only=not replace)
        self.invalidate()

    def put_agent(self, agent: Agent) -> Agent:
        known = {d.id for d in self.effective().departments}
        unknown = sorted(set(agent.departments) - known)
        if unknown:
            raise BadRequest(f"departments: unknown {unknown}")
        self.roster.put("agent", agent.id, agent.model_dump(), create_only=False)
        self.invalidate()
        return agent

    def agents(self) -> list[dict[str, Any]]:
        return [a.model_dump() for a in self.effective().agents]
