"""Redress requests are refused with the field at fault; approval limits follow the policy's roles."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pydantic import ValidationError

from complaints.core.enums import RedressKind, RedressState, Role
from complaints.core.policy import load_policy
from complaints.core.redress import RedressRecord, RedressRequest


def test_money_needs_an_amount_and_an_apology_its_form() -> None:
    with pytest.raises(ValidationError, match="compensation needs an amount"):
        RedressRequest(kind=RedressKind.COMPENSATION, reason="late fix")
    with pytest.raises(ValidationError, match="names its form"):
        RedressRequest(kind=RedressKind.APOLOGY, reason="sorry")
    with pytest.raises(ValidationError, match="amount and currency belong to money kinds"):
        RedressRequest.model_validate({"kind": "explanation", "reason": "why", "amount": "5"})
    with pytest.raises(ValidationError, match="decimal places"):
        RedressRequest.model_validate({"kind": "refund", "reason": "overcharged", "amount": "5.001"})
    assert RedressRequest.model_validate({"kind": "refund", "reason": "overcharged", "amount": 12.5}).amount == \
        Decimal("12.5")


def test_each_role_grants_up_to_its_limit_and_the_manager_anything() -> None:
    rules = load_policy("telecom").redress
    assert rules.covers(Role.AGENT, Decimal("200")) and not rules.covers(Role.AGENT, Decimal("200.01"))
    assert rules.covers(Role.SUPERVISOR, Decimal("2000")) and not rules.covers(Role.SUPERVISOR, Decimal("5000"))
    assert rules.covers(Role.MANAGER, Decimal("1000000"))


def test_only_redress_that_stands_is_counted_in_hundredths() -> None:
    item = RedressRecord(redress_id="R1", kind=RedressKind.REFUND, amount=Decimal("12.34"), currency="CNY",
                         reason="x", by="a", at="t", state=RedressState.PENDING_APPROVAL)
    assert not item.stands and item.cents == 1234
    assert item.model_copy(update={"state": RedressState.APPROVED}).stands
