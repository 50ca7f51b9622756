"""Operators' JWTs on the local stack: checked as API Gateway's JWT authorizer checks them.

Signature, issuer, audience and expiry are the authorizer's (401, the function
never runs); the role and the roster are the operator function's (403).
"""

from __future__ import annotations

import time
from typing import Any

import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa

from infra.cli.client import DeskClient
from infra.local.oidc import DevIssuer
from infra.local.stack import LocalStack
from tests.integration.patience import ANSWER_SECONDS


@pytest.fixture(scope="module")
def issuer(stack: LocalStack) -> DevIssuer:
    return DevIssuer.load(stack.config.data_dir)


def _get(stack: LocalStack, path: str, token: str | None) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return requests.get(stack.config.api_url + path, headers=headers, timeout=ANSWER_SECONDS)


def test_a_valid_token_reaches_the_operator_api(stack: LocalStack, issuer: DevIssuer) -> None:
    answer = _get(stack, "/v1/complaints?queue=billing", issuer.mint("sup-zhao", ["supervisor"]))
    assert answer.status_code == 200, answer.text


@pytest.mark.parametrize("header", [None, "", "Bearer", "Bearer not-a-jwt", "Basic c3VwLXpoYW86eA=="])
def test_no_usable_token_is_401(stack: LocalStack, header: str | None) -> None:
    headers = {"Authorization": header} if header is not None else {}
    answer = requests.get(stack.config.api_url + "/v1/complaints", headers=headers, timeout=ANSWER_SECONDS)
    assert answer.status_code == 401
    assert answer.json() == {"message": "Unauthorized"}


def test_a_token_signed_with_another_key_is_401(stack: LocalStack, issuer: DevIssuer) -> None:
    impostor = DevIssuer(rsa.generate_private_key(public_exponent=65537, key_size=2048), issuer.issuer, issuer.audience)
    forged = impostor.mint("sup-zhao", ["admin"])
    assert _get(stack, "/v1/complaints", forged).status_code == 401
    # Same claims under the real key id: the signature itself is what fails.
    claims = jwt.decode(forged, options={"verify_signature": False})
    resigned = jwt.encode(claims, impostor.private_key, algorithm="RS256", headers={"kid": issuer.kid})
    assert _get(stack, "/v1/complaints", resigned).status_code == 401


def test_an_altered_token_is_401(stack: LocalStack, issuer: DevIssuer) -> None:
    header, payload, signature = issuer.mint("a-chen", ["agent"]).split(".")
    claims = jwt.utils.base64url_decode(payload).replace(b'"agent"', b'"admin"')
    altered = ".".join([header, jwt.utils.base64url_encode(claims).decode(), signature])
    assert _get(stack, "/v1/complaints", altered).status_code == 401


def test_unsigned_and_symmetric_tokens_are_401(stack: LocalStack, issuer: DevIssuer) -> None:
    claims: dict[str, Any] = jwt.decode(issuer.mint("sup-zhao", ["admin"]), options={"verify_signature": False})
    unsigned = jwt.encode(claims, "", algorithm="none", headers={"kid": issuer.kid})  # "": no key
    assert _get(stack, "/v1/complaints", unsigned).status_code == 401
    public_pem = issuer.jwks()["keys"][0]["n"]  # a key anyone can read, used as an HMAC secret
    symmetric = jwt.encode(claims, public_pem, algorithm="HS256", headers={"kid": issuer.kid})
    assert _get(stack, "/v1/complaints", symmetric).status_code == 401


def test_an_expired_token_is_401(stack: LocalStack, issuer: DevIssuer) -> None:
    expired = issuer.mint("sup-zhao", ["supervisor"], ttl_seconds=60, issued_at=int(time.time()) - 120)
    assert _get(stack, "/v1/complaints", expired).status_code == 401


def test_a_token_for_another_audience_or_issuer_is_401(stack: LocalStack, issuer: DevIssuer) -> None:
    assert _get(stack, "/v1/complaints", issuer.mint("sup-zhao", ["supervisor"], audience="another-app")
                ).status_code == 401
    elsewhere = DevIssuer(issuer.private_key, "https://login.example.com", issuer.audience)
    assert _get(stack, "/v1/complaints", elsewhere.mint("sup-zhao", ["supervisor"])).status_code == 401


def test_a_role_without_the_right_is_403(stack: LocalStack, issuer: DevIssuer, client: DeskClient) -> None:
    agent = issuer.mint("a-chen", ["agent"])
    assert _get(stack, "/v1/reports/verification?from=2026-11-01&to=2026-11-30", agent).status_code == 403
    body: dict[str, Any] = {"name": "New Agent", "role": "agent", "departments": ["billing"], "capacity": 5}
    refused = requests.put(f"{stack.config.api_url}/v1/admin/agents/a-new", json=body,
                           headers={"Authorization": f"Bearer {agent}"}, timeout=ANSWER_SECONDS)
    assert refused.status_code == 403
    # The same request with a manager's token is allowed: the role is what decided.
    manager = issuer.mint("mgr-qian", ["manager"])
    allowed = requests.put(f"{stack.config.api_url}/v1/admin/agents/a-new", json=body,
                           headers={"Authorization": f"Bearer {manager}"}, timeout=ANSWER_SECONDS)
    assert allowed.status_code == 200, allowed.text


def test_the_token_not_the_roster_sets_the_role(stack: LocalStack, issuer: DevIssuer) -> None:
    # sup-zhao leads on the roster, but a token that only says "agent" acts as an agent.
    path = "/v1/reports/verification?from=2026-11-01&to=2026-11-30"
    assert _get(stack, path, issuer.mint("sup-zhao", ["agent"])).status_code == 403
    assert _get(stack, path, issuer.mint("sup-zhao", ["agent", "supervisor"])).status_code == 200


def test_no_desk_role_or_no_place_on_the_roster_is_403(stack: LocalStack, issuer: DevIssuer) -> None:
    assert _get(stack, "/v1/complaints", issuer.mint("sup-zhao", ["billing-team"])).status_code == 403
    assert _get(stack, "/v1/complaints", issuer.mint("stranger", ["agent"])).status_code == 403
    # Managers and admins act across departments and need no roster entry.
    assert _get(stack, "/v1/admin/agents", issuer.mint("ops-admin", ["admin"])).status_code == 200


def test_portals_and_customers_need_no_operator_token(stack: LocalStack) -> None:
    assert requests.get(stack.config.api_url + "/v1/openapi.json", timeout=ANSWER_SECONDS).status_code == 200
    # A customer's link is its own credential: a bad one is 404/410, never the authorizer's 401.
    assert requests.get(stack.config.api_url + "/v1/surveys/not-a-token", timeout=ANSWER_SECONDS).status_code != 401
