"""Operator identity from the claims of a verified JWT.

API Gateway's JWT authorizer (on the local stack, its loopback copy) checks the
token's signature, issuer, audience and expiry before the operator function
runs, and hands the claims on in ``requestContext.authorizer.jwt.claims``.
This module turns those claims into an :class:`Operator`: the agent id from
one claim, the role from another (Cognito's ``cognito:groups`` by default),
and the departments from the desk's roster.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from complaints.core.errors import Forbidden, Unauthorized
from complaints.core.policy_sections import Agent

# Ascending authority: a token naming several roles acts with the highest.
ROLES = ("agent", "supervisor", "manager", "admin")
# Managers and admins act across departments; they need not be on the roster.
ROSTER_OPTIONAL = ("manager", "admin")


@dataclass(frozen=True)
class Operator:
    agent_id: str
    role: str
    departments: tuple[str, ...]


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


def role_from(claims: Mapping[str, Any], role_claim: str) -> str:
    named = [role for role in claim_values(claims.get(role_claim)) if role in ROLES]
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
        if role not in ROSTER_OPTIONAL:
            raise Forbidden(f"agent {agent_id!r} is not on the desk's roster")
        return Operator(agent_id, role, ())
    return Operator(agent_id, role, tuple(agent.departments))


def operator_from_event(event: Mapping[str, Any], roster: Callable[[str], Agent | None], *,
                        agent_claim: str, role_claim: str) -> Operator:
    """The operator of an HTTP API (v2) event whose route the JWT authorizer guards."""
    authorizer = (event.get("requestContext") or {}).get("authorizer") or {}
    return operator_from_claims((authorizer.get("jwt") or {}).get("claims"), roster,
                                agent_claim=agent_claim, role_claim=role_claim)
