"""Intake webhook: portals deliver complaints and read back their own, signed per Standard Webhooks."""

from importlib import resources
from typing import Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit

from complaints.bootstrap import desk
from complaints.core.errors import ComplaintError, ComplaintNotFound
from complaints.core.observability import lambda_handler, logger, metrics
from complaints.core.requests import AppealRequest, IntakeRequest, WebhookRegistration
from complaints.core.views import ActionAnswer, IntakeAnswer, PortalComplaintStatus
from complaints.handling import survey
from complaints.intake import portals, receive, webhooks
from complaints.intake.portals import Delivery
from complaints.web.api import accepted, dispatch, make_resolver, refusal

app = make_resolver()


def _delivery() -> Delivery:
    delivery = app.context["delivery"]
    assert isinstance(delivery, Delivery)
    return delivery


@app.post("/v1/portals/<portal_id>/complaints", summary="Deliver a complaint from a portal", status_code=202)
def submit_complaint(portal_id: str, request: IntakeRequest) -> Response[IntakeAnswer]:
    answer = receive.submit(desk(), _delivery(), request)
    metrics.add_dimension(name="channel", value=request.channel)
    metrics.add_metric(name="ComplaintsReceived", unit=MetricUnit.Count, value=1)
    return accepted(answer)


@app.get("/v1/portals/<portal_id>/complaints/<external_id>", summary="A portal reads back its own complaint")
def read_complaint(portal_id: str, external_id: str) -> PortalComplaintStatus:
    return receive.portal_status(desk(), _delivery().portal.id, external_id)


@app.post("/v1/portals/<portal_id>/complaints/<external_id>/appeal",
          summary="A portal delivers its customer's appeal (申诉) of a closed complaint")
def appeal_complaint(portal_id: str, external_id: str, request: AppealRequest) -> ActionAnswer:
    current = desk()
    complaint_id = current.complaints.find_external(_delivery().portal.id, external_id)
    if complaint_id is None:
        raise ComplaintNotFound(f"no complaint {external_id} from portal {portal_id}")
    record = current.complaints.get(complaint_id)
    return survey.appeal(current, record, request.reason, f"portal:{portal_id}")


@app.put("/v1/portals/<portal_id>/webhook",
         summary="Register where the desk pushes this portal's complaint status events (Standard Webhooks)")
def register_webhook(portal_id: str, request: WebhookRegistration) -> webhooks.WebhookView:
    return webhooks.register(desk(), _delivery().portal.id, request)


@app.get("/v1/portals/<portal_id>/webhook", summary="The portal's webhook and its latest dead letters")
def read_webhook(portal_id: str) -> webhooks.WebhookView:
    return webhooks.read(desk(), _delivery().portal.id)


@app.delete("/v1/portals/<portal_id>/webhook", summary="Stop pushing status events to this portal")
def withdraw_webhook(portal_id: str) -> webhooks.WebhookView:
    return webhooks.withdraw(desk(), _delivery().portal.id)


@app.get("/v1/openapi.json", summary="The OpenAPI document of the whole HTTP API")
def openapi_document() -> Response[str]:
    document = resources.files("complaints").joinpath("openapi.json").read_text(encoding="utf-8")
    return Response(status_code=200, content_type=content_types.APPLICATION_JSON, body=document)


@lambda_handler(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    portal_id = (event.get("pathParameters") or {}).get("portal_id")
    if portal_id is not None:
        # Signature first: nothing of an unsigned request is parsed, stored or echoed.
        current = desk()
        try:
            delivery = portals.verify_event(current.policy, current.settings, portal_id, event)
        except ComplaintError as exc:
            return refusal(exc)
        logger.append_keys(portal_id=portal_id, webhook_id=delivery.webhook_id)
        receive.idempotency_config().register_lambda_context(context)
        app.append_context(delivery=delivery)
    return dispatch(app, event, context, max_body_bytes=desk().settings.max_body_bytes)
