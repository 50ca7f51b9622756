"""The one place that builds Logger, Tracer and Metrics, and the handler decorator stack."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit
from aws_lambda_powertools.shared.constants import TRACER_DISABLED_ENV
from aws_lambda_powertools.shared.functions import resolve_truthy_env_var_choice

__all__ = ["MetricUnit", "count", "lambda_handler", "logger", "metrics", "tracer"]

SERVICE = "complaints"

logger = Logger(service=SERVICE)
# Powertools' Tracer loads the X-Ray SDK when it is built, tracing on or not (about 150-200 ms of
# every cold start). With POWERTOOLS_TRACE_DISABLED set, it is not built at all: Lambda's and
# Step Functions' own active tracing still records every invocation and state. The variable is read as
# Powertools reads it (true, 1, yes, on).
TRACING = not resolve_truthy_env_var_choice(os.environ.get(TRACER_DISABLED_ENV, "false"))
tracer = Tracer(service=SERVICE) if TRACING else None
metrics = Metrics(namespace="ComplaintDesk", service=SERVICE)

NAMESPACE = "ComplaintDesk"
Handler = Callable[[dict[str, Any], Any], Any]


def count(name: str, value: float = 1, unit: MetricUnit = MetricUnit.Count, **dimensions: str) -> None:
    """One business metric, written at once as EMF under the service dimension alone, which the dashboard and
    the alarms read; with dimensions of its own (beside service), written once more under them, for the breakdown.
    CloudWatch files a metric under its whole dimension set: a metric written only as (kind, service) is not the
    (service) metric an alarm names, and no alarm can add the sets up."""
    for named in ({}, dimensions) if dimensions else ({},):
        one = EphemeralMetrics(namespace=NAMESPACE, service=SERVICE)
        for key, dimension in named.items():
            one.add_dimension(name=key, value=dimension)
        one.add_metric(name=name, unit=unit, value=value)
        one.flush_metrics()


def lambda_handler(correlation_id_path: str | None = None) -> Callable[[Handler], Handler]:
    """Logger context (with a correlation id), metrics and tracing, the same on every function."""

    def decorate(handler: Handler) -> Handler:
        if tracer is not None:
            handler = tracer.capture_lambda_handler(capture_response=False)(handler)
        handler = metrics.log_metrics(handler)
        return logger.inject_lambda_context(correlation_id_path=correlation_id_path, clear_state=True)(handler)

    return decorate
