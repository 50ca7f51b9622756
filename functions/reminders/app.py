"""Scheduled every minute: act on the human waits that fell due."""

from dataclasses import asdict
from typing import Any

from complaints import reminders
from complaints.desk import desk
from complaints.observability import lambda_handler


@lambda_handler()
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    result = reminders.sweep(desk())
    return {k: v for k, v in asdict(result).items() if k != "complaints"}
