"""Intake webhook: POST /v1/portals/{portal_id}/complaints."""

from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit

from complaints import intake
from complaints.desk import desk
from complaints.http import accepted, make_resolver
from complaints.models import IntakeAnswer, IntakeRequest
from complaints.observability import lambda_handler, metrics
from complaints.portals import authenticate_portal

app = make_resolver()


@app.post("/v1/portals/<portal_id>/complaints", summary="Deliver a complaint from a portal")
def submit_complaint(portal_id: str, request: IntakeRequest) -> Response[IntakeAnswer]:
    current = desk()
    raw_body = (app.current_event.decoded_body or "").encode()
    authenticate_portal(current.policy, portal_id, app.current_event.headers, raw_body)
    answer = intake.submit(current, portal_id, request, raw_body)
    metrics.add_metric(name="ComplaintsReceived", unit=MetricUnit.Count, value=1)
    return accepted(answer)


@lambda_handler(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)
