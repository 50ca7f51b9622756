"""Delivery throughput on the local stack: 1 and 4 client threads, with the workflow's automatic steps included.

Each round sends signed deliveries from its client threads, then waits until
every complaint of the round has been classified, assigned and is waiting for
its owner's acceptance: the rate counts complaints through the automatic
steps, not only answered webhooks. Server CPU per complaint is the CPU time
of the whole local stack (its own process and every function's containers)
over the round, divided by its complaints.

The cost of verifying a signature is measured beside it, in this process:
the verification of a delivery (HMAC over the body, timestamp, the portal's
secrets) against parsing the same body alone.

Run: `make bench` (or `python -m bench.intake_bench --requests 200`).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
from standardwebhooks.webhooks import Webhook

from complaints import bootstrap
from complaints.intake import portals
from infra.cli.client import DeskClient
from infra.local import durable
from infra.local.stack import LocalStack, StackConfig

PORTAL = "demo-portal"
# Measured with the same two client modes on this kind of machine (django-helpdesk on gunicorn and SQLite,
# two workers): tickets created per second and server CPU per ticket.
PEER = {"1 client": 16.0, "4 clients": 21.0, "cpu_ms": 55.0}


def _body(n: int, tag: str) -> bytes:
    return json.dumps({
        "channel": "app", "external_id": f"BENCH-{tag}-{n:06d}", "service": "mobile_data",
        "customer": {"name": "测试用户", "phone": f"138{n:08d}"},
        "text": "手机上网很慢，经常上不了网，晚上尤其严重。",
        "location": {"area": f"bench-area-{n}"},  # distinct areas: no outage clustering in an intake benchmark
    }, ensure_ascii=False).encode()


def _cpu_seconds(stack: LocalStack) -> float:
    """CPU time so far of the stack's process and of every running container of its functions."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    total = own.ru_utime + own.ru_stime
    ticks = os.sysconf("SC_CLK_TCK")
    for function in stack.functions.values():
        for container in list(function._all):
            try:
                fields = Path(f"/proc/{container.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return total


def _waiting(stack: LocalStack, ids: list[str], timeout: float = 600.0) -> None:
    """Until every complaint waits for a person (its owner's acceptance, or a supervisor's assignment when every
    agent is at capacity) or is failed: the automatic steps are done."""
    ddb = boto3.client("dynamodb", region_name=stack.config.region)
    table = stack.physical["ComplaintsTable"]
    pending = set(ids)
    deadline = time.monotonic() + timeout
    while pending:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{len(pending)} complaints never reached an owner")
        for chunk in [list(pending)[i:i + 100] for i in range(0, len(pending), 100)]:
            answer = ddb.batch_get_item(RequestItems={table: {"Keys": [
                {"PK": {"S": f"C#{cid}"}, "SK": {"S": "A"}} for cid in chunk]}})
            for item in answer["Responses"][table]:
                if (item.get("stage", {}).get("S") in ("acceptance", "assignment")
                        or item.get("status", {}).get("S") == "failed"):
                    pending.discard(item["PK"]["S"][2:])
        if pending:
            time.sleep(0.1)


def round_of(stack: LocalStack, client: DeskClient, count: int, threads: int, tag: str) -> dict[str, float]:
    cpu_before, started = _cpu_seconds(stack), time.perf_counter()
    latencies: list[float] = []

    def send(n: int) -> str:
        sent = time.perf_counter()
        response = client.signed(PORTAL, "POST", f"/v1/portals/{PORTAL}/complaints", _body(n, tag))
        latencies.append(time.perf_counter() - sent)
        if response.status_code != 202:
            raise RuntimeError(f"{response.status_code}: {response.text[:200]}")
        return str(response.json()["complaint_id"])

    with ThreadPoolExecutor(max_workers=threads) as pool:
        ids = list(pool.map(send, range(count)))
    answered = time.perf_counter() - started
    _waiting(stack, ids)
    through = time.perf_counter() - started
    cpu = _cpu_seconds(stack) - cpu_before
    return {"complaints": count, "answered_per_second": count / answered, "through_per_second": count / through,
            "p50_ms": statistics.median(latencies) * 1000, "cpu_ms_per_complaint": cpu / count * 1000}


def verification_cost(rounds: int = 2000) -> dict[str, float]:
    """µs to verify one signed delivery, beside parsing its body alone (both in this process)."""
    desk = bootstrap.desk()
    secrets = portals.portal_secrets(desk.settings.required("portal_secrets_name"))
    body = _body(1, "verify")
    at = datetime.now(UTC)
    headers = {"webhook-id": "msg_verify", "webhook-timestamp": str(int(at.timestamp())),
               "webhook-signature": Webhook(secrets[PORTAL][0]).sign("msg_verify", at, body.decode())}
    started = time.perf_counter()
    for _ in range(rounds):
        portals.verify_delivery(desk.policy, PORTAL, headers, body, secrets=secrets, tolerance_seconds=300,
                                max_body_bytes=65536)
    verify = (time.perf_counter() - started) / rounds
    started = time.perf_counter()
    for _ in range(rounds):
        json.loads(body)
    parse = (time.perf_counter() - started) / rounds
    return {"verify_us": verify * 1e6, "parse_us": parse * 1e6}


def run(count: int) -> dict[str, Any]:
    config = StackConfig(tick_schedule=False, log_level="ERROR", api_port=8181, aws_port=4599,
                         data_dir=durable.emptied(Path(".local/bench")), start_local="09:00")
    with LocalStack(config) as stack:
        client = DeskClient(api_url=config.api_url, aws_url=config.aws_url, stack_name=config.stack_name,
                            dev_data_dir=config.data_dir)
        round_of(stack, client, 16, 4, "warm")  # containers started, secrets and roster read
        rounds = {"1 client": round_of(stack, client, count, 1, "one"),
                  "4 clients": round_of(stack, client, count, 4, "four")}
        cost = verification_cost()
    return {"rounds": rounds, "verification": cost, "peer": PEER}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=100, help="deliveries per round")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    result = run(args.requests)
    print(f"signed deliveries on the local stack, {args.requests} a round, through classification and assignment")
    print(f"{'clients':<11}{'answered/s':>11}{'through/s':>11}{'p50 ms':>9}{'CPU ms/complaint':>18}"
          f"{'peer /s':>9}{'peer CPU ms':>13}")
    for mode, row in result["rounds"].items():
        print(f"{mode:<11}{row['answered_per_second']:>11.1f}{row['through_per_second']:>11.1f}{row['p50_ms']:>9.0f}"
              f"{row['cpu_ms_per_complaint']:>18.0f}{PEER[mode]:>9.1f}{PEER['cpu_ms']:>13.0f}")
    cost = result["verification"]
    print(f"verifying a signature: {cost['verify_us']:.0f} µs, parsing the body alone {cost['parse_us']:.0f} µs")
    if args.json:
        args.json.write_text(json.dumps(result))


if __name__ == "__main__":
    main()
