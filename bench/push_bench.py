"""Status pushes with one slow portal: the queue-driven sender beside posting one delivery after another.

One local stack, a receiver on loopback: a fast portal answering at once and a
slow one taking `--slow-seconds` per delivery. The same status events (written
straight into the outbox, as a change's save writes them) go out twice:
- queued: one tick — the relay claims them onto the push queue and the sender,
  fed by the emulated SQS event source, posts each batch's messages at once;
- serial: the same sender function, in the same containers, handed one message
  at a time, one after another: one function in series, as the single
  scheduled sender posted before the queue.
A first round, not counted, starts the sender's containers.
It prints the seconds until the fast portal had all of its events, until
every event was delivered, and deliveries per second. Run: `python -m bench.push_bench`.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from complaints import bootstrap
from complaints.adapters.push_queue import QueuedPush
from complaints.core import clock
from complaints.core.outbox import StatusEvent
from complaints.desk.context import Desk
from complaints.workflow import pushing
from infra.cli.client import DeskClient
from infra.local.receiver import PortalReceiver
from infra.local.stack import LocalStack, StackConfig

FAST, SLOW = "miit-appeals", "demo-portal"


class ListQueue:
    def __init__(self) -> None:
        self.sent: list[QueuedPush] = []

    def send(self, pushes: Any) -> list[tuple[QueuedPush, str]]:
        self.sent += pushes
        return []


def _write(desk: Desk, run: str, fast: int, slow: int) -> None:
    """The run's status events in the outbox, one complaint each, the slow portal's among the fast one's."""
    now = clock.now()
    slow_at = {i * (fast + slow) // slow for i in range(slow)}
    for n in range(fast + slow):
        portal = SLOW if n in slow_at else FAST
        body = json.dumps({"type": "complaint.acknowledged", "data": {"complaint_id": f"{run}-{n:04d}"}})
        desk.tables.table.client.transact_write_items(TransactItems=[desk.tables.pushes.put(
            f"{run}-{n:04d}", StatusEvent(portal, "acknowledged", body), 1, now)])


def _measure(receiver: PortalReceiver, run: str, started: float, ended: float, fast: int,
             total: int) -> dict[str, float]:
    got = [g for g in receiver.got if g["event"].get("data", {}).get("complaint_id", "").startswith(run)]
    assert len(got) == total, f"{run}: {len(got)} of {total} delivered"
    fast_done = max(g["at"] for g in got if g["path"] == "/fast/ok") - started
    every = ended - started  # the slow portal's last answer is in by then
    return {"fast_portal_done_s": fast_done, "all_done_s": every, "per_second": total / every,
            "fast_per_second": fast / fast_done}


def main(fast: int, slow: int, slow_seconds: float, json_path: Path | None) -> None:
    config = StackConfig(tick_schedule=False, log_level="ERROR", api_port=0, aws_port=0,
                         durable=False, data_dir=Path(".local/bench-push"),
                         policy_changes={"status_push": {"allow_http_hosts": ["127.0.0.1"]}})
    with PortalReceiver() as receiver, LocalStack(config) as stack:
        receiver.slow_seconds = slow_seconds
        client = DeskClient(api_url=stack.config.api_url, aws_url=stack.config.aws_url,
                            stack_name=stack.config.stack_name, dev_data_dir=stack.config.data_dir)
        receiver.secrets = {"/fast/ok": client.portal_secret(FAST), "/slow/ok": client.portal_secret(SLOW)}
        client.register_webhook(FAST, receiver.url + "/fast/ok")
        client.register_webhook(SLOW, receiver.url + "/slow/ok")
        desk = bootstrap.desk()

        results: dict[str, dict[str, float]] = {}
        _write(desk, "W", fast, slow)  # the warm-up: the sender's containers start
        stack.tick()
        _write(desk, "Q", fast, slow)
        started = time.monotonic()
        stack.tick()  # returns once the queue is drained and its batches handled
        results["queued"] = _measure(receiver, "Q", started, time.monotonic(), fast, fast + slow)

        _write(desk, "S", fast, slow)
        started = time.monotonic()
        queue = ListQueue()
        pushing.relay(desk, queue)
        sender = stack.functions["PushSenderFunction"]
        for n, message in enumerate(queue.sent):
            sender.invoke({"Records": [{"messageId": f"serial-{n}", "receiptHandle": f"serial-{n}",
                                        "body": message.body, "attributes": {}, "messageAttributes": {},
                                        "md5OfBody": "", "eventSource": "aws:sqs",
                                        "eventSourceARN": "serial", "awsRegion": "us-east-1"}]})
        results["serial"] = _measure(receiver, "S", started, time.monotonic(), fast, fast + slow)

    print(f"\n{fast} events to a fast portal, {slow} to one answering in {slow_seconds:.1f} s")
    print(f"{'sender':<10}{'fast portal done':>18}{'all done':>10}{'deliveries/s':>14}{'fast portal /s':>16}")
    for name, row in results.items():
        print(f"{name:<10}{row['fast_portal_done_s']:>16.2f} s{row['all_done_s']:>8.2f} s"
              f"{row['per_second']:>14.1f}{row['fast_per_second']:>16.1f}")
    if json_path:
        json_path.write_text(json.dumps({"fast": fast, "slow": slow, "slow_seconds": slow_seconds, **results}))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fast", type=int, default=60)
    parser.add_argument("--slow", type=int, default=6)
    parser.add_argument("--slow-seconds", type=float, default=2.0)
    parser.add_argument("--json", type=Path)
    arguments = parser.parse_args()
    main(arguments.fast, arguments.slow, arguments.slow_seconds, arguments.json)
