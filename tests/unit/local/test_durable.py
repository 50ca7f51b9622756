"""The data directory keeps what AWS keeps: the journal, start-up, backup, and the patched backends' records."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from infra.local import durable, journal, moto_patches, restored
from infra.local.durable import DataDirInUse, DeskState, Store

REGION = "us-east-1"
ACCOUNT = "123456789012"


# ---------------------------------------------------------------- the journal
def test_records_read_back_in_order_after_sync(tmp_path: Path) -> None:
    log = journal.Journal(tmp_path / "j.log")
    for n in range(5):
        log.append({"n": n, "text": "信号弱"})
    log.sync()
    log.close()
    records, good, size = journal.read(tmp_path / "j.log")
    assert [r["n"] for r in records] == [0, 1, 2, 3, 4] and records[0]["text"] == "信号弱"
    assert good == size


def test_a_torn_last_record_is_dropped_and_cut_off_before_the_next_append(tmp_path: Path) -> None:
    path = tmp_path / "j.log"
    log = journal.Journal(path)
    log.append({"n": 1})
    end = log.append({"n": 2, "pad": "x" * 100})
    log.close()
    with open(path, "r+b") as handle:  # a crash in the middle of writing record 2
        handle.truncate(end - 30)
    reopened = journal.Journal(path)
    assert [r["n"] for r in reopened.recovered] == [1]
    assert reopened.dropped_bytes > 0
    reopened.append({"n": 3})
    reopened.close()
    assert [r["n"] for r in journal.read(path)[0]] == [1, 3]


def test_a_record_that_fails_its_checksum_ends_the_file(tmp_path: Path) -> None:
    path = tmp_path / "j.log"
    log = journal.Journal(path)
    first = log.append({"n": 1})
    log.append({"n": 2})
    log.append({"n": 3})
    log.close()
    data = bytearray(path.read_bytes())
    data[first + 10] ^= 0xFF  # one flipped bit inside record 2
    path.write_bytes(bytes(data))
    records, good, size = journal.read(path)
    assert [r["n"] for r in records] == [1] and good == first < size


def test_one_fsync_serves_every_thread_waiting_on_it(tmp_path: Path) -> None:
    log = journal.Journal(tmp_path / "j.log")

    def write(n: int) -> None:
        for i in range(50):
            log.append({"thread": n, "i": i})
            log.sync()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert log.appends == 400 and not log.pending()
    assert log.syncs <= log.appends
    log.close()
    assert len(journal.read(tmp_path / "j.log")[0]) == 400


# ---------------------------------------------------------------- the store
def _items_record(table: str, key: str, value: str | None) -> dict[str, Any]:
    return {"t": "items", "w": [[table, key, None if value is None else {"pk": {"S": key}, "v": {"S": value}}]]}


def test_start_up_rebuilds_the_state_and_starts_a_new_generation(tmp_path: Path) -> None:
    store = Store(tmp_path)
    assert store.fresh and store.generation == 1
    store.append(_items_record("t", "a", "1"))
    store.append(_items_record("t", "b", "1"))
    store.append(_items_record("t", "a", "2"))
    store.append(_items_record("t", "b", None))
    store.append({"t": "clock", "seconds": 3600.0})
    store.append({"t": "secret", "name": "s", "value": "v"})
    store.close()

    again = Store(tmp_path)
    assert not again.fresh and again.generation == 2
    assert again.state.tables == {"t": {"a": {"pk": {"S": "a"}, "v": {"S": "2"}}}}
    assert again.state.clock_seconds == 3600.0 and again.state.secrets == {"s": "v"}
    names = sorted(p.name for p in (tmp_path / "state").iterdir())
    assert names == ["journal-000002.log", "snapshot-000002.log"]  # the older generation is folded in
    again.close()


def test_a_crash_after_the_new_snapshot_but_before_the_old_files_went_reads_the_newest(tmp_path: Path) -> None:
    store = Store(tmp_path)
    store.append(_items_record("t", "a", "1"))
    store.close()
    state_dir = tmp_path / "state"
    kept = (state_dir / "journal-000001.log").read_bytes()
    again = Store(tmp_path)  # generation 2: its snapshot holds a = 1
    again.append(_items_record("t", "a", "2"))
    again.close()
    (state_dir / "journal-000001.log").write_bytes(kept)  # as if the old journal had not been removed yet
    third = Store(tmp_path)
    assert third.state.tables["t"]["a"]["v"] == {"S": "2"}
    third.close()


def test_a_second_stack_on_the_same_data_directory_is_refused(tmp_path: Path) -> None:
    store = Store(tmp_path)
    with pytest.raises(DataDirInUse, match=str(tmp_path)):
        Store(tmp_path)
    with pytest.raises(DataDirInUse, match="stop it first"):
        durable.clear(tmp_path)
    store.close()
    durable.clear(tmp_path)
    assert not (tmp_path / "state").exists()


def test_a_run_that_must_start_empty_gets_its_directory_emptied_of_an_earlier_run(tmp_path: Path) -> None:
    store = Store(tmp_path / "bench")
    store.append(_items_record("t", "a", "1"))
    store.close()
    (tmp_path / "bench" / "outbox.jsonl").write_text("{}\n", encoding="utf-8")
    earlier = Store(tmp_path / "bench")
    assert earlier.state.tables != {}  # what an earlier run left
    earlier.close()

    assert durable.emptied(tmp_path / "bench") == tmp_path / "bench"
    assert [p.name for p in (tmp_path / "bench").iterdir() if p.name != ".lock"] == []
    fresh = Store(tmp_path / "bench")
    assert fresh.state.tables == {}
    with pytest.raises(DataDirInUse):
        durable.emptied(tmp_path / "bench")  # never under a running stack
    fresh.close()
    assert durable.emptied(tmp_path / "never") == tmp_path / "never" and not (tmp_path / "never").exists()


def test_a_data_directory_that_cannot_be_read_is_not_left_locked(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    def unreadable(directory: Path) -> Any:
        raise ValueError("unknown record kind")

    monkeypatch.setattr(durable, "_load", unreadable)
    with pytest.raises(ValueError, match="unknown record kind") as failed:
        Store(tmp_path)
    monkeypatch.undo()
    # While the failure (and the frame that opened the lock file) is still held, the directory opens again.
    assert failed.value
    Store(tmp_path).close()


def test_a_backup_taken_while_running_restores_the_same_state_elsewhere(tmp_path: Path) -> None:
    source, target = tmp_path / "a", tmp_path / "b"
    source.mkdir()
    store = Store(source)
    store.append(_items_record("t", "a", "1"))
    (source / "outbox.jsonl").write_text('{"template": "acknowledged"}\n')
    answer = store.backup(tmp_path / "desk.tar.gz", ["outbox.jsonl", "missing.json"])
    store.append(_items_record("t", "a", "after the backup"))
    store.close()
    assert answer["complaint_items"] == 1

    durable.restore(target, tmp_path / "desk.tar.gz")
    assert (target / "outbox.jsonl").read_text() == '{"template": "acknowledged"}\n'
    restored_store = Store(target)
    assert restored_store.state.tables["t"]["a"]["v"] == {"S": "1"}
    restored_store.close()


def test_a_file_that_is_not_a_backup_is_refused_and_nothing_is_removed(tmp_path: Path) -> None:
    import tarfile

    bogus = tmp_path / "bogus.tar.gz"
    with tarfile.open(bogus, "w:gz"):
        pass
    (tmp_path / "desk").mkdir()
    (tmp_path / "desk" / "outbox.jsonl").write_text("kept\n")
    with pytest.raises(ValueError, match="not a backup"):
        durable.restore(tmp_path / "desk", bogus)
    assert (tmp_path / "desk" / "outbox.jsonl").read_text() == "kept\n"


# ---------------------------------------------------------------- the patched backends
@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}), \
            moto_patches.install("durable_state"):
        kept = Store(tmp_path)
        durable.attach(kept)
        try:
            yield kept
        finally:
            durable.attach(None)
            kept.close()


def _table(client: Any) -> None:
    client.create_table(TableName="t", BillingMode="PAY_PER_REQUEST",
                        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])


def _state(store: Store) -> DeskState:
    store.sync()
    state = DeskState()
    for record in journal.read(store.journal.path)[0]:
        state.apply(record)
    return state


def test_each_write_keeps_the_items_after_images_and_a_refused_one_keeps_nothing(store: Store) -> None:
    client = boto3.client("dynamodb", region_name=REGION)
    _table(client)
    client.put_item(TableName="t", Item={"pk": {"S": "a"}, "n": {"N": "1"}})
    client.update_item(TableName="t", Key={"pk": {"S": "a"}}, UpdateExpression="SET n = n + :one",
                       ExpressionAttributeValues={":one": {"N": "1"}})
    client.put_item(TableName="t", Item={"pk": {"S": "b"}})
    client.delete_item(TableName="t", Key={"pk": {"S": "b"}})
    appended = store.journal.appends
    with pytest.raises(ClientError):
        client.put_item(TableName="t", Item={"pk": {"S": "a"}}, ConditionExpression="attribute_not_exists(pk)")
    assert store.journal.appends == appended
    client.transact_write_items(TransactItems=[
        {"Put": {"TableName": "t", "Item": {"pk": {"S": "c"}}}},
        {"Update": {"TableName": "t", "Key": {"pk": {"S": "a"}}, "UpdateExpression": "SET m = :m",
                    "ExpressionAttributeValues": {":m": {"S": "x"}}}},
    ])
    assert store.journal.appends == appended + 1  # the transaction is one record
    items = {attributes["pk"]["S"]: attributes for attributes in _state(store).tables["t"].values()}
    assert items == {"a": {"pk": {"S": "a"}, "n": {"N": "2"}, "m": {"S": "x"}}, "c": {"pk": {"S": "c"}}}


_MACHINE = json.dumps({"StartAt": "One", "States": {
    "One": {"Type": "Pass", "Result": {"done": True}, "Next": "Two"},
    "Two": {"Type": "Wait", "Seconds": 0, "End": True}}})
_WAITING = json.dumps({"StartAt": "Hold", "States": {"Hold": {"Type": "Wait", "Seconds": 3600, "End": True}}})


def _finished(client: Any, arn: str) -> dict[str, Any]:
    for _ in range(400):
        described: dict[str, Any] = client.describe_execution(executionArn=arn)
        if described["status"] != "RUNNING":
            return described
        time.sleep(0.05)
    raise AssertionError(f"{arn} still running")


def test_executions_come_back_with_their_history_and_a_running_one_comes_back_aborted(
        store: Store, tmp_path: Path) -> None:
    from moto.stepfunctions.parser.models import stepfunctions_parser_backends

    client = boto3.client("stepfunctions", region_name=REGION)
    role = "arn:aws:iam::123456789012:role/sfn"
    done_machine = client.create_state_machine(name="m", definition=_MACHINE, roleArn=role)["stateMachineArn"]
    waiting_machine = client.create_state_machine(name="w", definition=_WAITING, roleArn=role)["stateMachineArn"]
    done = client.start_execution(stateMachineArn=done_machine, name="c1", input='{"complaint_id": "c1"}')
    waiting = client.start_execution(stateMachineArn=waiting_machine, name="c2", input="{}")
    before = _finished(client, done["executionArn"])
    history_before = client.get_execution_history(executionArn=done["executionArn"])["events"]
    store.sync()
    state = _state(store)

    backend = stepfunctions_parser_backends[ACCOUNT][REGION]
    backend.reset()  # the stack started again: nothing in memory
    client.create_state_machine(name="m", definition=_MACHINE, roleArn=role)
    client.create_state_machine(name="w", definition=_WAITING, roleArn=role)
    interrupted = restored.executions(state, backend, store)
    assert interrupted == [waiting["executionArn"]]

    after = client.describe_execution(executionArn=done["executionArn"])
    assert (after["status"], after["input"], after["startDate"]) == ("SUCCEEDED", before["input"],
                                                                      before["startDate"])
    assert json.loads(after["output"]) == {"done": True}
    history_after = client.get_execution_history(executionArn=done["executionArn"])["events"]
    assert [(e["id"], e["type"]) for e in history_after] == [(e["id"], e["type"]) for e in history_before]

    aborted = client.describe_execution(executionArn=waiting["executionArn"])
    assert aborted["status"] == "ABORTED"
    last = client.get_execution_history(executionArn=waiting["executionArn"])["events"][-1]
    assert last["type"] == "ExecutionAborted"
    listed = client.list_executions(stateMachineArn=waiting_machine)["executions"]
    assert [e["status"] for e in listed] == ["ABORTED"]
    with pytest.raises(ClientError, match="ExecutionAlreadyExists"):  # the name stays taken, as on AWS
        client.start_execution(stateMachineArn=waiting_machine, name="c2", input='{"other": 1}')
    with pytest.raises(ClientError, match="InvalidToken|TaskDoesNotExist"):
        client.send_task_failure(taskToken="not-a-token", error="x")
