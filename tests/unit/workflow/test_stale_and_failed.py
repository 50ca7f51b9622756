"""Nothing goes out stale, nothing failed is lost from sight, and lists show only what the reader may see."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from complaints.adapters.notify import Message, OutboxNotifier
from complaints.core.access import Operator
from complaints.core.enums import Role
from complaints.core.errors import Forbidden, InvalidField
from complaints.desk.context import Desk
from complaints.handling import confirmation, reading, resolution
from complaints.reporting import reports
from complaints.workflow import reminders, steps
from tests.unit.support import (
    BILLING,
    COVERAGE,
    CallbackOutcome,
    CallbackRequest,
    MemoryNotifier,
    QualityCheckRequest,
    ResolutionOutcome,
    ResolveRequest,
    Stage,
    Status,
    advance,
    move_clock_to,
    operator,
    park,
    receive,
    record,
    to_resolution,
)

REFUND = ResolveRequest(outcome=ResolutionOutcome.RESOLVED, root_cause="wrong_charge", actions="refunded 30 yuan")


# ------------------------------------------------------------------ stale messages
def test_a_confirmation_message_held_overnight_is_dropped_once_the_complaint_has_closed(
        desk: Desk, notifier: MemoryNotifier) -> None:
    # Given a complaint resolved late in the evening: its "we will call you to confirm" waits for the morning
    cid = receive(desk)
    owner = to_resolution(desk, cid)
    move_clock_to("21:30", desk)
    resolution.resolve(desk, cid, operator(desk, owner), resolution_request())
    park(desk, cid, Stage.CONFIRMATION)
    assert notifier.to_customer(cid, "resolved") == []
    # When the owner reaches the customer first thing, and it closes, before the held message is swept
    move_clock_to("08:31", desk)
    confirmation.callback(desk, cid, operator(desk, owner), CallbackRequest(outcome=CallbackOutcome.FIXED))
    steps.close_step(desk, cid)
    result = reminders.sweep(desk)
    # Then the message that no longer holds is dropped, not sent
    assert notifier.to_customer(cid, "resolved") == []
    assert result.dropped >= 1 and record(desk, cid).status is Status.CLOSED


def test_a_held_progress_update_says_the_status_of_the_moment_it_goes(desk: Desk, notifier: MemoryNotifier) -> None:
    cid = receive(desk)
    move_clock_to("22:00", desk)
    desk.notices.tell_customer(record(desk, cid), "progress_update", status="registered and being assigned")
    owner = to_resolution(desk, cid)
    assert record(desk, cid).owner_id == owner
    move_clock_to("08:30", desk)
    reminders.sweep(desk)
    [update] = notifier.to_customer(cid, "progress_update")
    assert update.params["status"] == "正在处理中"  # in progress, as it is now


def test_a_quality_check_digest_line_is_not_sent_after_the_check_was_done(
        desk: Desk, notifier: MemoryNotifier) -> None:
    # Given a report the supervisor is asked to check, in their next digest
    cid = receive(desk, BILLING, service=None)
    owner = to_resolution(desk, cid)
    resolution.resolve(desk, cid, operator(desk, owner), REFUND)
    park(desk, cid, Stage.QUALITY_CHECK)
    # When the supervisor checks it before the digest goes
    resolution.quality_check(desk, cid, operator(desk, "sup-zhao"), QualityCheckRequest(passed=True))
    advance(minutes=20)
    reminders.sweep(desk)
    # Then the digest does not ask for the check any more
    texts = [m.render() for m in notifier.to_staff("sup-zhao", "digest")]
    assert not any("check the handling" in text for text in texts)


def test_a_quality_check_digest_line_still_due_is_sent(desk: Desk, notifier: MemoryNotifier) -> None:
    cid = receive(desk, BILLING, service=None)
    owner = to_resolution(desk, cid)
    resolution.resolve(desk, cid, operator(desk, owner), REFUND)
    park(desk, cid, Stage.QUALITY_CHECK)
    advance(minutes=20)
    reminders.sweep(desk)
    assert any("check the handling" in m.render() for m in notifier.to_staff("sup-zhao", "digest"))


def resolution_request() -> ResolveRequest:
    return ResolveRequest(outcome=ResolutionOutcome.RESOLVED, root_cause="antenna_tilt", actions="re-tilted")


# ------------------------------------------------------------------ failed complaints
def test_a_complaint_failing_before_it_has_a_department_shows_in_the_triage_queue_and_its_supervisor_is_told(
        desk: Desk, notifier: MemoryNotifier) -> None:
    cid = receive(desk)
    assert record(desk, cid).department is None

    steps.fail_step(desk, cid, "States.TaskFailed")

    failed = record(desk, cid)
    assert (failed.status, failed.department) == (Status.FAILED, desk.policy.triage.department)
    supervisor = desk.policy.department(desk.policy.triage.department).supervisor
    assert len(notifier.to_staff(supervisor, "failed")) == 1
    queue = reading.list_complaints(desk, operator(desk, supervisor), queue=desk.policy.triage.department,
                                    owner=None, status=None, limit=50, next_token=None)
    assert [item.complaint_id for item in queue.items] == [cid]
    only_failed = reading.list_complaints(desk, operator(desk, supervisor), queue=desk.policy.triage.department,
                                          owner=None, status=Status.FAILED, limit=50, next_token=None)
    assert [item.complaint_id for item in only_failed.items] == [cid]


# ------------------------------------------------------------------ who lists what
def _classified(desk: Desk, n: int) -> list[str]:
    ids = [receive(desk, COVERAGE) for _ in range(n)]
    for cid in ids:
        steps.classify_step(desk, cid)
    return ids


def test_a_supervisor_lists_the_work_of_their_own_departments_agents_only(desk: Desk) -> None:
    sun = operator(desk, "sup-sun")  # network optimisation, maintenance, branch office
    reading.list_complaints(desk, sun, queue=None, owner="a-wang", status=None, limit=10, next_token=None)
    with pytest.raises(Forbidden):
        reading.list_complaints(desk, sun, queue=None, owner="a-he", status=None, limit=10, next_token=None)
    with pytest.raises(Forbidden):
        reading.list_complaints(desk, operator(desk, "a-wang"), queue=None, owner="a-liu", status=None, limit=10,
                                next_token=None)


def test_a_manager_off_the_roster_reads_every_queue(desk: Desk) -> None:
    _classified(desk, 1)
    manager = Operator("mgr-ops", Role.MANAGER, ())
    listing = reading.list_complaints(desk, manager, queue="network_optimisation", owner=None, status=None,
                                      limit=10, next_token=None)
    assert len(listing.items) == 1


def test_a_page_token_is_opaque_and_works_only_unaltered_on_its_own_list(desk: Desk) -> None:
    _classified(desk, 3)
    sun = operator(desk, "sup-sun")
    first = reading.list_complaints(desk, sun, queue="network_optimisation", owner=None, status=None, limit=1,
                                    next_token=None)
    token = first.next_token
    assert token is not None and "QPK" not in token and "network_optimisation" not in token
    second = reading.list_complaints(desk, sun, queue="network_optimisation", owner=None, status=None, limit=1,
                                     next_token=token)
    assert second.items and second.items[0].complaint_id != first.items[0].complaint_id
    body, _, signature = token.partition(".")
    for crafted in ['"x"', "[]", "7", '{"QPK": {"S": "Q#billing"}}', body + "." + signature[::-1], "é.é",
                    token.replace(body[:4], "AAAA")]:
        with pytest.raises(InvalidField, match="next_token"):
            reading.list_complaints(desk, sun, queue="network_optimisation", owner=None, status=None, limit=1,
                                    next_token=crafted)
    with pytest.raises(InvalidField, match="next_token"):  # a token of another list
        reading.list_complaints(desk, sun, queue="maintenance", owner=None, status=None, limit=1, next_token=token)


# ------------------------------------------------------------------ exports and files
@pytest.mark.parametrize("cell", ["=HYPERLINK(\"x\")", "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"])
def test_a_csv_cell_a_spreadsheet_would_run_is_written_as_text(cell: str) -> None:
    assert reports.csv_cell(cell) == "'" + cell
    assert reports.csv_cell("network.coverage") == "network.coverage" and reports.csv_cell("12") == "12"


def test_the_outbox_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "outbox.jsonl"
    path.write_text("", encoding="utf-8")
    os.chmod(path, 0o644)
    OutboxNotifier(str(path)).send(Message("digest", "digest", False, "a-wang", "en", {"count": 0, "lines": ""}))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    fresh = tmp_path / "fresh.jsonl"
    OutboxNotifier(str(fresh)).send(Message("digest", "digest", False, "a-wang", "en", {"count": 0, "lines": ""}))
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o600
