"""Workflow task: the classify step of a complaint."""

from typing import Any

from complaints.bootstrap import desk
from complaints.core.observability import lambda_handler, logger
from complaints.workflow import steps

# Init phase: the classifier (the profile's phrases and its trained model) is built once per container, before
# its first complaint and outside the function's timeout.
_ = desk().classifier


@lambda_handler(correlation_id_path="complaint_id")
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    logger.append_keys(complaint_id=event["complaint_id"])
    return steps.classify_step(desk(), event["complaint_id"])
