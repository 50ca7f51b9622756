"""Stored sub-documents as models: complaints stored in the older forms still load, and the view is unchanged."""

from __future__ import annotations

from datetime import date
from typing import Any

from complaints.core.outcomes import QualityCheckResult, SurveyAnswer, TrackingTicket
from complaints.core.record import ComplaintRecord
from complaints.core.views import ComplaintSummary, ComplaintView

AT = "2026-11-20T02:00:00.000000Z"


def _stored(**sub_documents: Any) -> dict[str, Any]:
    """A complaint aggregate as DynamoDB gives it back (numbers already plain)."""
    return {
        "complaint_id": "C1", "version": 7, "status": "tracking", "stage": "tracking", "portal_id": "demo-portal",
        "external_id": "x-1", "channel": "web", "language": "zh-CN", "received_at": AT, "updated_at": AT,
        "customer": {"name": "Li", "phone": "+8613800138000", "vip": False}, "customer_key": "k",
        "text": "no signal at home", "location": {"area": "haidian-1"}, "department": "network_optimisation",
        "owner_id": "a-wang",
        "classification": {"category": "network.coverage", "nature": "valid", "priority": "high",
                           "confidence": 0.9, "department": "network_optimisation"},
        **sub_documents,
    }


OLD_FORMS: dict[str, dict[str, Any]] = {
    "resolution": {"outcome": "deferred", "root_cause": "no_coverage", "actions": "planned a site",
                   "by": "a-wang", "at": AT, "plan": "new base station", "expected_by": "2026-12-20"},
    "quality_check": {"passed": "no", "by": "sup-sun", "at": AT, "reason": "call the customer first"},
    "tracking": {"plan": "new base station", "expected_by": "2026-12-20", "opened_at": AT, "follow_ups": 2,
                 "last_follow_up_at": AT, "told": 1},
    "survey": {"score": 6, "comment": "slow", "at": AT, "result": "unsatisfied", "review_cause": "late",
               "review_action": "apologised", "reviewed_by": "sup-sun"},
    "appeal": {"reason": "still weak", "at": AT, "by": "portal:demo-portal", "from_department": "maintenance",
               "from_owner": "a-zhou"},
    "incident_resolution": {"incident_id": "INC1", "root_cause": "base_station_fault", "actions": "replaced",
                            "by": "sup-sun", "at": AT},
}


def test_flags_stored_as_yes_no_or_one_load_as_booleans() -> None:
    assert QualityCheckResult.model_validate({"passed": "yes", "by": "s", "at": AT}).passed is True
    assert QualityCheckResult.model_validate({"passed": "no", "by": "s", "at": AT}).passed is False
    ticket = TrackingTicket.model_validate({"plan": "p", "expected_by": "2026-12-20", "opened_at": AT, "told": 1})
    assert ticket.told is True and ticket.expected_by == date(2026, 12, 20)


def test_a_complaint_stored_in_the_older_forms_loads_and_shows_as_it_always_did() -> None:
    record = ComplaintRecord.model_validate(_stored(**OLD_FORMS))
    assert record.quality_check is not None and record.quality_check.passed is False
    assert record.tracking is not None and record.tracking.told is True
    assert record.incident_resolution is not None and record.incident_resolution.incident_id == "INC1"

    view = ComplaintView.of(record, customer_phone_masked="+86138****8000", timeline=[])
    shown = view.model_dump(mode="json")
    # What the hand-written copy answered: the stored maps as they were, less told and the comment.
    assert shown["resolution"] == OLD_FORMS["resolution"]
    assert shown["quality_check"] == OLD_FORMS["quality_check"]
    assert shown["tracking"] == {k: v for k, v in OLD_FORMS["tracking"].items() if k != "told"}
    assert shown["survey"] == {k: v for k, v in OLD_FORMS["survey"].items() if k != "comment"}
    assert shown["appeal"] == OLD_FORMS["appeal"]
    assert shown["category"] == "network.coverage" and shown["priority"] == "high" and shown["area"] == "haidian-1"
    assert shown["awaiting"] == "tracking" and shown["customer_name"] == "Li" and shown["vip"] is False


def test_new_writes_store_booleans_and_read_back_the_same() -> None:
    record = ComplaintRecord.model_validate(_stored(**OLD_FORMS))
    stored = record.model_dump(mode="json", exclude_none=True)
    assert stored["quality_check"]["passed"] is False and stored["tracking"]["told"] is True
    assert ComplaintRecord.model_validate(stored) == record


def test_a_summary_without_classification_has_no_priority() -> None:
    bare = {k: v for k, v in _stored().items() if k != "classification"}
    summary = ComplaintSummary.of(ComplaintRecord.model_validate(bare))
    assert summary.priority is None and summary.category is None and summary.sensitive is False
    assert ComplaintView.of(ComplaintRecord.model_validate(bare), customer_phone_masked="x").survey is None


def test_a_survey_without_an_answer_records_no_response() -> None:
    assert SurveyAnswer(outcome="no_response").shown() == {"outcome": "no_response"}
