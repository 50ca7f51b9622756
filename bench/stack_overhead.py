"""The local stack's own cost beside its handlers': CPU per request, intake and end-to-end throughput.

The stack runs in this process; the clients run in a child process of their
own, so this process's CPU time is the stack's alone: the HTTP API, the
runtime's hops to the containers, the AWS endpoint (IAM checks, moto's
services, the journal) and the Step Functions interpreter. The handlers' time
is the CPU time of the functions' containers (their own processes). Both are
read over the same phase of the same run, so a machine busy with other work
slows both alike and the ratio stays comparable:

    overhead ratio = the stack process's CPU ÷ the containers' CPU (goal ≤ 1)

Two phases, each after a warm-up: end to end (happy lifecycles from 4 client
threads, webhook to survey answered, the clock driven through the HTTP API)
and intake (signed deliveries from 4 client threads, until each complaint
waits for its owner). The figures before the local stack's plumbing was
reworked, measured by this same benchmark on the earlier code, are printed
beside them (BEFORE).

Run: `make bench` (or `python -m bench.stack_overhead --requests 40 --complaints 8`).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

PORTAL = "demo-portal"
# The previous figures: docs/performance.md's last run (intake 4 clients, end to end), and this benchmark on the
# code before the plumbing was reworked (2026-11-30, load average 20 on 2 cores from other work).
BEFORE: dict[str, dict[str, float]] = {
    "performance.md": {"intake_per_second": 2.0, "intake_p50_ms": 1757.0, "end_to_end_per_second": 0.33},
    "earlier code": {"intake_ratio": 3.52, "end_to_end_ratio": 1.18, "intake_stack_ms": 398.0,
                     "end_to_end_stack_ms": 1607.0, "intake_per_second": 0.82, "intake_p50_ms": 3980.0,
                     "end_to_end_per_second": 0.11},
}


def _ticks(pid: int) -> float:
    """A live process's CPU seconds so far (user + system), from /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _cpu(stack: Any) -> dict[str, float]:
    """CPU seconds so far: the stack's own process, and every live container of its functions."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    containers = 0.0
    for function in stack.functions.values():
        with function._changed:
            pids = [container.process.pid for container in function._all]
        containers += sum(_ticks(pid) for pid in pids)
    return {"stack": own.ru_utime + own.ru_stime, "containers": containers}


# ---------------------------------------------------------------- the clients' process
class _StackByHttp:
    """What the shared scenario steps ask of a stack, over its HTTP API and data directory (another process)."""

    def __init__(self, client: Any, outbox: Path) -> None:
        self.client, self.outbox_path = client, outbox

    def outbox(self) -> list[dict[str, Any]]:
        lines = self.outbox_path.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.strip()]

    def tick(self) -> dict[str, Any]:
        return self.client.tick()

    def advance(self, delta: timedelta) -> None:
        self.client.advance_clock(delta.total_seconds())

    def customer_messages(self, complaint_id: str, template: str, within_hours: int = 24) -> list[dict[str, Any]]:
        """As LocalStack.customer_messages; a whole day, since four clients move the clock past quiet hours."""
        from infra.local.stack import LocalStack

        return LocalStack.customer_messages(self, complaint_id, template, within_hours)  # type: ignore[arg-type]


def _delivery(n: int, tag: str) -> dict[str, Any]:
    return {"channel": "app", "external_id": f"OVERHEAD-{tag}-{n:05d}", "service": "mobile_data",
            "customer": {"name": "测试用户", "phone": f"139{n:08d}"},
            "text": "手机上网很慢，经常上不了网，晚上尤其严重。", "location": {"area": f"overhead-{tag}-{n}"}}


def _through_assignment(client: Any, ids: list[str], timeout: float = 600.0) -> None:
    """Until every complaint waits for a person (acceptance, or assignment when every agent is full) or failed."""
    from infra.local import scenarios

    pending, deadline = set(ids), time.monotonic() + timeout
    while pending:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{len(pending)} complaints never reached an owner")
        for complaint_id in list(pending):
            view = client.show(complaint_id, scenarios.MANAGER)
            if view.get("awaiting") in ("acceptance", "assignment") or view.get("status") == "failed":
                pending.discard(complaint_id)
        if pending:
            time.sleep(0.2)


def _intake(client: Any, count: int, threads: int, tag: str) -> dict[str, float]:
    latencies: list[float] = []

    def send(n: int) -> str:
        sent = time.perf_counter()
        answer = client.submit(PORTAL, _delivery(n, tag))
        latencies.append(time.perf_counter() - sent)
        return str(answer["complaint_id"])

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        ids = list(pool.map(send, range(count)))
    answered = time.perf_counter() - started
    _through_assignment(client, ids)
    return {"requests": count, "per_second": count / answered, "through_per_second": count / (time.perf_counter()
                                                                                             - started),
            "p50_ms": statistics.median(latencies) * 1000}


def _lifecycles(client: Any, stack: _StackByHttp, count: int, threads: int, tag: str) -> dict[str, float]:
    from bench.lifecycle_bench import CHECKER, _body
    from infra.local import scenarios

    def happy(n: int) -> None:
        complaint_id = client.submit(PORTAL, _body(n, tag))["complaint_id"]
        owner = scenarios.to_confirmation(client, complaint_id, scenarios.RESOLVED, checked_by=CHECKER,
                                            daytime=True)
        scenarios.close_and_rate(stack, client, complaint_id, owner, 9)  # type: ignore[arg-type]

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(happy, range(count)))
    return {"complaints": count, "per_second": count / (time.perf_counter() - started)}


def _drive(settings: dict[str, Any], channel: Connection) -> None:
    """The clients: each phase is announced, so the stack's process reads the CPU counters around it."""
    from infra.cli.client import DeskClient

    class PatientClient(DeskClient):
        """Waits a minute for each step: a machine busy with other work can be slow to start containers."""

        def wait_for(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
            kwargs.setdefault("timeout", 60.0)
            return super().wait_for(*args, **kwargs)

    client = PatientClient(api_url=settings["api_url"], aws_url=settings["aws_url"], stack_name=settings["stack_name"],
                        dev_data_dir=Path(settings["data_dir"]), timeout=60)
    stack = _StackByHttp(client, Path(settings["data_dir"]) / "outbox.jsonl")
    threads = settings["threads"]

    def phase(name: str, run: Any) -> None:
        channel.send(("start", name))
        channel.recv()
        figures = run()
        channel.send(("end", name, figures))
        channel.recv()

    try:
        _intake(client, 2, 1, "first")  # the first execution, every container started
        _lifecycles(client, stack, 2, 2, "warm")
        phase("end_to_end", lambda: _lifecycles(client, stack, settings["complaints"], threads, "e2e"))
        _intake(client, 8, threads, "warm")
        phase("intake", lambda: _intake(client, settings["requests"], threads, "intake"))
        channel.send(("done",))
    except BaseException as exc:
        channel.send(("failed", f"{type(exc).__name__}: {exc}"))
        raise


# ---------------------------------------------------------------- the stack's process
def run(requests: int, complaints: int, threads: int, data_dir: Path) -> dict[str, Any]:
    import shutil

    from infra.local.stack import LocalStack, StackConfig

    shutil.rmtree(data_dir, ignore_errors=True)
    config = StackConfig(tick_schedule=False, log_level="ERROR", api_port=8193, aws_port=4613, data_dir=data_dir,
                         start_local="09:00", policy_changes={"quality_check": {"sample_rate": 0.0}})
    phases: dict[str, dict[str, float]] = {}
    with LocalStack(config) as stack:
        ours, theirs = multiprocessing.Pipe()
        settings = {"api_url": config.api_url, "aws_url": config.aws_url, "stack_name": config.stack_name,
                    "data_dir": str(config.data_dir), "threads": threads, "requests": requests,
                    "complaints": complaints}
        clients = multiprocessing.get_context("spawn").Process(target=_drive, args=(settings, theirs), daemon=True)
        clients.start()
        before: dict[str, float] = {}
        try:
            while True:
                message = ours.recv()
                if message[0] == "start":
                    before = _cpu(stack)
                elif message[0] == "end":
                    after = _cpu(stack)
                    spent = {part: after[part] - before[part] for part in after}
                    phases[message[1]] = {**message[2], "stack_cpu_s": spent["stack"],
                                          "containers_cpu_s": spent["containers"],
                                          "ratio": spent["stack"] / max(spent["containers"], 1e-9)}
                elif message[0] == "done":
                    break
                else:
                    raise RuntimeError(f"the clients failed: {message[1]}")
                ours.send("go")
        finally:
            clients.join(30)
    return {"phases": phases, "threads": threads, "load_average": os.getloadavg()[0]}


def figures(outcome: dict[str, Any]) -> dict[str, float]:
    intake, end_to_end = outcome["phases"]["intake"], outcome["phases"]["end_to_end"]
    return {"intake_ratio": intake["ratio"], "end_to_end_ratio": end_to_end["ratio"],
            "intake_stack_ms": intake["stack_cpu_s"] / intake["requests"] * 1000,
            "end_to_end_stack_ms": end_to_end["stack_cpu_s"] / end_to_end["complaints"] * 1000,
            "intake_per_second": intake["per_second"], "intake_p50_ms": intake["p50_ms"],
            "end_to_end_per_second": end_to_end["per_second"]}


ROWS = (("overhead ratio, intake (stack CPU ÷ handlers' CPU)", "intake_ratio", "{:.2f}", "≤ 1"),
        ("overhead ratio, end to end", "end_to_end_ratio", "{:.2f}", "≤ 1"),
        ("stack CPU ms per delivery, intake", "intake_stack_ms", "{:.0f}", ""),
        ("stack CPU ms per complaint, end to end", "end_to_end_stack_ms", "{:.0f}", ""),
        ("intake requests/s, 4 clients", "intake_per_second", "{:.1f}", ""),
        ("intake p50 ms, 4 clients", "intake_p50_ms", "{:.0f}", ""),
        ("end to end complaints/s, 4 clients", "end_to_end_per_second", "{:.2f}", ""))


def print_table(outcome: dict[str, Any]) -> None:
    for name, phase in outcome["phases"].items():
        count = phase.get("requests") or phase.get("complaints")
        print(f"{name}: {count} in {count / phase['per_second']:.1f} s; stack CPU {phase['stack_cpu_s']:.1f} s, "
              f"containers' CPU {phase['containers_cpu_s']:.1f} s, ratio {phase['ratio']:.2f}")
    now = figures(outcome)
    columns = list(BEFORE)
    print(f"{'figure':<52}" + "".join(f"{c:>16}" for c in columns) + f"{'now':>10}  goal")
    for label, key, fmt, goal in ROWS:
        old = "".join(f"{(fmt.format(BEFORE[c][key]) if BEFORE[c].get(key) else '—'):>16}" for c in columns)
        print(f"{label:<52}{old}{fmt.format(now[key]):>10}  {goal}")
    print(f"(load average at the end: {outcome['load_average']:.1f} on {os.cpu_count()} cores)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=40, help="signed deliveries in the intake phase")
    parser.add_argument("--complaints", type=int, default=8, help="happy lifecycles in the end-to-end phase")
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--data-dir", type=Path, default=Path(".local/bench-overhead"))
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    outcome = run(args.requests, args.complaints, args.threads, args.data_dir.resolve())
    print_table(outcome)
    if args.json:
        args.json.write_text(json.dumps({**outcome, "figures": figures(outcome)}, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
