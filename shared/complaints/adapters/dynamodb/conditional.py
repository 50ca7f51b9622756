"""DynamoDB's refusals as the domain's typed errors, decided in one place, and the optimistic retry.

A conditional write refused by its condition (alone, or as one item of a
transaction) and a transaction that collided with another write are the two
refusals the stores expect; every other error passes through unchanged. A
read-change-write that meets a newer version reads again, a bounded number
of times.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from botocore.exceptions import ClientError

from complaints.core.errors import ConditionFailed, Conflict, VersionConflict

T = TypeVar("T")


@contextmanager
def conditional(what: str, *, index: int = 0, refused: type[Conflict] = ConditionFailed) -> Iterator[None]:
    """Run a write, raising `refused` when its condition fails and VersionConflict when its transaction collides.

    In a transaction only the condition of the item at `index` counts as the
    refusal; a failed condition of any other item is an error of its own.
    """
    try:
        yield
    except ClientError as exc:
        if condition_failed(exc, index):
            raise refused(f"{what} was changed by someone else") from exc
        if transaction_conflict(exc):  # another write held one of the items (a report counter, say)
            raise VersionConflict(f"{what} is being changed by another request; try again") from exc
        raise


def condition_failed(exc: ClientError, index: int = 0) -> bool:
    error = exc.response.get("Error", {})
    code = error.get("Code")
    if code == "ConditionalCheckFailedException":
        return True
    if code != "TransactionCanceledException":
        return False
    reasons = exc.response.get("CancellationReasons") or []
    if reasons:
        return len(reasons) > index and reasons[index].get("Code") == "ConditionalCheckFailed"
    # Some clients (moto's) only carry the reasons in the message.
    codes = error.get("Message", "").partition("[")[2].rstrip("]").split(", ")
    return len(codes) > index and codes[index].strip() == "ConditionalCheckFailed"


def transaction_conflict(exc: ClientError) -> bool:
    error = exc.response.get("Error", {})
    if error.get("Code") != "TransactionCanceledException":
        return False
    reasons = exc.response.get("CancellationReasons") or []
    return any(r.get("Code") == "TransactionConflict" for r in reasons) or "TransactionConflict" in error.get(
        "Message", "")


ATTEMPTS = 5  # optimistic writes tried this often before the conflict is the caller's


def retried(attempt: Callable[[], T | None], what: str, attempts: int = ATTEMPTS) -> T | None:
    """Run a read-change-write attempt again while it meets a VersionConflict, up to `attempts` times."""
    for _ in range(attempts):
        try:
            return attempt()
        except VersionConflict:
            continue
    raise VersionConflict(f"{what} kept changing")
