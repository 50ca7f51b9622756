"""Many clients at once: signed deliveries, repeats of earlier ones and operator actions, none crossing another.

Client threads share one queue of jobs:
- a distinct delivery (its own webhook id and external id);
- now and then a repeat of an earlier delivery (same webhook id, same body),
  which must be answered with the original complaint id;
- now and then the owner's work on one delivered complaint: accept, resolve,
  and the callback in which the customer confirms the fix.

Afterwards every complaint is read back: each webhook id has its own
complaint carrying its own external id, the actions landed on the complaints
they named and on no other, and no workflow failed. The integration suite
runs it small; `make bench` runs it at 500 deliveries.
"""

from __future__ import annotations

import functools
import json
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import boto3

from infra.cli.client import ApiError, DeskClient
from infra.local import durable, scenarios
from infra.local.stack import LocalStack

PATH = "/v1/portals/demo-portal/complaints"
# Network and broadband complaints: resolved by their owner, with no quality check the policy would ask for.
TEXTS = ("小区里信号弱，经常掉话，已经持续两周了。", "宽带每天晚上断线好几次，影响在家办公。",
         "地下车库完全没有信号，电话打不出去。", "The 4G signal at my office drops every afternoon.")
REPORT = {"outcome": "resolved", "root_cause": "other", "actions": "fixed on site"}


@dataclass
class Outcome:
    deliveries: int
    repeats: int
    handled: int
    seconds: float
    problems: list[str] = field(default_factory=list)
    failed_workflows: int = 0


def body(tag: str, n: int) -> dict[str, Any]:
    return {"channel": "hotline", "external_id": f"STRESS-{tag}-{n:04d}", "service": "mobile_voice",
            "customer": {"name": "压力测试", "phone": f"1380000{n:04d}"}, "text": TEXTS[n % len(TEXTS)],
            "location": {"area": f"stress-area-{n}"}}  # apart: no outage is declared over them


class Run:
    def __init__(self, stack: LocalStack, client: DeskClient, tag: str, deliveries: int, *,
                 repeat_every: int, handle_every: int, wait_seconds: float) -> None:
        self.stack, self.client, self.tag = stack, client, tag
        self.deliveries = deliveries
        self.repeat_every, self.handle_every, self.wait_seconds = repeat_every, handle_every, wait_seconds
        self.ids: dict[int, str] = {}
        self.repeated: dict[int, str] = {}
        self.owners: dict[int, str] = {}
        self.delivered = {n: threading.Event() for n in range(deliveries)}
        self.problems: list[str] = []
        self._lock = threading.Lock()

    def jobs(self) -> list[Callable[[], None]]:
        found: list[Callable[[], None]] = []
        for n in range(self.deliveries):
            found.append(functools.partial(self.deliver, n))
            if self.repeat_every and n % self.repeat_every == self.repeat_every - 1:
                found.append(functools.partial(self.repeat, n - self.repeat_every + 1))
            if self.handle_every and n % self.handle_every == self.handle_every // 2:
                found.append(functools.partial(self.handle, n - self.handle_every // 2))
        return found

    def _send(self, n: int) -> str:
        raw = json.dumps(body(self.tag, n), ensure_ascii=False).encode()
        # As a portal does: "still being processed; retry" is sent again until it is answered.
        while True:
            response = self.client.signed("demo-portal", "POST", PATH, raw, webhook_id=f"msg_{self.tag}_{n}")
            if response.status_code != 409 or response.json().get("error") != "Conflict":
                break
            time.sleep(0.1)
        if response.status_code != 202:
            raise AssertionError(f"delivery {n}: {response.status_code} {response.text}")
        return str(response.json()["complaint_id"])

    def deliver(self, n: int) -> None:
        self.ids[n] = self._send(n)
        self.delivered[n].set()

    def repeat(self, n: int) -> None:
        self.repeated[n] = self._send(n)

    def handle(self, n: int) -> None:
        if not self.delivered[n].wait(self.wait_seconds):
            raise AssertionError(f"delivery {n} was never answered")
        complaint_id = self.ids[n]
        view = self.client.wait_for(complaint_id, scenarios.MANAGER, awaiting="acceptance", timeout=self.wait_seconds)
        owner = str(view["owner_id"])
        answer = self._act(complaint_id, "accept", owner)
        self._same(n, answer, "accept")
        self.client.wait_for(complaint_id, owner, awaiting="resolution", timeout=self.wait_seconds)
        self._same(n, self._act(complaint_id, "resolve", owner, REPORT), "resolve")
        self.client.wait_for(complaint_id, owner, awaiting="confirmation", timeout=self.wait_seconds)
        self._same(n, self._act(complaint_id, "callbacks", owner, {"outcome": "fixed"}), "callback")
        self.client.wait_for(complaint_id, owner, status="closed", timeout=self.wait_seconds)
        self.owners[n] = owner

    def _act(self, complaint_id: str, action: str, agent: str, report: dict[str, Any] | None = None) -> dict[str, Any]:
        """An operator's action; refused because the workflow wrote the complaint meanwhile, done again (as the
        console does once it has reloaded the complaint)."""
        for _ in range(20):
            try:
                return self.client.act(complaint_id, action, agent, report)
            except ApiError as refused:
                if refused.status != 409 or "changed by someone else" not in str(refused.body):
                    raise
                time.sleep(0.2)
        return self.client.act(complaint_id, action, agent, report)

    def _same(self, n: int, answer: dict[str, Any], action: str) -> None:
        if answer.get("complaint_id") not in (None, self.ids[n]):
            with self._lock:
                self.problems.append(f"{action} on {self.ids[n]} answered for {answer.get('complaint_id')}")

    # ------------------------------------------------------------ afterwards
    def check(self) -> int:
        """Every problem found reading the complaints back; the number of failed workflows."""
        found = self.problems
        if len(set(self.ids.values())) != self.deliveries:
            found.append(f"{self.deliveries} deliveries made {len(set(self.ids.values()))} distinct complaints")
        for n, complaint_id in self.repeated.items():
            if complaint_id != self.ids.get(n):
                found.append(f"a repeat of delivery {n} answered {complaint_id}, the original {self.ids.get(n)}")
        stored = self._stored()
        for n, complaint_id in self.ids.items():
            item = stored.get(complaint_id)
            if item is None:
                found.append(f"delivery {n}: complaint {complaint_id} is not stored")
            elif item["external_id"] != body(self.tag, n)["external_id"]:
                found.append(f"delivery {n}: {complaint_id} carries {item['external_id']}")
            elif item["status"] == "failed":
                found.append(f"delivery {n}: {complaint_id} failed")
            elif n in self.owners and item["status"] != "closed":
                found.append(f"delivery {n}: handled but {item['status']}")
            elif n not in self.owners and item["status"] in ("in_progress", "resolved", "closed"):
                found.append(f"delivery {n}: nobody acted on {complaint_id}, yet it is {item['status']}")
        sfn = boto3.client("stepfunctions", region_name=self.stack.config.region)
        failed = [e["name"] for page in sfn.get_paginator("list_executions").paginate(
            stateMachineArn=self.stack.state_machine_arn, statusFilter="FAILED") for e in page["executions"]]
        ours = set(self.ids.values())
        return len([name for name in failed if name in ours])

    def _stored(self) -> dict[str, dict[str, str]]:
        ddb = boto3.client("dynamodb", region_name=self.stack.config.region)
        items: dict[str, dict[str, str]] = {}
        for page in ddb.get_paginator("scan").paginate(
                TableName=self.stack.physical["ComplaintsTable"], FilterExpression="SK = :a AND begins_with(PK, :c)",
                ExpressionAttributeValues={":a": {"S": "A"}, ":c": {"S": "C#"}}):
            for item in page["Items"]:
                items[item["PK"]["S"][2:]] = {"external_id": item.get("external_id", {}).get("S", ""),
                                              "status": item.get("status", {}).get("S", "")}
        return items


def make_room(stack: LocalStack, client: DeskClient, deliveries: int) -> None:
    """The manager raises every agent's capacity to the run's size, so every complaint gets an owner at once."""
    roster = client._call("GET", "/v1/admin/agents", agent=scenarios.MANAGER)
    for agent in roster:
        if agent.get("capacity", 0) and agent["capacity"] < deliveries:
            changed = {k: v for k, v in agent.items() if k != "id"} | {"capacity": deliveries}
            client._call("PUT", f"/v1/admin/agents/{agent['id']}", agent=scenarios.MANAGER, json=changed)
    stack.recycle()  # each warm container reads the roster again within a minute; new ones at once


def run(stack: LocalStack, client: DeskClient, deliveries: int, *, threads: int = 8, tag: str = "s",
        repeat_every: int = 5, handle_every: int = 10, wait_seconds: float = 600.0) -> Outcome:
    """Play the jobs on `threads` client threads; what was found once they all ended."""
    make_room(stack, client, deliveries)
    stress = Run(stack, client, tag, deliveries, repeat_every=repeat_every, handle_every=handle_every,
                 wait_seconds=wait_seconds)
    started = time.perf_counter()
    errors: list[str] = []

    def play(job: Callable[[], None]) -> None:
        try:
            job()
        except Exception as exc:  # noqa: BLE001 - every job's failure is reported, not only the first
            errors.append(f"{type(exc).__name__}: {exc}")

    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(play, stress.jobs()))
    seconds = time.perf_counter() - started
    failed = stress.check()
    return Outcome(deliveries, len(stress.repeated), len(stress.owners), seconds, errors + stress.problems, failed)


def main() -> None:
    import argparse
    from pathlib import Path

    from infra.local.stack import StackConfig

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deliveries", type=int, default=500)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    config = StackConfig(tick_schedule=False, log_level="ERROR", api_port=8189, aws_port=4603,
                         data_dir=durable.emptied(Path(".local/bench-stress")), start_local="09:00",
                         policy_changes={"quality_check": {"sample_rate": 0.0}})
    with LocalStack(config) as stack:
        client = DeskClient(api_url=config.api_url, aws_url=config.aws_url, stack_name=config.stack_name,
                            dev_data_dir=config.data_dir)
        outcome = run(stack, client, args.deliveries, threads=args.threads, tag="bench")
    print(f"{outcome.deliveries} deliveries, {outcome.repeats} repeats and {outcome.handled} complaints worked "
          f"through by {args.threads} client threads in {outcome.seconds:.0f} s: {len(outcome.problems)} problems, "
          f"{outcome.failed_workflows} failed workflows")
    for problem in outcome.problems[:20]:
        print(f"  {problem}")
    if args.json:
        args.json.write_text(json.dumps({"deliveries": outcome.deliveries, "repeats": outcome.repeats,
                                         "handled": outcome.handled, "seconds": outcome.seconds,
                                         "problems": len(outcome.problems),
                                         "failed_workflows": outcome.failed_workflows}))


if __name__ == "__main__":
    main()
