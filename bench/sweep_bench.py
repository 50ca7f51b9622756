"""The reminders sweep reads only what is due: 1,000 versus 100,000 open complaints, the same 100 due.

Two tables built from the template's key schema in one local stack: one with
1,000 open complaints, one with 100,000, each with the same 100 complaints
whose wait is overdue. Sweeps alternate between them (the due complaints are
put back before each), and the table prints items read per sweep and the time
ratio. GSI queries use the local stack's partition index (the patch
`indexed_gsi_queries`), so their cost follows the partition read as on
DynamoDB rather than moto's walk over the whole table. Run: `make bench` (or `python -m bench.sweep_bench`).
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


def _reset_due(tables: Tables) -> None:
    table = dynamodb_backends[ACCOUNT]["us-east-1"].get_table(tables.table.name)
    for n in range(DUE):
        table.put_item(tables.complaints._aggregate_put(_record(n, due=True), None)["Put"]["Item"])


def main(sizes: tuple[int, int] = (1_000, 100_000), rounds: int = 3, json_path: Path | None = None) -> None:
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
    if json_path:
        json_path.write_text(json.dumps({
            "sizes": list(sizes), "median_ms": {str(k): statistics.median(v) * 1000 for k, v in timings.items()},
            "items_read": {str(k): statistics.median(v) for k, v in reads.items()}, "ratio": ratio}))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path)
    main(json_path=parser.parse_args().json)
