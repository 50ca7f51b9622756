"""Operator authentication: the development bearer-token scheme.

The token names the acting agent and is signed with the deployment's signing
secret. It is the one place that knows the scheme, so a JWT authorizer can
replace it without touching the handlers.
"""

from __future__ import annotations

from dataclasses import dataclass

from complaints import tokens
from complaints.errors import Unauthorized
from complaints.policy import Policy
from complaints.secrets import derive_key, signing_key

OPERATOR_TOKEN_PURPOSE = "operator-token"


@dataclass(frozen=True)
class Operator:
    agent_id: str
    role: str
    departments: tuple[str, ...]


def issue_token(agent_id: str, secret: str) -> str:
    """Mint a token for an agent with the deployment's signing secret (the CLI does, for development)."""
    return tokens.sign(f"agent:{agent_id}", derive_key(secret, OPERATOR_TOKEN_PURPOSE))


def authenticate(authorization: str | None, policy: Policy, secret_name: str) -> Operator:
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized("missing bearer token")
    payload = tokens.verify(token.strip(), signing_key(secret_name, OPERATOR_TOKEN_PURPOSE))
    if payload is None or not payload.startswith("agent:"):
        raise Unauthorized("invalid bearer token")
    agent = policy.agent(payload.removeprefix("agent:"))
    if agent is None:
        raise Unauthorized("token names an unknown agent")
    return Operator(agent.id, agent.role, tuple(agent.departments))
