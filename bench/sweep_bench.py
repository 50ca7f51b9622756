"""The reminders sweep: it reads only what is due, and its shard groups share a large due set.

Part one, 1,000 versus 100,000 open complaints, the same 100 due:

Two tables built from the template's key schema in one local stack: one with
1,000 open complaints, one with 100,000, each with the same 100 complaints
whose wait is overdue. Sweeps alternate between them (the due complaints are
put back before each), and the table prints items read per sweep and the time
ratio. GSI queries use the local stack's partition index (the patch
`indexed_gsi_queries`), so their cost follows the partition read as on
DynamoDB rather than moto's walk over the whole table.

Part two, 100 versus 10,000 due: one sweep over every shard, then the four shard groups' sweeps (the
template's four schedules, each reading shard % 4 == its group), one after another here; on AWS they run
side by side, so the minute has to hold the longest group, not their sum.
Run: `make bench` (or `python -m bench.sweep_bench`).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
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
from infra.local import moto_patches
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


GROUPS = 4  # the template's reminders schedules, one per shard group


def _fan_out(base: Any, client: Any, template: dict[str, Any], due_sizes: tuple[int, ...]) -> dict[str, Any]:
    """Each due size swept whole, then by the shard groups; seconds, and how the groups shared the items."""
    found: dict[str, Any] = {}
    print(f"{'due':>7}{'one sweep s':>13}{'groups, longest s':>19}{'groups, sum s':>15}{'ms per due':>12}"
          f"{'items per group':>24}")
    for due in due_sizes:
        name = f"sweep-bench-due-{due}"
        client.create_table(TableName=name, **table_arguments(template))
        tables = Tables.on(Table(name, base.settings.timer_shards, client), counting(base.base_policy.calendar.zone))
        desk = dataclasses.replace(base, tables=tables)
        _reset_due(tables, due)
        started = time.perf_counter()
        whole = reminders.sweep(desk)
        one = time.perf_counter() - started
        assert whole.due == due, whole
        _reset_due(tables, due)
        groups, items = [], []
        for group in range(GROUPS):
            started = time.perf_counter()
            part = reminders.sweep(desk.sweeping(group, GROUPS))
            groups.append(time.perf_counter() - started)
            items.append(part.due)
        assert sum(items) == due, items
        print(f"{due:>7,}{one:>13.1f}{max(groups):>19.1f}{sum(groups):>15.1f}{one * 1000 / due:>12.1f}"
              f"{' / '.join(f'{n:,}' for n in items):>24}")
        found[str(due)] = {"one_s": one, "groups_s": groups, "items": items}
    return found


def main(sizes: tuple[int, int] = (1_000, 100_000), rounds: int = 3, json_path: Path | None = None,
         due_sizes: tuple[int, ...] = (100, 10_000)) -> None:
    config = StackConfig(tick_schedule=False, log_level="ERROR", api_port=8184,
                         data_dir=Path(".local/bench-sweep"))
    with LocalStack(config) as stack, moto_patches.install("indexed_gsi_queries"):
        base = bootstrap.desk()
        client = boto3.client("dynamodb", region_name="us-east-1")
        template = stack.resolver.resolve(stack.resources["ComplaintsTable"]["Properties"])
        desks = {}
        for size in sizes:
            name = f"sweep-bench-{size}"
            client.create_table(TableName=name, **table_arguments(template))
            counted = CountingTable(name, base.settings.timer_shards, client)
            tables = Tables.on(counted, counting(base.base_policy.calendar.zone))
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
        fan_out = _fan_out(base, client, template, due_sizes) if due_sizes else {}
    if json_path:
        json_path.write_text(json.dumps({
            "sizes": list(sizes), "median_ms": {str(k): statistics.median(v) * 1000 for k, v in timings.items()},
            "items_read": {str(k): statistics.median(v) for k, v in reads.items()}, "ratio": ratio,
            "groups": GROUPS, "due": fan_out}))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path)
    parser.add_argument("--open", type=int, nargs=2, default=(1_000, 100_000), help="open complaints of part one")
    parser.add_argument("--due", type=int, nargs="*", default=[100, 10_000], help="due items of part two")
    arguments = parser.parse_args()
    main(sizes=tuple(arguments.open), json_path=arguments.json, due_sizes=tuple(arguments.due))
