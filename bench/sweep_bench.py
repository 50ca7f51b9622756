"""The reminders sweep: it reads only what is due, and its shard groups share a large due set.

Part one, 1,000 versus 100,000 open complaints, the same 100 due:

Two tables built from the template's key schema in one local stack: one with
1,000 open complaints, one with 100,000, each with the same 100 complaints
whose wait is overdue. Sweeps alternate between them (the due complaints are
put back before each), and the table prints items read per sweep and the time
ratio. GSI queries use the local stack's partition index (the patch
`indexed_gsi_queries`), so their cost follows the partition read as on
DynamoDB rather than moto's walk over the whole table.

Part two, 100 versus 10,000 due: one sweep over every shard (only up to --whole-up-to due: above that its
time is the groups' sum), then the shard groups' sweeps (the template's schedules, each reading
shard % groups == its group), one after another here; on AWS they run side by side, so the minute has to hold
the longest group, not their sum. The due complaints are written straight into the local table (a
benchmark's setup, not a request path); the sweeps are the real code path, through the local endpoint.
It prints the time per due item, the longest group's time, whether a minute holds it, and how many
groups would (at the same time per item, with a quarter of the minute kept spare).
Run: `make bench` (or `python -m bench.sweep_bench`).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import statistics
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import boto3
from moto.dynamodb.models import dynamodb_backends

from complaints import bootstrap
from complaints.adapters.dynamodb import Tables
from complaints.adapters.dynamodb.table import Table
from complaints.core import clock
from complaints.core.enums import Nature, Priority, Stage, Status
from complaints.core.record import ComplaintRecord
from complaints.core.values import Classification, Customer
from complaints.reporting.counting import counting
from complaints.workflow import reminders
from infra.local import durable, moto_patches
from infra.local.stack import ACCOUNT, LocalStack, StackConfig
from infra.local.template import table_arguments

DUE = 100


def _record(n: int, due: bool) -> ComplaintRecord:
    now = clock.now()
    record = ComplaintRecord(
        complaint_id=f"B{n:07d}", status=Status.IN_PROGRESS, stage=Stage.RESOLUTION, task_token=f"token-{n}",
        portal_id="bench", external_id=f"bench-{n}", channel="app", language="zh-CN",
        received_at=now - timedelta(days=3), updated_at=now, customer=Customer(name="x", phone="+8613800000000"),
        customer_key=f"k{n}", text="x", department="network_optimisation", owner_id="a-wang",
        classification=Classification(category="network.data", nature=Nature.VALID, priority=Priority.NORMAL,
                                      confidence=1.0, department="network_optimisation"))
    record.set_timer(Stage.RESOLUTION, now - timedelta(minutes=5) if due else now + timedelta(days=5 + n % 30))
    return record


class CountingTable(Table):
    items_read = 0

    def query(self, **kwargs: Any) -> Any:
        for item in super().query(**kwargs):
            self.items_read += 1
            yield item


def _fill(tables: Tables, total: int) -> None:
    """Write straight into the local table: a benchmark's setup, not a request path."""
    table = dynamodb_backends[ACCOUNT]["us-east-1"].get_table(tables.table.name)
    for n in range(DUE, total):
        table.put_item(tables.complaints._aggregate_put(_record(n, due=False), None)["Put"]["Item"])


def _reset_due(tables: Tables, due: int = DUE) -> None:
    table = dynamodb_backends[ACCOUNT]["us-east-1"].get_table(tables.table.name)
    for n in range(due):
        table.put_item(tables.complaints._aggregate_put(_record(n, due=True), None)["Put"]["Item"])


def shard_groups(stack: LocalStack) -> int:
    """The template's reminders schedules, one per shard group, as each one's input names them."""
    inputs = [given for function, given in stack.schedules if function == "RemindersFunction" and given]
    groups = {int(given["shard_groups"]) for given in inputs}
    if len(groups) != 1 or len(inputs) != next(iter(groups)):
        raise ValueError(f"the reminders schedules do not name one group each of the same count: {inputs}")
    return len(inputs)


MINUTE_S = 60.0
SPARE = 0.75  # a group's sweep should finish within three quarters of its minute (the Lambda's timeout is 60 s)


def groups_needed(due: int, ms_per_due: float) -> int:
    """The shard groups (side by side) whose sweeps hold `due` items within the minute's usable share."""
    return max(1, math.ceil(due * ms_per_due / 1000 / (MINUTE_S * SPARE)))


def _fan_out(base: Any, client: Any, template: dict[str, Any], due_sizes: tuple[int, ...],
             whole_up_to: int, group_counts: tuple[int, ...]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Each due size swept whole (up to whole_up_to), then by each count of shard groups (the same due set put
    back before each); seconds, and the groups' shares: the template's count's, and the others' by due set."""
    found: dict[str, Any] = {}
    compared: dict[str, Any] = {}
    print(f"{'due':>7}{'groups':>7}{'one sweep s':>13}{'groups, longest s':>19}{'groups, sum s':>15}"
          f"{'ms per due':>12}{'items per group':>44}{'minute holds':>14}{'groups needed':>15}")
    for due in due_sizes:
        name = f"sweep-bench-due-{due}"
        client.create_table(TableName=name, **table_arguments(template))
        tables = Tables.on(Table(name, base.settings.timer_shards, client), counting(base.base_policy.calendar.zone),
                           base.base_policy.clusters.group_of)
        desk = dataclasses.replace(base, tables=tables)
        one: float | None = None
        if due <= whole_up_to:
            _reset_due(tables, due)
            started = time.perf_counter()
            whole = reminders.sweep(desk)
            one = time.perf_counter() - started
            assert whole.due == due, whole
        for count in group_counts:
            seeding = time.perf_counter()
            _reset_due(tables, due)
            seeded = time.perf_counter() - seeding
            groups, items = [], []
            for group in range(count):
                started = time.perf_counter()
                part = reminders.sweep(desk.sweeping(group, count))
                groups.append(time.perf_counter() - started)
                items.append(part.due)
            assert sum(items) == due, items
            per_due = sum(groups) * 1000 / due
            holds = max(groups) <= MINUTE_S * SPARE
            needed = groups_needed(due, per_due)
            whole_s = f"{one:.1f}" if one is not None else "—"
            print(f"{due:>7,}{count:>7}{whole_s:>13}{max(groups):>19.1f}{sum(groups):>15.1f}{per_due:>12.1f}"
                  f"  {' / '.join(f'{n:,}' for n in items):>42}{'yes' if holds else 'no':>14}{needed:>15}"
                  f"   (seeded in {seeded:.1f} s)", flush=True)
            row = {"one_s": one, "groups_s": groups, "items": items, "ms_per_due": per_due,
                   "minute_holds": holds, "groups_needed": needed}
            if count == group_counts[0]:
                found[str(due)] = row
            else:
                compared.setdefault(str(due), {})[str(count)] = row
    return found, compared


def main(sizes: tuple[int, int] = (1_000, 100_000), rounds: int = 3, json_path: Path | None = None,
         due_sizes: tuple[int, ...] = (100, 10_000), whole_up_to: int = 2_000,
         compare_groups: tuple[int, ...] = ()) -> None:
    config = StackConfig(tick_schedule=False, log_level="ERROR", api_port=8184,
                         data_dir=durable.emptied(Path(".local/bench-sweep")))
    with LocalStack(config) as stack, moto_patches.install("indexed_gsi_queries"):
        base = bootstrap.desk()
        client = boto3.client("dynamodb", region_name="us-east-1")
        template = stack.resolver.resolve(stack.resources["ComplaintsTable"]["Properties"])
        desks = {}
        for size in sizes:
            name = f"sweep-bench-{size}"
            client.create_table(TableName=name, **table_arguments(template))
            counted = CountingTable(name, base.settings.timer_shards, client)
            tables = Tables.on(counted, counting(base.base_policy.calendar.zone), base.base_policy.clusters.group_of)
            started = time.perf_counter()
            _fill(tables, size)
            print(f"filled {size:,} open complaints in {time.perf_counter() - started:.1f} s")
            desks[size] = dataclasses.replace(base, tables=tables)
        timings: dict[int, list[float]] = {size: [] for size in sizes}
        reads: dict[int, list[int]] = {size: [] for size in sizes}
        for _ in range(rounds):
            for size in sizes:
                current = desks[size]
                _reset_due(current.tables)
                current.tables.table.items_read = 0  # type: ignore[attr-defined]
                started = time.perf_counter()
                result = reminders.sweep(current)
                timings[size].append(time.perf_counter() - started)
                reads[size].append(current.tables.table.items_read)  # type: ignore[attr-defined]
                assert result.due == DUE, result
        print(f"{'open':>9}{'due':>6}{'items read':>12}{'median ms':>11}")
        for size in sizes:
            median_ms = statistics.median(timings[size]) * 1000
            print(f"{size:>9,}{DUE:>6}{statistics.median(reads[size]):>12.0f}{median_ms:>11.1f}")
        small, large = sizes
        ratio = statistics.median(timings[large]) / statistics.median(timings[small])
        print(f"sweep time {large:,} / {small:,}: {ratio:.2f}x (goal ≤ 1.2); items read equal: "
              f"{statistics.median(reads[large]) == statistics.median(reads[small])}")
        print()
        groups = shard_groups(stack)
        print(f"{groups} shard groups (the template's reminders schedules) over {base.settings.timer_shards} shards")
        counts = (groups, *(n for n in compare_groups if n != groups))
        for count in counts:
            if base.settings.timer_shards % count:
                raise ValueError(f"{count} groups do not divide the {base.settings.timer_shards} timer shards")
        fan_out, compared = _fan_out(base, client, template, due_sizes, whole_up_to, counts) if due_sizes else ({}, {})
    if json_path:
        json_path.write_text(json.dumps({
            "sizes": list(sizes), "median_ms": {str(k): statistics.median(v) * 1000 for k, v in timings.items()},
            "items_read": {str(k): statistics.median(v) for k, v in reads.items()}, "ratio": ratio,
            "groups": groups, "shards": base.settings.timer_shards, "due": fan_out, "compared_groups": compared}))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path)
    parser.add_argument("--open", type=int, nargs=2, default=(1_000, 100_000), help="open complaints of part one")
    parser.add_argument("--due", type=int, nargs="*", default=[100, 10_000], help="due items of part two")
    parser.add_argument("--compare-groups", type=int, nargs="*", default=[],
                        help="also sweep each due set by these counts of shard groups, side by side in this run")
    parser.add_argument("--whole-up-to", type=int, default=2_000,
                        help="sweep a due set whole too only up to this size (above it, the groups' sum is its time)")
    arguments = parser.parse_args()
    main(sizes=tuple(arguments.open), json_path=arguments.json, due_sizes=tuple(arguments.due),
         whole_up_to=arguments.whole_up_to, compare_groups=tuple(arguments.compare_groups))
