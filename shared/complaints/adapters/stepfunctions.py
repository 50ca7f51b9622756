"""The port to the Step Functions workflow.

The execution input carries ids and routing facts only; task outputs sent
back carry decisions (an outcome, a score), never customer data.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from complaints.core.errors import WorkflowUnavailable, WorkflowUncertain

# The workflow no longer waits on this token: it moved on or ended.
_TOKEN_GONE = {"TaskTimedOut", "TaskDoesNotExist", "InvalidToken"}


class Workflow:
    def __init__(self, state_machine_arn: str, client: Any = None) -> None:
        self.state_machine_arn = state_machine_arn
        self._client = client

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = boto3.client("stepfunctions")
        return self._client

    def _machine(self) -> str:
        if not self.state_machine_arn:
            raise RuntimeError("STATE_MACHINE_ARN is not set in this function's environment (template.yaml)")
        return self.state_machine_arn

    def start(self, complaint_id: str, facts: dict[str, Any], name: str | None = None) -> None:
        """Start the complaint's execution, named after it (or a later one by name); a repeat is harmless.

        WorkflowUnavailable when Step Functions refuses, WorkflowUncertain when no answer came back.

        The input always names `resume` (null unless facts give the stage to go on from), so the resume
        entry's Choice never reads a path that is not there.
        """
        try:
            self.client.start_execution(
                stateMachineArn=self._machine(),
                name=name or complaint_id,
                input=json.dumps({"complaint_id": complaint_id, "resume": None, **facts}, sort_keys=True),
            )
        except ClientError as exc:
            code = exc.response["Error"]["Code"]
            if code != "ExecutionAlreadyExists":
                raise WorkflowUnavailable(f"the workflow did not start ({code})") from exc
        except BotoCoreError as exc:  # a read timeout or a dropped connection: it may have started
            raise WorkflowUncertain(f"no answer from the workflow ({type(exc).__name__})") from exc

    def succeed(self, task_token: str, output: dict[str, Any], error: str | None = None) -> None:
        """Send a decision: WorkflowUnavailable when refused, WorkflowUncertain when no answer came back.

        A decision that leaves the happy path goes as the named error the waiting state catches to route it,
        with the decision (outcomes and flags only) as its cause.
        """
        try:
            if error is None:
                self.client.send_task_success(taskToken=task_token, output=json.dumps(output))
            else:
                self.client.send_task_failure(taskToken=task_token, error=error, cause=json.dumps(output))
        except ClientError as exc:
            code = exc.response["Error"]["Code"]
            raise WorkflowUnavailable(f"the workflow did not take the decision ({code})") from exc
        except BotoCoreError as exc:  # a read timeout or a dropped connection: the send may have arrived
            raise WorkflowUncertain(f"no answer from the workflow ({type(exc).__name__})") from exc

    def redeliver(self, task_token: str, output: dict[str, Any], error: str | None = None) -> bool:
        """Send a decision again; False when the workflow no longer waits on the token (it had it, or moved on)."""
        try:
            self.succeed(task_token, output, error)
        except WorkflowUnavailable as exc:
            cause = exc.__cause__
            if isinstance(cause, ClientError) and cause.response["Error"]["Code"] in _TOKEN_GONE:
                return False
            raise
        return True

    def fail(self, task_token: str, error: str, cause: str) -> bool:
        """Fail a waiting task; False when the workflow no longer waits on it."""
        try:
            self.client.send_task_failure(taskToken=task_token, error=error, cause=cause)
        except ClientError as exc:
            if exc.response["Error"]["Code"] in _TOKEN_GONE:
                return False
            raise
        return True

    def execution_arn(self, name: str) -> str:
        """The ARN of the machine's execution of this name (a complaint id, or a later execution's name)."""
        prefix = self._machine().replace(":stateMachine:", ":execution:")
        return f"{prefix}:{name}"

    def status(self, name: str) -> str | None:
        """RUNNING, SUCCEEDED, FAILED, TIMED_OUT or ABORTED; None when there is no execution of this name."""
        try:
            answer = self.client.describe_execution(executionArn=self.execution_arn(name))
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ExecutionDoesNotExist":
                return None
            raise
        return str(answer["status"])

    def executions(self) -> Iterator[tuple[str, str]]:
        """(name, status) of every execution of the machine, newest first."""
        paginator = self.client.get_paginator("list_executions")
        for page in paginator.paginate(stateMachineArn=self._machine()):
            for execution in page["executions"]:
                yield str(execution["name"]), str(execution["status"])
