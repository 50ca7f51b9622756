"""The rules of verification that need no stack: reports per outcome, root causes, quality-check selection."""

from datetime import date
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from complaints.core.enums import CLOSED_STATUSES, STATUS_WHILE_AWAITING, Priority, Stage, Status
from complaints.core.policy import POLICY_DIR, Policy, load_policy
from complaints.core.requests import ConfirmRequest, QualityCheckRequest, ResolveRequest, SurveyRequest

policy = load_policy("telecom")
REPORT = {"outcome": "resolved", "root_cause": "antenna_tilt", "actions": "re-tilted"}


def test_a_deferred_report_needs_its_plan_and_date_and_only_it_may_have_them() -> None:
    with pytest.raises(ValidationError, match="plan and its expected_by"):
        ResolveRequest.model_validate(dict(REPORT, outcome="deferred", plan="new site"))
    deferred = ResolveRequest.model_validate(dict(REPORT, outcome="deferred", plan="new site",
                                                  expected_by="2027-03-31"))
    assert deferred.expected_by == date(2027, 3, 31)
    with pytest.raises(ValidationError, match="belong to a deferred outcome or a temporary measure"):
        ResolveRequest.model_validate(dict(REPORT, plan="new site"))
    with pytest.raises(ValidationError):
        ResolveRequest.model_validate(dict(REPORT, root_cause="Antenna tilt!"))  # a code, not free text


def test_a_failed_check_needs_a_reason_and_links_accept_only_their_answers() -> None:
    with pytest.raises(ValidationError, match="reason"):
        QualityCheckRequest.model_validate({"passed": False})
    assert QualityCheckRequest.model_validate({"passed": True}).reason is None
    with pytest.raises(ValidationError):
        ConfirmRequest.model_validate({"outcome": "unreachable"})  # only people calling record that
    with pytest.raises(ValidationError):
        SurveyRequest.model_validate({"score": 11})
    with pytest.raises(ValidationError):
        SurveyRequest.model_validate({"score": 8, "result": "meh"})


def test_every_category_has_root_causes_from_its_own_family_first() -> None:
    for category in policy.categories:
        assert policy.root_causes_for(category)[-1] == "other"
    coverage = policy.root_causes_for("network.coverage")
    assert coverage[0] == "coverage_gap" and "wrong_charge" not in coverage
    assert "wrong_charge" in policy.root_causes_for("billing.unauthorized_charge")


@pytest.mark.parametrize("category, priority, sensitive, draw, checked", [
    ("billing.unauthorized_charge", Priority.NORMAL, False, 0.99, True),  # the category is always checked
    ("service.attitude", Priority.LOW, False, 0.99, True),
    ("network.coverage", Priority.URGENT, False, 0.99, True),  # urgent ones are
    ("network.coverage", Priority.NORMAL, True, 0.99, True),  # sensitive channels are
    ("network.coverage", Priority.NORMAL, False, 0.05, True),  # inside the 10% sample
    ("network.coverage", Priority.NORMAL, False, 0.10, False),
    ("billing.package", Priority.HIGH, False, 0.5, False),
])
def test_the_policy_decides_which_resolutions_a_supervisor_checks(category: str, priority: Priority, sensitive: bool,
                                                                  draw: float, checked: bool) -> None:
    assert policy.needs_quality_check(category, priority, sensitive, draw) is checked


def test_a_policy_without_root_causes_for_a_category_or_with_an_unknown_appeals_desk_is_refused() -> None:
    raw: dict[str, Any] = yaml.safe_load((POLICY_DIR / "telecom.yaml").read_text(encoding="utf-8"))
    no_fallback = dict(raw, root_causes={k: v for k, v in raw["root_causes"].items() if k != "*"})
    with pytest.raises(ValidationError, match="has no root causes"):
        Policy.model_validate(no_fallback)
    with pytest.raises(ValidationError, match="unknown department 'nowhere'"):
        Policy.model_validate(dict(raw, appeals={"window": "15d", "department": "nowhere"}))


def test_every_stage_shows_a_status_and_closed_statuses_are_not_open() -> None:
    assert set(STATUS_WHILE_AWAITING) == set(Stage)
    assert Status.CLOSED_UNCONFIRMED in CLOSED_STATUSES and Status.TRACKING not in CLOSED_STATUSES
