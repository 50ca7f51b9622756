from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from complaints import tokens
from complaints.errors import InvalidField
from complaints.phones import to_e164
from complaints.policy import POLICY_DIR, Policy
from complaints.secrets import derive_key, mask_phone


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
