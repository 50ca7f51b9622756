"""DynamoDB's refusals become the domain's typed errors in one place, the cause kept."""

from __future__ import annotations

from typing import Any
from unittest.mock import MagicMock

import pytest
from botocore.exceptions import ClientError

from complaints.adapters.dynamodb import Table, keys
from complaints.adapters.dynamodb.conditional import conditional
from complaints.core.errors import ConditionFailed, VersionConflict


def _error(code: str, message: str = "", reasons: list[str] | None = None) -> ClientError:
    response: dict[str, Any] = {"Error": {"Code": code, "Message": message}}
    if reasons is not None:
        response["CancellationReasons"] = [{"Code": r} for r in reasons]
    return ClientError(response, "TransactWriteItems")


def _raised(error: ClientError, **kwargs: Any) -> BaseException:
    with pytest.raises(Exception) as caught, conditional("complaint C1", **kwargs):
        raise error
    return caught.value


def test_a_refused_condition_is_condition_failed_with_the_client_error_as_its_cause() -> None:
    error = _error("ConditionalCheckFailedException")
    raised = _raised(error)
    assert isinstance(raised, ConditionFailed) and raised.__cause__ is error


def test_in_a_transaction_only_the_named_item_s_condition_is_the_refusal() -> None:
    assert isinstance(_raised(_error("TransactionCanceledException", reasons=["ConditionalCheckFailed", "None"])),
                      ConditionFailed)
    other = _error("TransactionCanceledException", reasons=["None", "ConditionalCheckFailed"])
    assert _raised(other) is other
    assert isinstance(_raised(other, index=1, refused=VersionConflict), VersionConflict)


def test_reasons_only_in_the_message_are_read_from_it() -> None:
    message = ("Transaction cancelled, please refer cancellation reasons for specific reasons "
               "[None, ConditionalCheckFailed]")
    assert isinstance(_raised(_error("TransactionCanceledException", message), index=1), ConditionFailed)
    assert not isinstance(_raised(_error("TransactionCanceledException", message), index=0), ConditionFailed)


def test_a_transaction_conflict_is_a_version_conflict_to_retry() -> None:
    raised = _raised(_error("TransactionCanceledException", "Transaction cancelled [None, TransactionConflict]",
                            reasons=["None", "TransactionConflict"]))
    assert isinstance(raised, VersionConflict) and "try again" in str(raised)


def test_other_errors_pass_through() -> None:
    throttled = _error("ProvisionedThroughputExceededException")
    assert _raised(throttled) is throttled


def test_a_refused_versioned_write_puts_the_version_back() -> None:
    client = MagicMock()
    client.transact_write_items.side_effect = _error(
        "TransactionCanceledException", "Transaction cancelled [None, TransactionConflict]",
        reasons=["None", "TransactionConflict"])
    target = MagicMock(version=4)
    with pytest.raises(VersionConflict, match="try again"):
        Table("t", 4, client=client).write_versioned([{}], target, 3, "complaint C1")
    assert target.version == 3


def test_complaints_spread_over_every_report_counter_shard() -> None:
    shards = {keys.report_shard(f"C20261122-{n:06d}") for n in range(500)}
    assert shards == set(range(keys.REPORT_SHARDS))
