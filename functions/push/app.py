"""Scheduled every minute: claim the status events due to portals and put them on the sender queue."""

from dataclasses import asdict
from typing import Any

from complaints.adapters.push_queue import PushQueue
from complaints.bootstrap import desk
from complaints.core.observability import lambda_handler
from complaints.workflow import pushing


@lambda_handler()
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    current = desk()
    queue = PushQueue(current.settings.required("push_queue_url"))
    return asdict(pushing.relay(current, queue, lambda: context.get_remaining_time_in_millis() / 1000))
