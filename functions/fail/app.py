"""Workflow task: mark a complaint failed so no failure goes unseen."""

from typing import Any

from complaints.bootstrap import desk
from complaints.core.observability import lambda_handler, logger
from complaints.workflow import steps


@lambda_handler(correlation_id_path="complaint_id")
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    logger.append_keys(complaint_id=event["complaint_id"])
    caught = event.get("error") or {}
    error = str(caught.get("Error") or "States.Unknown")
    return steps.fail_step(desk(), event["complaint_id"], error, steps.failure_cause(caught.get("Cause")))
