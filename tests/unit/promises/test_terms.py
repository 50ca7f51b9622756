"""Promised times from the policy: made per priority and category, kept or missed, the next one due."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from complaints.core.policy import load_policy
from complaints.promises import terms
from tests.unit.support import Priority, Promise, PromiseState, Stage

POLICY = load_policy("telecom")
# A Tuesday morning in Beijing, a working day.
RECEIVED = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


def _due(promises: list[Promise]) -> dict[str, datetime]:
    return {p.kind: p.due_at for p in promises}


def test_a_normal_complaint_is_promised_the_policys_times_all_pending() -> None:
    promises = terms.promises_for(Priority.NORMAL, RECEIVED, POLICY)

    assert [p.kind for p in promises] == ["acknowledge", "first_reply", "solution", "regulator_ceiling",
                                          "same_day_clearing"]
    assert all(p.state is PromiseState.PENDING and p.due_at > RECEIVED for p in promises)
    due = _due(promises)
    assert due["acknowledge"] == RECEIVED + timedelta(hours=24)
    assert due["same_day_clearing"] == datetime(2026, 12, 1, 9, 30, tzinfo=UTC)  # 17:30 the same day in Beijing
    assert due["same_day_clearing"] < due["acknowledge"] < due["first_reply"] < due["solution"] < due[
        "regulator_ceiling"]


def test_same_day_clearing_is_due_at_the_end_of_the_day_or_of_the_next_after_the_cutoff() -> None:
    late = datetime(2026, 12, 1, 8, 30, tzinfo=UTC)  # 16:30 in Beijing, after the 16:00 cutoff
    friday_night = datetime(2026, 12, 4, 14, 0, tzinfo=UTC)  # 22:00 on a Friday

    assert _due(terms.promises_for(Priority.NORMAL, late, POLICY))["same_day_clearing"] == datetime(
        2026, 12, 2, 9, 30, tzinfo=UTC)
    assert _due(terms.promises_for(Priority.NORMAL, friday_night, POLICY))["same_day_clearing"] == datetime(
        2026, 12, 7, 9, 30, tzinfo=UTC)  # Monday evening


def test_a_regulators_complaint_is_also_promised_a_reply_within_three_days() -> None:
    regulator = _due(terms.promises_for(Priority.HIGH, RECEIVED, POLICY, channel="regulator"))
    hotline = _due(terms.promises_for(Priority.HIGH, RECEIVED, POLICY, channel="hotline"))

    assert regulator["regulator_reply"] == RECEIVED + timedelta(days=3)
    assert "regulator_reply" not in hotline


def test_an_urgent_complaint_is_promised_sooner_but_the_regulators_ceiling_does_not_move() -> None:
    normal = _due(terms.promises_for(Priority.NORMAL, RECEIVED, POLICY))
    urgent = _due(terms.promises_for(Priority.URGENT, RECEIVED, POLICY))

    for kind in ("acknowledge", "first_reply", "solution"):
        assert urgent[kind] < normal[kind], kind
    assert urgent["acknowledge"] == RECEIVED + timedelta(minutes=30)
    assert urgent["regulator_ceiling"] == normal["regulator_ceiling"]


def test_categories_add_their_own_promises() -> None:
    broadband = {p.kind for p in terms.promises_for(Priority.NORMAL, RECEIVED, POLICY, "broadband.network")}
    network = {p.kind for p in terms.promises_for(Priority.NORMAL, RECEIVED, POLICY, "network.coverage")}
    billing = {p.kind for p in terms.promises_for(Priority.NORMAL, RECEIVED, POLICY, "billing.package")}

    assert "first_contact" in broadband and "investigation" not in broadband
    assert "investigation" in network and "first_contact" not in network
    assert billing == {"acknowledge", "first_reply", "solution", "regulator_ceiling", "same_day_clearing"}
    # A maintenance order's first response: 30 minutes of working time (a night's order the next morning).
    night = datetime(2026, 12, 1, 14, 0, tzinfo=UTC)  # 22:00 in Beijing
    assert _due(terms.promises_for(Priority.NORMAL, night, POLICY, "equipment.fault"))["first_contact"] == datetime(
        2026, 12, 2, 1, 0, tzinfo=UTC)  # 09:00 the next morning


def test_a_promise_kept_in_time_is_kept_and_one_kept_late_is_missed() -> None:
    promises = terms.promises_for(Priority.NORMAL, RECEIVED, POLICY)
    due = _due(promises)

    on_time = terms.keep(promises, "acknowledge", due["acknowledge"])
    late = terms.keep(promises, "acknowledge", due["acknowledge"] + timedelta(seconds=1))

    assert [p.state for p in on_time] == ["kept", "pending", "pending", "pending", "pending"]
    assert [p.state for p in late] == ["missed", "pending", "pending", "pending", "pending"]


def test_keeping_changes_only_a_pending_promise() -> None:
    missed = terms.keep(terms.promises_for(Priority.NORMAL, RECEIVED, POLICY), "first_reply", RECEIVED + timedelta(
        days=30))

    again = terms.keep(missed, "first_reply", RECEIVED)

    assert [p.state for p in again if p.kind == "first_reply"] == ["missed"]


def test_resolution_is_due_when_the_solution_promise_is() -> None:
    promises = terms.promises_for(Priority.NORMAL, RECEIVED, POLICY)

    assert terms.stage_due(Stage.RESOLUTION, Priority.NORMAL, RECEIVED, POLICY, promises) == _due(promises)["solution"]


def test_a_wait_without_a_promise_is_due_after_its_stage_limit() -> None:
    promises = terms.keep(terms.promises_for(Priority.NORMAL, RECEIVED, POLICY), "solution", RECEIVED)

    resolution = terms.stage_due(Stage.RESOLUTION, Priority.NORMAL, RECEIVED, POLICY, promises)
    normal = terms.stage_due(Stage.ACCEPTANCE, Priority.NORMAL, RECEIVED, POLICY, promises)
    urgent = terms.stage_due(Stage.ACCEPTANCE, Priority.URGENT, RECEIVED, POLICY, promises)

    assert resolution == POLICY.calendar.add(RECEIVED, "2wd")  # the policy's default limit
    assert normal == RECEIVED + timedelta(hours=2) and urgent == RECEIVED + timedelta(minutes=30)


def test_the_next_due_time_is_the_earliest_pending_promise() -> None:
    promises = terms.promises_for(Priority.NORMAL, RECEIVED, POLICY)
    kept = terms.keep(terms.keep(promises, "same_day_clearing", RECEIVED), "acknowledge", RECEIVED)

    assert terms.next_due(promises) == _due(promises)["same_day_clearing"]
    assert terms.next_due(kept) == _due(promises)["first_reply"]
    assert terms.next_due([p.model_copy(update={"state": PromiseState.KEPT}) for p in promises]) is None
