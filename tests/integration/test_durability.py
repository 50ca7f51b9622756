"""Nothing a client was told is lost: the local stack killed (SIGKILL) and started again on its data directory."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests

from infra.cli.client import DeskClient, Unreachable
from infra.local import scenarios
from tests.integration.patience import ANSWER_SECONDS, WAIT_SECONDS

pytestmark = [pytest.mark.integration, pytest.mark.long]
ROOT = Path(__file__).resolve().parents[2]
PATH = "/v1/portals/demo-portal/complaints"
STARTUP_SECONDS = 300.0  # a bound on a busy machine, not a pace: start-up is waited on by its ready line


class StackProcess:
    """`python -m tests.integration.stack_process` on a data directory; killed or stopped by the test."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.process = subprocess.Popen([sys.executable, "-m", "tests.integration.stack_process", str(data_dir)],
                                        cwd=ROOT, stdout=subprocess.PIPE, text=True)
        assert self.process.stdout is not None
        ready = json.loads(self._ready_line())  # the ports it bound itself: none is chosen here and raced for
        self.api_port, self.aws_port = int(ready["api_port"]), int(ready["aws_port"])
        self.restored: dict[str, Any] = ready["restored"]
        self.client = DeskClient(api_url=f"http://127.0.0.1:{self.api_port}",
                                 aws_url=f"http://127.0.0.1:{self.aws_port}", stack_name="complaints-local",
                                 dev_data_dir=data_dir, timeout=ANSWER_SECONDS, wait_seconds=WAIT_SECONDS)

    def _ready_line(self) -> str:
        found: list[str] = []
        reader = threading.Thread(target=lambda: found.append(self.process.stdout.readline()),  # type: ignore[union-attr]
                                  daemon=True)
        reader.start()
        reader.join(STARTUP_SECONDS)
        if not found or not found[0].strip():
            self.process.kill()
            raise AssertionError(f"the stack did not start (exit code {self.process.poll()})")
        return found[0]

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(STARTUP_SECONDS)

    def outbox(self) -> list[dict[str, Any]]:
        path = self.data_dir / "outbox.jsonl"
        lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
        return [json.loads(line) for line in lines if line.strip()]

    def complaint_items(self) -> dict[str, str]:
        ddb = boto3.client("dynamodb", region_name="us-east-1", endpoint_url=self.client.aws_url,
                           aws_access_key_id="local", aws_secret_access_key="local")
        found: dict[str, str] = {}
        for page in ddb.get_paginator("scan").paginate(
                TableName="complaints-local-ComplaintsTable", FilterExpression="SK = :a AND begins_with(PK, :c)",
                ExpressionAttributeValues={":a": {"S": "A"}, ":c": {"S": "C#"}}):
            for item in page["Items"]:
                found[item["PK"]["S"][2:]] = item.get("external_id", {}).get("S", "")
        return found


@pytest.fixture
def data_dir(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path / "desk"


@pytest.fixture
def processes() -> Iterator[list[StackProcess]]:
    started: list[StackProcess] = []
    yield started
    for process in started:
        process.stop()


def _body(n: int) -> bytes:
    return json.dumps({"channel": "hotline", "external_id": f"BURST-{n:03d}", "service": "mobile_voice",
                       "customer": {"name": "突发测试", "phone": f"1390000{n:04d}"},
                       "text": "家里手机信号很弱，打电话经常掉线，已经一个星期了",
                       "location": {"area": f"burst-area-{n}"}}, ensure_ascii=False).encode()


def _deliver_until_answered(client: DeskClient, n: int) -> dict[str, Any]:
    """As a portal does: a delivery still in progress (409) is sent again until it is answered."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while True:
        response = client.signed("demo-portal", "POST", PATH, _body(n), webhook_id=f"msg_burst_{n}")
        if response.status_code != 409 or time.monotonic() > deadline:
            assert response.status_code == 202, f"delivery {n}: {response.status_code} {response.text}"
            return dict(response.json())
        time.sleep(0.2)


def test_a_burst_cut_by_sigkill_keeps_every_answered_delivery_exactly_once(
        data_dir: Path, processes: list[StackProcess]) -> None:
    first = StackProcess(data_dir)
    processes.append(first)
    answered: dict[int, str] = {}
    enough = threading.Condition()

    def send(n: int) -> None:
        try:
            response = first.client.signed("demo-portal", "POST", PATH, _body(n), webhook_id=f"msg_burst_{n}")
        except requests.RequestException:
            return  # the stack went away mid-request: the portal was told nothing
        if response.status_code == 202:
            with enough:
                answered[n] = response.json()["complaint_id"]
                enough.notify_all()

    with ThreadPoolExecutor(max_workers=8) as pool:
        for n in range(40):
            pool.submit(send, n)
        with enough:
            assert enough.wait_for(lambda: len(answered) >= 12, timeout=STARTUP_SECONDS)
        first.kill()  # in the middle of the burst
    told = dict(answered)
    assert 12 <= len(told) < 40

    second = StackProcess(data_dir)
    processes.append(second)
    stored = second.complaint_items()
    for n, complaint_id in told.items():
        assert stored.get(complaint_id) == f"BURST-{n:03d}", f"delivery {n} was answered 202, then lost"
        view = second.client.portal_read("demo-portal", f"BURST-{n:03d}")
        assert view["complaint_id"] == complaint_id

    again = {n: _deliver_until_answered(second.client, n)["complaint_id"] for n in range(40)}
    assert {n: again[n] for n in told} == told  # the customer's id stays the one they were texted
    stored = second.complaint_items()
    assert len(stored) == 40 and sorted(stored.values()) == [f"BURST-{n:03d}" for n in range(40)]
    for n in range(40):  # and every workflow goes on: each complaint reaches its first human step
        _routed(second.client, again[n])


def test_held_messages_and_timers_due_while_down_fire_once_after_the_restart(
        data_dir: Path, processes: list[StackProcess]) -> None:
    first = StackProcess(data_dir)
    processes.append(first)
    client = first.client
    client.advance_to("22:00")  # quiet hours at the desk: the acknowledgement is held until morning
    complaint_id = json.loads(_send_one(client, 900))["complaint_id"]
    _routed(client, complaint_id)
    client.tick()
    assert not [m for m in first.outbox() if m["complaint_id"] == complaint_id and m["template"] == "acknowledged"]
    first.kill()

    second = StackProcess(data_dir)
    processes.append(second)
    client = second.client
    client.advance_to("09:30")  # the night passed while the desk was down; so did the acceptance promise
    client.tick()
    client.tick()
    sent = [m["template"] for m in second.outbox() if m["complaint_id"] == complaint_id]
    assert sent.count("acknowledged") == 1
    timeline = [e["type"] for e in client.show(complaint_id, scenarios.MANAGER)["timeline"]]
    assert timeline.count("acceptance_missed") == 1, timeline  # the 2-hour acceptance limit passed overnight
    before = len(second.outbox())
    client.tick()
    assert len(second.outbox()) == before  # nothing fires twice
    assert [e["type"] for e in client.show(complaint_id, scenarios.MANAGER)["timeline"]] == timeline


def _routed(client: DeskClient, complaint_id: str) -> dict[str, Any]:
    """The complaint once its workflow waits on a person (bounded generously: a busy machine is slow)."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while True:
        view = client.show(complaint_id, scenarios.MANAGER)
        if view.get("awaiting") or time.monotonic() > deadline:
            assert view.get("awaiting"), f"{complaint_id} never reached a human step: {view['status']}"
            return view
        time.sleep(0.2)


def _send_one(client: DeskClient, n: int) -> str:
    response = client.signed("demo-portal", "POST", PATH, _body(n), webhook_id=f"msg_one_{n}")
    assert response.status_code == 202, response.text
    return response.text


def _parked(client: DeskClient, execution: str) -> None:
    """Until the execution has entered its wait: the step that waits has stored its new task token."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while not any(e["type"] == "TaskSubmitted" for e in client.history(execution)):
        assert time.monotonic() < deadline, f"{execution} never entered its wait"
        time.sleep(0.2)


def _survey_token(process: StackProcess, complaint_id: str) -> str:
    """The token in the customer's survey message, letting time pass while quiet hours hold it."""
    for _ in range(30):
        process.client.tick()
        found = [m for m in process.outbox() if m["complaint_id"] == complaint_id and m["template"] == "survey"]
        if found:
            assert len(found) == 1, "one survey message per complaint"
            return str(found[0]["text"].rsplit("/", 1)[1])
        process.client.advance_clock(1800)
    raise AssertionError(f"no survey message for {complaint_id}")


def test_complaints_in_the_middle_of_their_lives_go_on_after_a_crash(
        data_dir: Path, processes: list[StackProcess]) -> None:
    first = StackProcess(data_dir)
    processes.append(first)
    client = first.client
    accepted = json.loads(_send_one(client, 901))["complaint_id"]
    owner = scenarios.accept(client, accepted)
    resolved = json.loads(_send_one(client, 902))["complaint_id"]
    resolved_owner = scenarios.to_confirmation(client, resolved, daytime=True)
    sent_before = [(m["complaint_id"], m["template"]) for m in first.outbox()]
    first.kill()

    second = StackProcess(data_dir)
    processes.append(second)
    assert set(second.restored["redriven"]) >= {accepted, resolved}
    client = second.client
    assert client.wait_for(accepted, owner, awaiting="resolution")["status"] == "in_progress"
    _parked(client, f"{resolved}-r1")  # the new execution waits for the callback again (until then: 503, retry)
    scenarios.confirm_fixed(client, resolved, resolved_owner)
    client.answer_survey(_survey_token(second, resolved), 9, "fixed after all")
    assert client.ended(f"{resolved}-r1", timeout=STARTUP_SECONDS) == "SUCCEEDED"
    view = client.show(resolved, resolved_owner)
    assert view["status"] == "closed" and view["survey"]["score"] == 9
    assert [e["name"] for e in view["executions"]] == [resolved, f"{resolved}-r1"]
    first_run = client.execution(resolved)
    assert first_run["status"] == "ABORTED"  # the first execution stays readable, with why it ended
    assert client.history(resolved)[-1]["type"] == "ExecutionAborted"

    scenarios.resolve(client, accepted, owner)  # the other goes on from its wait too
    sent = [(m["complaint_id"], m["template"]) for m in second.outbox()]
    assert sent[:len(sent_before)] == sent_before  # the outbox kept every line
    for complaint_id in (accepted, resolved):
        templates = [t for c, t in sent if c == complaint_id]
        assert len(templates) == len(set(templates)), f"a message to the customer went twice: {templates}"


def _cli(process: StackProcess, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LOCAL_API_PORT": str(process.api_port), "LOCAL_AWS_PORT": str(process.aws_port)}
    return subprocess.run([sys.executable, "-m", "infra.cli.main", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=STARTUP_SECONDS)


def test_a_backup_taken_while_running_restores_the_desk_elsewhere(
        tmp_path: Path, data_dir: Path, processes: list[StackProcess]) -> None:
    first = StackProcess(data_dir)
    processes.append(first)
    complaint_id = json.loads(_send_one(first.client, 903))["complaint_id"]
    _routed(first.client, complaint_id)
    backup = tmp_path / "desk.tar.gz"
    made = _cli(first, "backup", str(backup), "--data-dir", str(data_dir))
    assert made.returncode == 0 and "backed up" in made.stdout, made.stderr
    refused = _cli(first, "reset", "--yes", "--data-dir", str(data_dir))
    assert refused.returncode != 0 and "stop it first" in refused.stderr  # not while the stack runs
    first.stop()
    assert _cli(first, "reset", "--data-dir", str(data_dir)).returncode != 0  # not without --yes
    assert _cli(first, "reset", "--yes", "--data-dir", str(data_dir)).returncode == 0
    assert not (data_dir / "state").exists()

    elsewhere = tmp_path / "elsewhere"
    restored = _cli(first, "restore", str(backup), "--data-dir", str(elsewhere))
    assert restored.returncode == 0, restored.stderr
    second = StackProcess(elsewhere)
    processes.append(second)
    view = second.client.portal_read("demo-portal", "BURST-903")
    assert view["complaint_id"] == complaint_id and view["awaiting"]
    again = second.client.signed("demo-portal", "POST", PATH, _body(903), webhook_id="msg_one_903")
    assert again.status_code == 202 and again.json()["complaint_id"] == complaint_id


def test_a_data_directory_in_use_is_refused_and_the_first_stack_keeps_serving(
        data_dir: Path, processes: list[StackProcess]) -> None:
    first = StackProcess(data_dir)
    processes.append(first)
    second = subprocess.run([sys.executable, "-m", "infra.local", "run", "--data-dir", str(data_dir)], cwd=ROOT,
                            capture_output=True, text=True, timeout=STARTUP_SECONDS,
                            env={**os.environ, "LOCAL_API_PORT": "0", "LOCAL_AWS_PORT": "0"})
    assert second.returncode != 0 and "in use by another running local stack" in second.stderr
    assert first.client.clock()


def test_a_status_push_in_flight_when_the_desk_crashes_is_delivered_after_the_restart(
        data_dir: Path, processes: list[StackProcess]) -> None:
    from complaints.adapters.dynamodb.pushes import LEASE
    from infra.local.receiver import PortalReceiver

    with PortalReceiver() as receiver:
        first = StackProcess(data_dir)
        processes.append(first)
        client = first.client
        receiver.secrets = {"/held/ok": client.portal_secret("demo-portal")}
        client.register_webhook("demo-portal", receiver.url + "/held/ok", ["acknowledged"])
        complaint_id = json.loads(_send_one(client, 950))["complaint_id"]
        # Given the acknowledgement on its way to the portal (claimed, queued, being posted) when the desk dies
        threading.Thread(target=_tick_through_a_crash, args=(client,), daemon=True).start()
        deadline = time.monotonic() + STARTUP_SECONDS
        while not receiver.events("/held/ok", complaint_id):
            assert time.monotonic() < deadline, "the push never reached the portal"
            time.sleep(0.05)
        first.kill()
        receiver.release.set()

        second = StackProcess(data_dir)
        processes.append(second)
        client = second.client
        client.tick()
        assert len(receiver.events("/held/ok", complaint_id)) == 1  # still claimed: its lease holds it
        # When its lease runs out (the queue's messages did not outlive the crash; the table's claim did)
        client.advance_clock(LEASE.total_seconds() + 60)
        client.tick()
        # Then it is delivered again, with the same webhook id, and settled
        got = receiver.events("/held/ok", complaint_id)
        assert len(got) == 2 and got[0]["id"] == got[1]["id"] and all(g["verified"] for g in got)
        client.advance_clock(3600)
        client.tick()
        assert len(receiver.events("/held/ok", complaint_id)) == 2


def _tick_through_a_crash(client: DeskClient) -> None:
    try:
        client.tick()
    except Unreachable:
        pass  # the desk died under the tick
