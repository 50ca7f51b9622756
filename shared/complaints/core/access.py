"""Who an operator is, from the claims of a verified JWT, and what they may see and do.

API Gateway's JWT authorizer (on the local stack, its loopback copy) checks the
token's signature, issuer, audience and expiry before the operator function
runs, and hands the claims on in ``requestContext.authorizer.jwt.claims``.
This module turns those claims into an :class:`Operator`: the agent id from
one claim, the role from another (Cognito's ``cognito:groups`` by default),
and the departments from the desk's roster. The access rules are here too,
as :class:`Operator`'s methods and the checks that refuse with ``Forbidden``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from complaints.core.enums import Role
from complaints.core.errors import Forbidden, Unauthorized
from complaints.core.observability import logger
from complaints.core.policy_sections import Agent
from complaints.core.record import ComplaintRecord

# Ascending authority: a token naming several roles acts with the highest.
ROLES = tuple(Role)


@dataclass(frozen=True)
class Operator:
    agent_id: str
    role: Role
    departments: tuple[str, ...]

    def owns(self, record: ComplaintRecord) -> bool:
        return self.agent_id == record.owner_id

    def leads(self, department: str | None) -> bool:
        """A supervisor (or above) on the department's roster."""
        return self.role.leads and department in self.departments

    def oversees(self, department: str | None) -> bool:
        """Leads the department, or is a manager or admin, who oversee every department."""
        return self.role.across_departments or self.leads(department)

    def works_in(self, department: str | None) -> bool:
        """One of the operator's departments; managers and admins work across them all."""
        return self.role.across_departments or (department is not None and department in self.departments)

    def may_list_work_of(self, agent: Agent | None) -> bool:
        """Managers list anyone's work; a supervisor lists the work of agents who share a department with them."""
        if self.role.across_departments:
            return True
        return self.role.leads and agent is not None and bool(set(agent.departments) & set(self.departments))

    def may_see(self, record: ComplaintRecord) -> bool:
        """Complaints of the operator's departments and those they own; managers see every department,
        supervisors the complaints not yet routed; a department consulted or assisting, while it is."""
        return (self.owns(record) or record.department in self.departments or self.role.across_departments
                or (record.department is None and self.role is Role.SUPERVISOR)
                or bool(record.helping_departments & set(self.departments)))

    def may_see_phone(self, record: ComplaintRecord) -> bool:
        """The owner calls the customer back; the department's leads and managers may too."""
        return self.owns(record) or self.oversees(record.department)


def authorize(operator: Operator, record: ComplaintRecord) -> None:
    """Refuse, and log, an operator who may not see the complaint."""
    if operator.may_see(record):
        return
    logger.warning("access refused", extra={"agent_id": operator.agent_id, "complaint_id": record.complaint_id,
                                            "department": record.department})
    raise Forbidden(f"complaint {record.complaint_id} belongs to {record.department}", record.department)


def require_owner_or_lead(record: ComplaintRecord, operator: Operator, action: str = "do this") -> None:
    if not operator.owns(record) and not operator.leads(record.department):
        raise Forbidden(f"only the owner or a supervisor of {record.department} may {action}", record.department)


def require_lead(record: ComplaintRecord, operator: Operator, action: str) -> None:
    """Only a supervisor of the complaint's department may take this action."""
    if not operator.leads(record.department):
        raise Forbidden(f"only a supervisor of {record.department} {action}", record.department)


def require_quality_checker(record: ComplaintRecord, operator: Operator) -> None:
    """The quality check is a supervisor's of the department, and never the owner's own."""
    require_lead(record, operator, f"checks the handling of complaint {record.complaint_id}")
    if operator.owns(record):
        raise Forbidden("the owner does not check their own handling")


def claim_values(value: Any) -> list[str]:
    """A claim that may hold several values, as API Gateway passes it.

    The HTTP API JWT authorizer flattens an array claim into one string,
    ``"[agent supervisor]"``; other issuers send a JSON array or a
    comma- or space-separated string.
    """
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [str(v).strip() for v in value if str(v).strip()]
    text = str(value).strip()
    if text.startswith("[") and text.endswith("]"):
        try:
            parsed = json.loads(text)
        except ValueError:
            text = text[1:-1]
        else:
            if isinstance(parsed, list):
                return claim_values(parsed)
    return [part for part in text.replace(",", " ").split() if part]


def role_from(claims: Mapping[str, Any], role_claim: str) -> Role:
    named = [Role(role) for role in claim_values(claims.get(role_claim)) if role in ROLES]
    if not named:
        raise Forbidden(f"the token's {role_claim!r} claim names none of the roles {', '.join(ROLES)}")
    return max(named, key=ROLES.index)


def operator_from_claims(
    claims: Mapping[str, Any] | None,
    roster: Callable[[str], Agent | None],
    *,
    agent_claim: str,
    role_claim: str,
) -> Operator:
    """The operator a verified token names; 401 without identity, 403 without a role or a place on the roster."""
    if not claims:
        raise Unauthorized("no verified operator token on the request")
    agent_id = str(claims.get(agent_claim) or "").strip()
    if not agent_id:
        raise Unauthorized(f"the token has no {agent_claim!r} claim naming the agent")
    role = role_from(claims, role_claim)
    agent = roster(agent_id)
    if agent is None:
        if not role.across_departments:  # managers and admins need not be on the roster
            raise Forbidden(f"agent {agent_id!r} is not on the desk's roster")
        return Operator(agent_id, role, ())
    return Operator(agent_id, role, tuple(agent.departments))


def operator_from_event(event: Mapping[str, Any], roster: Callable[[str], Agent | None], *,
                        agent_claim: str, role_claim: str) -> Operator:
    """The operator of an HTTP API (v2) event whose route the JWT authorizer guards."""
    authorizer = (event.get("requestContext") or {}).get("authorizer") or {}
    return operator_from_claims((authorizer.get("jwt") or {}).get("claims"), roster,
                                agent_claim=agent_claim, role_claim=role_claim)
