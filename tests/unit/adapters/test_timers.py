"""The timers index: promise timers, held messages and digests are found when due, shard by shard, and claimed once."""

from __future__ import annotations

from complaints.adapters.dynamodb import Tables, keys
from complaints.core import clock
from tests.unit.adapters.conftest import TIMER_SHARDS, minutes


def test_promise_timers_are_due_across_every_shard_and_not_before(tables: Tables) -> None:
    now = clock.now()
    ids = [f"C20261130-{n:06d}" for n in range(12)]
    assert {keys.timer_shard(cid, TIMER_SHARDS) for cid in ids} == set(range(TIMER_SHARDS))
    for cid in ids:
        tables.promise_timers.schedule(cid, "first_reply", now - minutes(1))
        tables.promise_timers.schedule(cid, "solution", now + minutes(30))
    assert sorted(tables.promise_timers.due(now)) == [(cid, "first_reply", 0) for cid in ids]
    assert len(list(tables.promise_timers.due(now + minutes(31)))) == 2 * len(ids)


def test_a_promise_step_is_claimed_once(tables: Tables) -> None:
    now = clock.now()
    tables.promise_timers.schedule("C1", "solution", now - minutes(1))
    assert tables.promise_timers.advance("C1", "solution", 0, now + minutes(10))
    assert not tables.promise_timers.advance("C1", "solution", 0, now + minutes(10))  # another sweep took it
    assert list(tables.promise_timers.due(now)) == []
    assert list(tables.promise_timers.due(now + minutes(10))) == [("C1", "solution", 1)]
    assert tables.promise_timers.advance("C1", "solution", 1, None)  # the last step ends the timer
    assert list(tables.promise_timers.due(now + minutes(60))) == []


def test_a_held_message_is_claimed_once(tables: Tables) -> None:
    now = clock.now()
    tables.messages.hold("C1", "acknowledged", "+8613800000000", "en", {"first_reply": 3}, now + minutes(5))
    assert list(tables.messages.due(now)) == []
    [held] = tables.messages.due(now + minutes(5))
    assert (held["template"], held["params"]) == ("acknowledged", {"first_reply": "3"})
    assert tables.messages.claim(held, now + minutes(5)) is not None
    assert tables.messages.claim(held, now + minutes(5)) is None


def test_a_digest_gathers_lines_and_is_claimed_once(tables: Tables) -> None:
    now = clock.now()
    tables.digests.queue("a-chen", "C1", "first line", now + minutes(30))
    tables.digests.queue("a-chen", "C2", "second line", now + minutes(90))  # the first line set the time
    assert tables.digests.due(now) == []
    assert tables.digests.due(now + minutes(30)) == ["a-chen"]
    claimed = tables.digests.claim("a-chen", now + minutes(30))
    assert claimed is not None and claimed.lines == ["first line", "second line"]
    assert tables.digests.claim("a-chen", now + minutes(30)) is None
    tables.digests.sent(claimed)
    assert tables.digests.due(now + minutes(120)) == []
