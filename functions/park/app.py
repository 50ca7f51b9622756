"""Workflow task: park a human wait, storing its task token on the complaint."""

from typing import Any

from complaints.bootstrap import desk
from complaints.core.enums import Stage
from complaints.core.observability import lambda_handler, logger
from complaints.workflow import steps


@lambda_handler(correlation_id_path="complaint_id")
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    logger.append_keys(complaint_id=event["complaint_id"], stage=event["stage"])
    # No token: a stage held by its timer, where the execution ends (HoldTracking).
    return steps.park_step(desk(), event["complaint_id"], Stage(event["stage"]), event.get("task_token"))
