"""Scheduled every minute: act on the human waits that fell due."""

from dataclasses import asdict
from typing import Any

from complaints.bootstrap import desk
from complaints.core.observability import MetricUnit, lambda_handler, metrics
from complaints.workflow import reminders


@lambda_handler()
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    result = reminders.sweep(desk())
    # The alarm on reminders lag reads this; a sweep that stops reporting is an alarm too.
    metrics.add_metric(name="OldestDueTimerAgeSeconds", unit=MetricUnit.Seconds, value=result.oldest_due_age_seconds)
    return {k: v for k, v in asdict(result).items() if k != "complaints"}
