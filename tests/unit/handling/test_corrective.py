"""Corrective actions (整改): opened from a cause by a manager, warned, overdue, done, and their effect."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from complaints.core import clock
from complaints.core.corrective import (
    ActionStatus,
    CancelActionRequest,
    CloseActionRequest,
    CorrectiveAction,
    OpenActionRequest,
)
from complaints.core.errors import Conflict, Forbidden, InvalidField
from complaints.desk.context import Desk
from complaints.handling import confirmation, corrective
from complaints.reporting import causes
from complaints.workflow import reminders, steps
from tests.unit.support import (
    FIXED,
    CallbackOutcome,
    CallbackRequest,
    MemoryNotifier,
    Stage,
    advance,
    events,
    operator,
    park,
    receive,
    to_confirmation,
)


def _closed(desk: Desk, root_cause: str = "antenna_tilt", area: str = "fix-area") -> str:
    cid = receive(desk, area=area)
    owner = to_confirmation(desk, cid, FIXED.model_copy(update={"root_cause": root_cause}))
    confirmation.callback(desk, cid, operator(desk, owner), CallbackRequest(outcome=CallbackOutcome.FIXED))
    steps.close_step(desk, cid)
    park(desk, cid, Stage.SURVEY)
    return cid


def _today(desk: Desk) -> date:
    return clock.now().astimezone(desk.policy.calendar.zone).date()


def _open(desk: Desk, complaint_ids: list[str], days: int = 10, **scope: str) -> CorrectiveAction:
    request = OpenActionRequest(root_cause="antenna_tilt", action="复核全区天线下倾角并建立季度巡检",
                                owner="a-wang", due=_today(desk) + timedelta(days=days), complaint_ids=complaint_ids,
                                **scope)
    return corrective.open_action(desk, operator(desk, "mgr-qian"), request)


def test_a_manager_opens_an_action_from_a_cause_its_complaints_show_it_and_its_owner_is_told(
        desk: Desk, notifier: MemoryNotifier) -> None:
    cid = _closed(desk)
    action = _open(desk, [cid], area="fix-area")

    stored = desk.actions.get(action.action_id)
    assert stored.status is ActionStatus.OPEN and stored.department == "network_optimisation"
    assert stored.scope.covers("antenna_tilt|network.coverage|fix-area|network_optimisation")
    assert not stored.scope.covers("antenna_tilt|network.coverage|other-area|network_optimisation")
    assert "corrective_action_opened" in events(desk, cid)
    told, = notifier.to_staff("a-wang", "action_opened")
    assert action.action_id in told.render()
    assert [a.action_id for a in corrective.list_actions(desk, operator(desk, "sup-sun"))] == [action.action_id]
    assert corrective.list_actions(desk, operator(desk, "a-liu")) == []  # an agent sees only their own


@pytest.mark.parametrize(("who", "change", "error", "field"), [
    ("sup-sun", {}, Forbidden, None),
    ("mgr-qian", {"root_cause": "no_such_cause"}, InvalidField, "root_cause"),
    ("mgr-qian", {"category": "billing.opaque_fee"}, InvalidField, "root_cause"),
    ("mgr-qian", {"owner": "nobody"}, InvalidField, "owner"),
    ("mgr-qian", {"due": "yesterday"}, InvalidField, "due"),
    ("mgr-qian", {"complaint_ids": ["C20000101-NOSUCH"]}, InvalidField, "complaint_ids"),
    ("mgr-qian", {"complaint_ids": "other cause"}, InvalidField, "complaint_ids"),
    ("mgr-qian", {"area": "elsewhere"}, InvalidField, "complaint_ids"),
])
def test_opening_refuses_what_is_wrong_by_name_and_stores_nothing(
        desk: Desk, who: str, change: dict[str, object], error: type[Exception], field: str | None) -> None:
    cid = _closed(desk)
    fields: dict[str, object] = {"root_cause": "antenna_tilt", "action": "复核天线", "owner": "a-wang",
                                 "due": _today(desk) + timedelta(days=5), "complaint_ids": [cid], **change}
    if change.get("due") == "yesterday":
        fields["due"] = _today(desk) - timedelta(days=1)
    if change.get("complaint_ids") == "other cause":
        fields["complaint_ids"] = [_closed(desk, "interference")]
    with pytest.raises(error) as refused:
        corrective.open_action(desk, operator(desk, who), OpenActionRequest.model_validate(fields))
    if field is not None:
        assert refused.value.field == field  # type: ignore[attr-defined]
    assert list(desk.actions.all()) == []
    assert "corrective_action_opened" not in events(desk, cid)


def test_the_sweep_warns_the_owner_then_marks_it_overdue_telling_owner_and_manager_once_each(
        desk: Desk, notifier: MemoryNotifier) -> None:
    action = _open(desk, [], days=10)
    reminders.sweep(desk)
    assert notifier.to_staff("a-wang", "action_warned") == []

    clock.advance(action.warn_at - clock.now() + timedelta(minutes=1))
    reminders.sweep(desk)
    reminders.sweep(desk)
    assert len(notifier.to_staff("a-wang", "action_warned")) == 1
    assert desk.actions.get(action.action_id).status is ActionStatus.OPEN

    clock.advance(action.due_at - clock.now() + timedelta(minutes=1))
    assert reminders.sweep(desk).action_steps == 1
    assert reminders.sweep(desk).action_steps == 0
    stored = desk.actions.get(action.action_id)
    assert stored.status is ActionStatus.OVERDUE and stored.next_step is None
    assert len(notifier.to_staff("a-wang", "action_overdue")) == 1
    assert len(notifier.to_staff("mgr-qian", "action_overdue")) == 1
    assert [e.type for e in stored.history] == ["opened", "warned", "overdue"]

    done = corrective.close_action(desk, action.action_id, operator(desk, "a-wang"),
                                   CloseActionRequest(result="全区天线已复核"))
    assert done.status is ActionStatus.DONE and done.late
    assert len(notifier.to_staff("mgr-qian", "action_done")) == 1


def test_an_action_due_sooner_than_the_warning_is_warned_halfway(desk: Desk) -> None:
    action = _open(desk, [], days=1)
    assert action.opened_at < action.warn_at < action.due_at
    assert action.warn_at - action.opened_at == (action.due_at - action.opened_at) / 2


def test_only_its_owner_or_a_manager_closes_it_once_and_only_a_manager_cancels(desk: Desk) -> None:
    action = _open(desk, [])
    with pytest.raises(Forbidden):
        corrective.close_action(desk, action.action_id, operator(desk, "a-liu"), CloseActionRequest(result="做完了"))
    with pytest.raises(Forbidden):
        corrective.cancel_action(desk, action.action_id, operator(desk, "a-wang"), CancelActionRequest(reason="不做"))
    cancelled = corrective.cancel_action(desk, action.action_id, operator(desk, "mgr-qian"),
                                         CancelActionRequest(reason="并入全省整改"))
    assert cancelled.status is ActionStatus.CANCELLED and cancelled.next_step is None
    with pytest.raises(Conflict):
        corrective.close_action(desk, action.action_id, operator(desk, "a-wang"), CloseActionRequest(result="做完了"))


def test_the_cause_report_shows_whether_the_cause_fell_in_equal_windows_before_and_after_it_was_done(
        desk: Desk) -> None:
    # Given two complaints of the cause closed, the action opened from them, and done the next day
    first = [_closed(desk), _closed(desk)]
    _closed(desk, area="another-area")  # the same cause elsewhere: outside the action's area
    action = _open(desk, first, area="fix-area")
    advance(days=1)
    corrective.close_action(desk, action.action_id, operator(desk, "a-wang"), CloseActionRequest(result="已复核"))
    done_on = _today(desk)
    # and one more complaint of the cause the day after
    advance(days=1)
    _closed(desk)
    # When the manager reads the cause report two days after it was done
    advance(days=1)
    report = causes.causes(desk, operator(desk, "mgr-qian"), done_on - timedelta(days=7), _today(desk))
    effect, = (e for e in report.actions if e.action_id == action.action_id)
    # Then the two days before it (two complaints) stand against the two days after (one)
    assert (effect.done_on, effect.window_days, effect.before, effect.after) == (done_on, 2, 2, 1)
    assert effect.fell is True and effect.complete is False and effect.complaints == 2


@pytest.mark.policy(corrective_actions={"effect_window_days": 1})
def test_the_window_stops_at_the_policys_length(desk: Desk) -> None:
    action = _open(desk, [])
    corrective.close_action(desk, action.action_id, operator(desk, "mgr-qian"), CloseActionRequest(result="已复核"))
    advance(days=5)
    report = causes.causes(desk, operator(desk, "mgr-qian"), _today(desk) - timedelta(days=6), _today(desk))
    effect, = report.actions
    assert (effect.window_days, effect.before, effect.after, effect.complete) == (1, 0, 0, True)
