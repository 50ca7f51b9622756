"""Scheduled every minute, once per shard group: act on the timers of its group's shards that fell due."""

from dataclasses import asdict
from typing import Any

from complaints.bootstrap import desk
from complaints.core.observability import MetricUnit, lambda_handler, metrics
from complaints.workflow import reminders


@lambda_handler()
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    # Each schedule names its group (template.yaml); without one, a sweep reads every shard.
    group, groups = int(event.get("shard_group", 0)), int(event.get("shard_groups", 1))
    result = reminders.sweep(desk().sweeping(group, groups) if groups > 1 else desk())
    # The alarm on reminders lag reads this; a sweep that stops reporting is an alarm too.
    metrics.add_metric(name="OldestDueTimerAgeSeconds", unit=MetricUnit.Seconds, value=result.oldest_due_age_seconds)
    return {k: v for k, v in asdict(result).items() if k != "complaints"}
