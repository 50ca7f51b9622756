"""The reminders schedules fan the sweep out over the timer shards: together they read every shard once."""

import json
from pathlib import Path
from typing import Any

from bench.sweep_bench import groups_needed
from infra.local.template import load_template

ROOT = Path(__file__).resolve().parents[2]
template = load_template(ROOT / "template.yaml")
reminders: dict[str, Any] = template["Resources"]["RemindersFunction"]["Properties"]
shards = int(template["Globals"]["Function"]["Environment"]["Variables"]["TIMER_SHARDS"])
inputs = [json.loads(event["Properties"]["Input"]) for event in reminders["Events"].values()
          if event["Type"] == "ScheduleV2"]


def test_each_schedule_is_one_group_of_the_same_count_and_together_every_group() -> None:
    groups = {given["shard_groups"] for given in inputs}
    assert len(groups) == 1
    count = groups.pop()
    assert sorted(given["shard_group"] for given in inputs) == list(range(count))
    assert all(event["Properties"]["ScheduleExpression"] == "rate(1 minute)"
               for event in reminders["Events"].values())


def test_the_shards_divide_evenly_among_the_groups_and_each_group_sweeps_at_once() -> None:
    count = len(inputs)
    assert shards % count == 0 and shards >= count
    assert {shard % count for shard in range(shards)} == set(range(count))
    assert reminders["ReservedConcurrentExecutions"] >= count  # the groups run side by side


def test_the_deployed_groups_hold_the_measured_10000_due_in_a_minute_even_on_a_loaded_machine() -> None:
    # docs/performance.md, 10,000 due on the local stack: 16.5 ms per item on a quiet run, 35 ms under load
    assert groups_needed(10_000, 16.5) == 4
    assert len(inputs) >= groups_needed(10_000, 35.0) == 8
    assert groups_needed(100, 35.0) == 1
