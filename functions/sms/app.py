"""Inbound SMS: the SMS gateway delivers customers' replies, signed per Standard Webhooks like any portal.

A reply with digits answers the survey the sender's complaint awaits. The sender's number is matched by its
keyed hash and is never logged.
"""

from typing import Any

from aws_lambda_powertools.logging import correlation_paths

from complaints.bootstrap import desk
from complaints.core.errors import ComplaintError, Forbidden
from complaints.core.observability import lambda_handler, logger
from complaints.core.surveys import InboundSms, SmsReceipt
from complaints.handling import survey_replies
from complaints.intake import portals
from complaints.intake.portals import Delivery
from complaints.web.api import dispatch, make_resolver, refusal

app = make_resolver()


@app.post("/v1/portals/<portal_id>/sms",
          summary="The SMS gateway delivers a customer's SMS: a survey answered with digits is recorded once")
def inbound_sms(portal_id: str, request: InboundSms) -> SmsReceipt:
    delivery = app.context["delivery"]
    assert isinstance(delivery, Delivery)
    return survey_replies.receive_sms(desk(), delivery.portal, request, delivery.webhook_id)


@lambda_handler(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    portal_id = str((event.get("pathParameters") or {}).get("portal_id", ""))
    current = desk()
    try:  # signature first: nothing of an unsigned request is parsed, stored or echoed
        delivery = portals.verify_event(current.policy, current.settings, portal_id, event)
        if not delivery.portal.inbound_sms:
            raise Forbidden(f"portal {portal_id} does not deliver SMS (the policy names the SMS gateways)")
    except ComplaintError as exc:
        return refusal(exc)
    logger.append_keys(portal_id=portal_id, webhook_id=delivery.webhook_id)
    app.append_context(delivery=delivery)
    return dispatch(app, event, context, max_body_bytes=current.settings.max_body_bytes)
