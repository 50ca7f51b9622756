from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from complaints.adapters.signing_keys import derive_key, mask_phone
from complaints.core import tokens
from complaints.core.access import Operator, claim_values, operator_from_claims
from complaints.core.enums import Role
from complaints.core.errors import Forbidden, InvalidField, Unauthorized
from complaints.core.phones import to_e164
from complaints.core.policy import POLICY_DIR, Policy, load_policy


def test_a_signed_token_verifies_only_with_its_key() -> None:
    key, other = derive_key("s3cret", "survey-link"), derive_key("s3cret", "operator-token")
    token = tokens.sign("C20261122-ABC123:nonce", key)
    assert tokens.verify(token, key) == "C20261122-ABC123:nonce"
    assert tokens.verify(token, other) is None
    body, _, signature = token.partition(".")
    assert tokens.verify(body + "x." + signature, key) is None
    assert tokens.verify("garbage", key) is None


@pytest.mark.parametrize("raw, region, e164", [
    ("138 1234 5678", "CN", "+8613812345678"),
    ("+86 138-1234-5678", "CN", "+8613812345678"),
    ("010 6552 9988", "CN", "+861065529988"),
    ("(020) 7946 0958", "GB", "+442079460958"),
])
def test_phone_numbers_become_e164_with_the_portal_region(raw: str, region: str, e164: str) -> None:
    assert to_e164(raw, region) == e164


def test_an_impossible_phone_number_names_the_field() -> None:
    with pytest.raises(InvalidField) as refused:
        to_e164("12345", "CN")
    assert refused.value.field == "customer.phone"
    assert mask_phone("+8613812345678") == "+86138****5678"


def _policy() -> dict[str, Any]:
    return yaml.safe_load((POLICY_DIR / "telecom.yaml").read_text(encoding="utf-8"))


def test_the_shipped_policy_is_valid() -> None:
    Policy.model_validate(_policy())


@pytest.mark.parametrize("break_it, message", [
    (lambda p: p["categories"]["network.coverage"].update(department="nowhere"), "unknown department"),
    (lambda p: p["promises"]["normal"].update(solution="7 days"), "not like"),
    (lambda p: p["departments"][0].update(supervisor="nobody"), "unknown person"),
    (lambda p: p["categories"].pop("other"), "'other' category"),
])
def test_a_broken_policy_is_refused_at_load(break_it: Any, message: str) -> None:
    policy = _policy()
    break_it(policy)
    with pytest.raises(ValidationError, match=message):
        Policy.model_validate(policy)


@pytest.mark.parametrize(("value", "expected"), [
    ("[agent supervisor]", ["agent", "supervisor"]),  # API Gateway's flattened array claim
    ('["manager"]', ["manager"]),
    (["admin", "agent"], ["admin", "agent"]),
    ("agent,supervisor", ["agent", "supervisor"]),
    ("agent", ["agent"]),
    ("[]", []),
    (None, []),
])
def test_claim_values(value: object, expected: list[str]) -> None:
    assert claim_values(value) == expected


def test_operator_from_claims() -> None:
    policy = load_policy("telecom")

    def who(claims: dict[str, str] | None) -> Operator:
        return operator_from_claims(claims, policy.agent, agent_claim="username", role_claim="cognito:groups")

    assert who({"username": "sup-zhao", "cognito:groups": "[agent supervisor]"}).role == "supervisor"
    assert who({"username": "a-chen", "cognito:groups": "[agent]"}).departments == ("customer_service",)
    assert who({"username": "boss", "cognito:groups": "[manager]"}) == Operator("boss", Role.MANAGER, ())
    with pytest.raises(Unauthorized):
        who(None)
    with pytest.raises(Unauthorized):
        who({"cognito:groups": "[agent]"})
    with pytest.raises(Forbidden):
        who({"username": "a-chen", "cognito:groups": "[staff]"})
    with pytest.raises(Forbidden):
        who({"username": "nobody", "cognito:groups": "[supervisor]"})
