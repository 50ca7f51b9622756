"""Each patch of moto's internals keeps its promise, against moto in-process (no local stack).

When moto or botocore is upgraded these are the tests to run first: a patch
whose promise breaks here would give the local stack wrong answers.
"""

from __future__ import annotations

import functools
import importlib.metadata
import io
import json
import re
import sys
import threading
import time
import types
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import moto.dynamodb.models as dynamodb_models
import pytest
from botocore.exceptions import ClientError
from botocore.handlers import BUILTIN_HANDLERS
from moto import mock_aws
from moto.awslambda.models import LambdaFunction
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.table import Table

from infra.local import moto_patches, runtime
from infra.local.moto_patches import PatchMismatch
from infra.local.template import load_template, table_arguments

ROOT = Path(__file__).resolve().parents[3]
REGION = "us-east-1"
TABLE = "complaints"
_COMPLAINTS_TABLE = load_template(ROOT / "template.yaml")["Resources"]["ComplaintsTable"]["Properties"]


@pytest.fixture
def dynamodb() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("dynamodb", region_name=REGION)
        client.create_table(TableName=TABLE, **table_arguments(_COMPLAINTS_TABLE))
        yield client


@pytest.fixture
def patched() -> Iterator[moto_patches.Installation]:
    """The patches every local stack installs."""
    with moto_patches.install() as installation:
        yield installation


def _key(n: int, sort: str = "A") -> dict[str, Any]:
    return {"PK": {"S": f"C#{n}"}, "SK": {"S": sort}}


def _get(client: Any, n: int, sort: str = "A") -> dict[str, Any] | None:
    item: dict[str, Any] | None = client.get_item(TableName=TABLE, Key=_key(n, sort)).get("Item")
    return item


# ---------------------------------------------------------------- the guard
def test_the_patches_were_written_for_the_pinned_versions() -> None:
    lock = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    pinned = {name: re.search(rf"^{name}==(\S+)", lock, re.MULTILINE) for name in moto_patches.WRITTEN_FOR}
    assert {name: match.group(1) for name, match in pinned.items() if match} == moto_patches.WRITTEN_FOR
    assert {name: importlib.metadata.version(name) for name in moto_patches.WRITTEN_FOR} == moto_patches.WRITTEN_FOR


@pytest.mark.parametrize("patch", moto_patches.PATCHES, ids=lambda p: p.name)
def test_every_patch_finds_what_it_relies_on(patch: moto_patches.Patch) -> None:
    assert patch.problems() == []


def test_a_patch_comes_off_with_its_last_user() -> None:
    first = moto_patches.install()
    second = moto_patches.install("indexed_gsi_queries")
    first.uninstall()
    first.uninstall()  # once only
    assert moto_patches.applied() == [*first.keys, "indexed_gsi_queries"]
    second.uninstall()
    assert moto_patches.applied() == []


def test_installing_more_patches_checks_what_the_applied_ones_replaced() -> None:
    with moto_patches.install(), moto_patches.install("indexed_gsi_queries"):
        assert "indexed_gsi_queries" in moto_patches.applied()
        moto_patches.check()


def _invoke_with_other_parameters(self: Any, payload: Any) -> Any:
    raise AssertionError("never called: the mismatch is refused before anything is patched")


def _query_with_index_name_elsewhere(self: Any, index_name: Any, *args: Any, **kwargs: Any) -> Any:
    raise AssertionError("never called")


@pytest.mark.parametrize(("owner", "attribute", "replacement", "patch", "found"), [
    (LambdaFunction, "invoke", _invoke_with_other_parameters, "lambda_in_process", "found parameters (self, payload)"),
    (DynamoDBBackend, "put_item", lambda self, table_name, item: None, "serialised_writes",
     "found parameters (self, table_name, item)"),
    (dynamodb_models, "copy", types.SimpleNamespace(deepcopy=lambda value, memo=None: value),
     "transaction_rollback_by_item", "found copy is namespace"),
    (Table, "query", _query_with_index_name_elsewhere, "indexed_gsi_queries",
     "found parameters (self, index_name, *args, **kwargs)"),
    (sys.modules["botocore.handlers"], "BUILTIN_HANDLERS", (), "botocore_builtin_handlers", "found tuple"),
], ids=["lambda", "writes", "transactions", "queries", "botocore"])
def test_a_changed_internal_is_refused_naming_the_patch_and_what_to_check(
        monkeypatch: pytest.MonkeyPatch, owner: Any, attribute: str, replacement: Any, patch: str, found: str) -> None:
    # Given moto (or botocore) changed something a patch relies on
    before = moto_patches.applied()
    monkeypatch.setattr(owner, attribute, replacement)
    # When the local stack installs its patches, it refuses
    with pytest.raises(PatchMismatch) as refused:
        moto_patches.install()
    # Then the message names the patch, what it expected, what it found and what to check; nothing was patched
    line = next(line for line in str(refused.value).splitlines() if f"patch {patch}:" in line)
    assert "expected " in line and found in line
    assert f"check {moto_patches.BY_NAME[patch].check_after_upgrade}" in line
    assert moto_patches.applied() == before


def test_another_moto_version_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.metadata.version
    monkeypatch.setattr(importlib.metadata, "version", lambda name: "9.9.9" if name == "moto" else real(name))
    with pytest.raises(PatchMismatch) as refused:
        moto_patches.install()
    assert "patch transaction_rollback_by_item: written for moto 5.2.5, found moto 9.9.9" in str(refused.value)
    assert "run tests/unit/local" in str(refused.value)


def test_every_patch_comes_off_again() -> None:
    from moto.core.serialize import BaseJSONSerializer
    from moto.stepfunctions.parser.asl.component.common.path import result_path
    from moto.stepfunctions.parser.asl.component.state.exec.state_task import lambda_eval_utils
    from moto.stepfunctions.parser.asl.utils import json_path
    from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker

    watched = [(LambdaFunction, "invoke"), (dynamodb_models, "copy"), (Table, "put_item"), (Table, "delete_item"),
               (Table, "query"), (ExecutionWorker, "_get_evaluation_entrypoint"), (json_path, "parse"),
               (result_path, "parse"), (lambda_eval_utils, "boto_client_for"),
               (BaseJSONSerializer, "_serialize_type_structure"),
               *((DynamoDBBackend, name) for name in
                                   ("put_item", "update_item", "delete_item", "transact_write_items"))]
    originals = [vars(owner)[name] for owner, name in watched]
    with moto_patches.install("indexed_gsi_queries"):
        changed = [vars(owner)[name] for owner, name in watched]
        assert all(now is not was for now, was in zip(changed, originals, strict=True))
    assert [vars(owner)[name] for owner, name in watched] == originals
    assert moto_patches.applied() == []


# ---------------------------------------------------------------- lambda_in_process
HANDLER = '''
def handler(event, context):
    if event.get("fail"):
        raise LookupError("no complaint C1")
    return {"seen": event["n"], "function": context.function_name}
'''


def _package() -> bytes:
    package = io.BytesIO()
    with zipfile.ZipFile(package, "w") as archive:
        archive.writestr("README.txt", "Runs in the local stack's own containers.")
    return package.getvalue()


def test_an_invocation_runs_the_registered_handler_and_a_raise_is_an_unhandled_error(
        tmp_path: Path, patched: moto_patches.Installation) -> None:
    (tmp_path / "app.py").write_text(HANDLER, encoding="utf-8")
    with mock_aws():
        role = boto3.client("iam", region_name=REGION).create_role(
            RoleName="fn", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        lam = boto3.client("lambda", region_name=REGION)
        arn = lam.create_function(FunctionName="probe", Runtime="python3.11", Role=role, Handler="app.handler",
                                  Code={"ZipFile": _package()})["FunctionArn"]
        runtime.register(runtime.LocalFunction("PatchProbe", "probe", tmp_path, "app.handler", 128, arn))
        try:
            answer = lam.invoke(FunctionName="probe", Payload=json.dumps({"n": 7}))
            failure = lam.invoke(FunctionName="probe", Payload=json.dumps({"fail": True}))
        finally:
            runtime.unregister("probe")
    assert "FunctionError" not in answer
    assert json.loads(answer["Payload"].read()) == {"seen": 7, "function": "probe"}
    assert failure["FunctionError"] == "Unhandled"
    error = json.loads(failure["Payload"].read())
    assert (error["errorType"], error["errorMessage"]) == ("LookupError", "no complaint C1")


# ---------------------------------------------------------------- serialised_writes
def _race(client: Any, monkeypatch: pytest.MonkeyPatch, writers: int = 8) -> list[str]:
    """Writers put the same new item at once, each only if it does not exist; the winners' names."""
    original_get = Table.get_item

    @functools.wraps(original_get)
    def slow_get(self: Any, *args: Any, **kwargs: Any) -> Any:
        item = original_get(self, *args, **kwargs)
        time.sleep(0.02)  # widens the gap between a write's condition check and its write
        return item

    monkeypatch.setattr(Table, "get_item", slow_get)
    start = threading.Barrier(writers)
    winners: list[str] = []

    def write(name: str) -> None:
        start.wait()
        try:
            client.put_item(TableName=TABLE, Item={**_key(1), "owner": {"S": name}},
                            ConditionExpression="attribute_not_exists(PK)")
            winners.append(name)
        except ClientError as exc:
            assert exc.response["Error"]["Code"] == "ConditionalCheckFailedException"

    threads = [threading.Thread(target=write, args=(f"agent-{n}",)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return winners


def test_of_concurrent_conditional_writes_exactly_one_wins(
        dynamodb: Any, patched: moto_patches.Installation, monkeypatch: pytest.MonkeyPatch) -> None:
    winners = _race(dynamodb, monkeypatch)
    assert len(winners) == 1
    assert _get(dynamodb, 1) == {**_key(1), "owner": {"S": winners[0]}}


def test_without_the_patch_moto_lets_several_conditional_writes_win(
        dynamodb: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Why serialised_writes exists; should this fail, moto locks its writes itself and the patch can go."""
    assert len(_race(dynamodb, monkeypatch)) > 1


# ---------------------------------------------------------------- transaction_rollback_by_item
def _put(n: int, **attributes: str) -> dict[str, Any]:
    return {"Put": {"TableName": TABLE, "Item": {**_key(n), **{k: {"S": v} for k, v in attributes.items()}}}}


def test_a_transaction_whose_later_item_fails_leaves_its_earlier_items_unwritten(
        dynamodb: Any, patched: moto_patches.Installation) -> None:
    # Given complaint 2 at version 1 and complaint 4 owned by a-chen
    dynamodb.put_item(TableName=TABLE, Item={**_key(2), "version": {"N": "1"}})
    dynamodb.put_item(TableName=TABLE, Item={**_key(4), "owner": {"S": "a-chen"}})
    # When a transaction writes 1, changes 4, expects 2 at version 2 (it is not) and writes 3
    with pytest.raises(ClientError) as refused:
        dynamodb.transact_write_items(TransactItems=[
            _put(1, owner="a-lin"),
            {"Update": {"TableName": TABLE, "Key": _key(4), "UpdateExpression": "SET #o = :o",
                        "ExpressionAttributeNames": {"#o": "owner"}, "ExpressionAttributeValues": {":o": {"S": "x"}}}},
            {"ConditionCheck": {"TableName": TABLE, "Key": _key(2), "ConditionExpression": "version = :v",
                                "ExpressionAttributeValues": {":v": {"N": "2"}}}},
            _put(3, owner="a-lin"),
        ])
    # Then it is cancelled for that reason and no item of it was written
    assert refused.value.response["Error"]["Code"] == "TransactionCanceledException"
    reasons = [r["Code"] for r in refused.value.response["CancellationReasons"]]
    assert reasons == ["None", "None", "ConditionalCheckFailed", "None"]
    assert _get(dynamodb, 1) is None and _get(dynamodb, 3) is None
    assert _get(dynamodb, 4) == {**_key(4), "owner": {"S": "a-chen"}}
    assert _get(dynamodb, 2) == {**_key(2), "version": {"N": "1"}}


def test_a_transaction_refused_as_invalid_midway_is_rolled_back(
        dynamodb: Any, patched: moto_patches.Installation) -> None:
    dynamodb.put_item(TableName=TABLE, Item={**_key(1), "owner": {"S": "a-chen"}})
    with pytest.raises(ClientError) as refused:  # two operations on one item: moto finds out after the first
        dynamodb.transact_write_items(TransactItems=[_put(1, owner="a-lin"), _put(1, owner="a-wang")])
    assert refused.value.response["Error"]["Code"] == "ValidationException"
    assert _get(dynamodb, 1) == {**_key(1), "owner": {"S": "a-chen"}}


def test_a_transaction_costs_its_items_not_a_copy_of_the_table(
        dynamodb: Any, patched: moto_patches.Installation, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_copy(self: Any, memo: Any) -> Any:
        raise AssertionError("the whole table was copied")

    monkeypatch.setattr(Table, "__deepcopy__", no_copy, raising=False)
    dynamodb.transact_write_items(TransactItems=[_put(1, owner="a-lin"), _put(2, owner="a-lin")])
    with pytest.raises(ClientError):
        dynamodb.transact_write_items(TransactItems=[
            _put(3, owner="a-lin"), {**_put(1, owner="x"), "Put": {**_put(1, owner="x")["Put"],
                                                              "ConditionExpression": "attribute_not_exists(PK)"}}])
    assert _get(dynamodb, 3) is None and _get(dynamodb, 2) is not None


# ---------------------------------------------------------------- indexed_gsi_queries
def _fill(client: Any) -> None:
    departments = ("network", "billing", "service")
    for n in range(90):
        item = {**_key(n), "status": {"S": ("open", "closed")[n % 2]}, "complaint_id": {"S": f"C{n}"},
                "QPK": {"S": f"Q#{departments[n % 3]}"}, "QSK": {"S": f"{n % 4}#{n:03d}"}}
        if n % 3:  # a sparse index: only some complaints have a timer
            item |= {"TPK": {"S": f"T#{n % 4}"}, "TSK": {"S": f"2026-01-{n % 28 + 1:02d}T09:00#C{n}"}}
        if n % 5 == 0:
            item |= {"CPK": {"S": f"K#{n % 2}"}, "CSK": {"S": f"2026-01-{n % 28 + 1:02d}"}, "category": {"S": "x"}}
        client.put_item(TableName=TABLE, Item=item)
        client.put_item(TableName=TABLE, Item={**_key(n, f"E#{n:03d}#1"), "type": {"S": "received"}})


QUERIES: list[dict[str, Any]] = [
    {"IndexName": "timers", "KeyConditionExpression": "TPK = :p AND TSK <= :t",
     "ExpressionAttributeValues": {":p": {"S": "T#2"}, ":t": {"S": "2026-01-11T09:00#C10"}}},  # C10's own
    {"IndexName": "timers", "KeyConditionExpression": "TPK = :p AND TSK < :t",
     "ExpressionAttributeValues": {":p": {"S": "T#1"}, ":t": {"S": "2026-01-14T09:00#C41"}}},  # C41's own
    {"IndexName": "timers", "KeyConditionExpression": "TPK = :p AND TSK BETWEEN :a AND :b",
     "ExpressionAttributeValues": {":p": {"S": "T#1"}, ":a": {"S": "2026-01-05"}, ":b": {"S": "2026-01-20"}}},
    {"IndexName": "timers", "KeyConditionExpression": "TPK = :p AND begins_with(TSK, :t)",
     "ExpressionAttributeValues": {":p": {"S": "T#3"}, ":t": {"S": "2026-01-1"}}},
    {"IndexName": "timers", "KeyConditionExpression": "TPK = :p AND TSK > :t", "ScanIndexForward": False,
     "ExpressionAttributeValues": {":p": {"S": "T#2"}, ":t": {"S": "2026-01-10"}}},
    {"IndexName": "queue", "KeyConditionExpression": "QPK = :p", "FilterExpression": "#s = :s",
     "ExpressionAttributeNames": {"#s": "status"},
     "ExpressionAttributeValues": {":p": {"S": "Q#network"}, ":s": {"S": "open"}}},
    {"IndexName": "queue", "KeyConditionExpression": "QPK = :p AND begins_with(QSK, :q)", "Limit": 4,
     "ExpressionAttributeValues": {":p": {"S": "Q#billing"}, ":q": {"S": "1#"}}},
    {"IndexName": "customer", "KeyConditionExpression": "CPK = :p",
     "ExpressionAttributeValues": {":p": {"S": "K#0"}}},
    {"IndexName": "timers", "KeyConditionExpression": "TPK = :p", "ExpressionAttributeValues": {":p": {"S": "T#9"}}},
    {"KeyConditionExpression": "PK = :p", "ExpressionAttributeValues": {":p": {"S": "C#5"}}},
    {"KeyConditionExpression": "PK = :p AND begins_with(SK, :e)",
     "ExpressionAttributeValues": {":p": {"S": "C#7"}, ":e": {"S": "E#"}}},
]


def _answers(client: Any) -> list[list[dict[str, Any]]]:
    """Every query's pages, as the client sees them."""
    answers = []
    for query in QUERIES:
        pages, start = [], None
        while True:
            page = client.query(TableName=TABLE, **query, **({"ExclusiveStartKey": start} if start else {}))
            page.pop("ResponseMetadata")
            pages.append(page)
            start = page.get("LastEvaluatedKey")
            if not start:
                break
        answers.append(pages)
    return answers


def _change(client: Any) -> None:
    """Moves between index partitions, removals, a cancelled transaction: the index has to keep up with each."""
    client.update_item(TableName=TABLE, Key=_key(1), UpdateExpression="SET TPK = :p, TSK = :t",
                       ExpressionAttributeValues={":p": {"S": "T#2"}, ":t": {"S": "2026-01-11T09:00#C1"}})
    client.update_item(TableName=TABLE, Key=_key(2), UpdateExpression="REMOVE TPK")
    client.delete_item(TableName=TABLE, Key=_key(5))
    client.put_item(TableName=TABLE, Item={**_key(200), "TPK": {"S": "T#1"}, "TSK": {"S": "2026-01-01T00:00#C200"}})
    with pytest.raises(ClientError):
        client.transact_write_items(TransactItems=[
            {"Update": {"TableName": TABLE, "Key": _key(13), "UpdateExpression": "SET TPK = :p",
                        "ExpressionAttributeValues": {":p": {"S": "T#3"}}}},
            {"Put": {"TableName": TABLE, "Item": {**_key(201), "TPK": {"S": "T#1"}, "TSK": {"S": "2026"}}}},
            {"ConditionCheck": {"TableName": TABLE, "Key": _key(999), "ConditionExpression": "attribute_exists(PK)"}},
        ])


def test_queries_through_the_partition_index_answer_as_moto_does(dynamodb: Any) -> None:
    _fill(dynamodb)
    motos_own = _answers(dynamodb)
    with moto_patches.install("indexed_gsi_queries"):
        assert _answers(dynamodb) == motos_own
        _change(dynamodb)
        after_changes = _answers(dynamodb)
    assert after_changes == _answers(dynamodb)  # moto's own answers again, the patches removed
    assert after_changes != motos_own


def test_an_index_query_reads_its_partition_not_the_table(
        dynamodb: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    _fill(dynamodb)
    with moto_patches.install("indexed_gsi_queries"):
        expected = _answers(dynamodb)  # builds the partition index from the table once

        def whole_table(self: Any) -> Any:
            raise AssertionError("the query walked the whole table")

        monkeypatch.setattr(Table, "all_items", whole_table)
        assert _answers(dynamodb) == expected


# ---------------------------------------------------------------- botocore_builtin_handlers
def test_botocore_handlers_come_off_again_even_from_clients_made_with_them() -> None:
    before = list(BUILTIN_HANDLERS)
    seen: list[str] = []
    hooks = moto_patches.add_botocore_handlers([("after-call.dynamodb", lambda model, **_: seen.append(model.name))])
    try:
        with mock_aws():  # a fresh default session, made with the handlers
            client = boto3.client("dynamodb", region_name=REGION)
            client.list_tables()
            assert seen == ["ListTables"]
            hooks.uninstall()
            client.list_tables()
            boto3.client("dynamodb", region_name=REGION).describe_limits()
    finally:
        hooks.uninstall()
    assert seen == ["ListTables"]
    assert BUILTIN_HANDLERS == before


# ---------------------------------------------------------------- parsed_once, json_paths_parsed_once, lambda client
RETRYING = json.dumps({
    "StartAt": "Shape",
    "States": {
        "Shape": {"Type": "Pass", "InputPath": "$.complaint", "ResultPath": "$.routing",
                  "Parameters": {"department.$": "$.department", "priority.$": "$.priority"}, "Next": "Route"},
        "Route": {"Type": "Choice", "Choices": [{"Variable": "$.routing.priority", "StringEquals": "urgent",
                                                  "Next": "Urgent"}], "Default": "Invoke"},
        "Urgent": {"Type": "Pass", "Result": "at once", "ResultPath": "$.when", "Next": "Invoke"},
        "Invoke": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                   "Parameters": {"FunctionName": "probe", "Payload": {"n.$": "$.complaint.n"}},
                   "ResultSelector": {"seen.$": "$.Payload.seen"}, "ResultPath": "$.invoked",
                   "Retry": [{"ErrorEquals": ["LookupError"], "IntervalSeconds": 1, "MaxAttempts": 1}],
                   "End": True},
    },
})


def _executions(tmp_path: Path, inputs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Runs the definition once per input on moto's interpreter, its Task invoking a local function."""
    (tmp_path / "app.py").write_text(HANDLER, encoding="utf-8")
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        iam = boto3.client("iam", region_name=REGION)
        role = iam.create_role(RoleName="fn", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        arn = boto3.client("lambda", region_name=REGION).create_function(
            FunctionName="probe", Runtime="python3.11", Role=role, Handler="app.handler",
            Code={"ZipFile": _package()})["FunctionArn"]
        runtime.register(runtime.LocalFunction("PatchProbe", "probe", tmp_path, "app.handler", 128, arn))
        try:
            sfn = boto3.client("stepfunctions", region_name=REGION)
            machine = sfn.create_state_machine(name="probe", definition=RETRYING, roleArn=role)["stateMachineArn"]
            started = [sfn.start_execution(stateMachineArn=machine, name=f"run-{n}",
                                           input=json.dumps(given))["executionArn"]
                       for n, given in enumerate(inputs)]
            ended = []
            for execution in started:
                deadline = time.monotonic() + 60
                described = sfn.describe_execution(executionArn=execution)
                while described["status"] == "RUNNING" and time.monotonic() < deadline:
                    time.sleep(0.02)
                    described = sfn.describe_execution(executionArn=execution)
                ended.append(described)
            return ended
        finally:
            runtime.unregister("probe")


def test_each_execution_runs_its_own_copy_of_a_definition_parsed_once(
        tmp_path: Path, patched: moto_patches.Installation, monkeypatch: pytest.MonkeyPatch) -> None:
    from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser

    parsed: list[Any] = []
    parse = AmazonStateLanguageParser.parse

    def counted(definition: str) -> Any:
        answer = parse(definition)
        parsed.append(answer[0])
        return answer

    monkeypatch.setattr(AmazonStateLanguageParser, "parse", staticmethod(counted))
    programs: list[Any] = []
    entrypoint = vars(moto_patches)["_program"]

    def kept(definition: str) -> Any:
        programs.append(entrypoint(definition))
        return programs[-1]

    monkeypatch.setattr(moto_patches, "_program", kept)

    ended = _executions(tmp_path, [{"complaint": {"n": n, "department": "noc", "priority": priority}}
                                   for n, priority in enumerate(("urgent", "normal", "urgent"))])

    assert [e["status"] for e in ended] == ["SUCCEEDED"] * 3
    outputs = [json.loads(e["output"]) for e in ended]
    assert [o["invoked"] for o in outputs] == [{"seen": 0}, {"seen": 1}, {"seen": 2}]
    assert [o.get("when") for o in outputs] == ["at once", None, "at once"]
    assert outputs[1]["routing"] == {"department": "noc", "priority": "normal"}
    # created (moto validates the definition) and the first execution: the two parses; the rest are copies
    assert len(parsed) == 2
    assert len({id(program) for program in programs}) == 3


def test_a_json_path_is_parsed_once_and_answers_as_before(patched: moto_patches.Installation) -> None:
    from moto.stepfunctions.parser.asl.utils import json_path

    data = {"complaint": {"n": 3, "tags": ["a", "b"]}}
    assert json_path.parse("$.complaint.n") is json_path.parse("$.complaint.n")
    assert json_path.extract_json("$.complaint.n", data) == 3
    assert json_path.extract_json("$.complaint.tags[1]", data) == "b"
    with pytest.raises(json_path.NoSuchJsonPathError):
        json_path.extract_json("$.complaint.missing", data)


def test_the_interpreter_keeps_one_lambda_client(patched: moto_patches.Installation) -> None:
    from moto.stepfunctions.parser.asl.component.state.exec.state_task import lambda_eval_utils

    with mock_aws():
        first = lambda_eval_utils.boto_client_for(region=REGION, service="lambda")
        assert lambda_eval_utils.boto_client_for(region=REGION, service="lambda", state_credentials=None) is first
        assert lambda_eval_utils.boto_client_for(region="eu-west-1", service="lambda") is not first


# ---------------------------------------------------------------- attribute_values_as_json
EVERY_KIND = {
    "PK": {"S": "C#9"}, "SK": {"S": "A"}, "text": {"S": "手机上网很慢"}, "empty": {"S": ""}, "count": {"N": "-12.50"},
    "yes": {"BOOL": True}, "no": {"BOOL": False}, "none": {"NULL": True}, "tags": {"SS": ["b", "a"]},
    "scores": {"NS": ["1", "2.5"]}, "blob": {"B": b"\x00\xffbinary"}, "blobs": {"BS": [b"\x01", b"\x02"]},
    "events": {"L": [{"M": {"at": {"S": "2026-11-30"}, "n": {"N": "1"}, "done": {"BOOL": True}}},
                     {"L": [{"S": "nested"}, {"NULL": True}, {"M": {}}]}, {"B": b"in a list"}]},
    "record": {"M": {"owner": {"S": "a-wang"}, "proof": {"M": {"scan": {"B": b"%PDF"}}}, "empty": {"L": []}}},
}


def _reads_of_every_kind(client: Any) -> list[Any]:
    """The item as every read answers it, and the attributes an update returns."""
    client.put_item(TableName=TABLE, Item=EVERY_KIND)
    client.put_item(TableName=TABLE, Item={**EVERY_KIND, "SK": {"S": "E#1"}})
    key = {"PK": EVERY_KIND["PK"], "SK": EVERY_KIND["SK"]}
    return [
        client.get_item(TableName=TABLE, Key=key, ConsistentRead=True)["Item"],
        client.query(TableName=TABLE, KeyConditionExpression="PK = :pk",
                     ExpressionAttributeValues={":pk": EVERY_KIND["PK"]})["Items"],
        client.batch_get_item(RequestItems={TABLE: {"Keys": [key]}})["Responses"][TABLE],
        client.transact_get_items(TransactItems=[{"Get": {"TableName": TABLE, "Key": key}}])["Responses"],
        client.update_item(TableName=TABLE, Key=key, UpdateExpression="SET #c = :c",
                           ExpressionAttributeNames={"#c": "count"}, ExpressionAttributeValues={":c": {"N": "3"}},
                           ReturnValues="ALL_OLD")["Attributes"],
    ]


def test_attribute_values_are_answered_exactly_as_moto_serializes_them(dynamodb: Any) -> None:
    unpatched = _reads_of_every_kind(dynamodb)
    with moto_patches.install():
        dynamodb.delete_item(TableName=TABLE, Key={"PK": EVERY_KIND["PK"], "SK": {"S": "E#1"}})
        patched = _reads_of_every_kind(dynamodb)
    assert patched == unpatched
    assert patched[0]["blob"] == {"B": b"\x00\xffbinary"} and patched[0]["events"]["L"][2] == {"B": b"in a list"}


def test_an_attribute_value_is_written_directly_unless_it_holds_binary() -> None:
    plain = moto_patches._attribute_value(
        {"M": {"a": {"L": [{"S": "x"}, {"N": "1"}, {"BOOL": False}, {"NULL": True}, {"SS": ["s"]}]}}})
    assert plain == {"M": {"a": {"L": [{"S": "x"}, {"N": "1"}, {"BOOL": False}, {"NULL": True}, {"SS": ["s"]}]}}}
    assert moto_patches._attribute_value({"M": {"a": {"B": "AAE="}}}) is None  # base64: the serializer's job
    assert moto_patches._attribute_value({"N": 3}) is None  # not as the serializer would write it


# ---------------------------------------------------------------- backends_by_host_kept
def test_the_backend_of_a_host_is_found_once_and_is_moto_s(monkeypatch: pytest.MonkeyPatch) -> None:
    import moto.backends as moto_backends
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    hosts = ["dynamodb.us-east-1.amazonaws.com", "states.us-east-1.amazonaws.com", "sns.eu-west-1.amazonaws.com",
             "nothing.example", None]
    app = DomainDispatcherApplication(create_backend_app)
    expected = [app.get_backend_for_host(host) for host in hosts]
    with moto_patches.install():
        listed: list[int] = []
        original = moto_backends.list_of_moto_modules

        def counted() -> Any:
            listed.append(1)
            return original()

        monkeypatch.setattr(moto_backends, "list_of_moto_modules", counted)
        patched = DomainDispatcherApplication(create_backend_app)
        assert [patched.get_backend_for_host(host) for host in hosts * 3] == expected * 3
        assert len(listed) <= len(hosts)


# ---------------------------------------------------------------- executions_listed_once_started
def test_a_callback_finds_its_execution_while_another_is_being_started(patched: moto_patches.Installation) -> None:
    from moto.stepfunctions.parser.api import ExecutionStatus
    from moto.stepfunctions.parser.models import stepfunctions_parser_backends

    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        sfn = boto3.client("stepfunctions", region_name=REGION)
        role = boto3.client("iam", region_name=REGION).create_role(
            RoleName="sm", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        definition = json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}})
        sfn.create_state_machine(name="probe", definition=definition, roleArn=role)
        backend = stepfunctions_parser_backends["123456789012"][REGION]
        starting = types.SimpleNamespace(exec_status=None)  # created, not yet started: moto gives it no status
        backend.state_machines[0].executions.append(starting)  # type: ignore[arg-type]
        assert backend._get_executions(ExecutionStatus.RUNNING) == []
        assert starting in backend._get_executions()
