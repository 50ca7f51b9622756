"""HTTP API plumbing shared by the API functions: one mapping of errors to answers."""

from __future__ import annotations

import base64
import json
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError

from complaints.core.access import Operator, operator_from_event
from complaints.core.errors import BadRequest, ComplaintError, Forbidden, InvalidField, UnsupportedMediaType
from complaints.core.observability import logger
from complaints.desk.context import Desk


def _json(status: int, body: dict[str, Any]) -> Response[dict[str, Any]]:
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body=body)


def _field(location: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(part) for part in location]
    if parts and parts[0] in ("body", "query", "path", "header"):
        parts = parts[1:] if len(parts) > 1 else parts
    return ".".join(parts)


def error_body(exc: ComplaintError) -> dict[str, Any]:
    body: dict[str, Any] = {"message": str(exc), "error": type(exc).__name__}
    if isinstance(exc, InvalidField):
        body["errors"] = [{"field": exc.field, "reason": exc.reason}]
    if isinstance(exc, Forbidden) and exc.department:
        body["department"] = exc.department
    return body


def refusal(exc: ComplaintError) -> dict[str, Any]:
    """A refusal as an API Gateway HTTP API answer, for checks made before routing."""
    logger.info("request refused", extra={"error": type(exc).__name__, "status": exc.status_code})
    return {"statusCode": exc.status_code, "headers": {"Content-Type": content_types.APPLICATION_JSON},
            "body": json.dumps(error_body(exc), ensure_ascii=False), "isBase64Encoded": False}


def dispatch(app: APIGatewayHttpResolver, event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Route the event; a body that is not JSON is refused before anything parses it."""
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    media_type = headers.get("content-type", "application/json").split(";")[0].strip().lower()
    body = event.get("body")
    if body and media_type not in ("application/json", ""):
        return refusal(UnsupportedMediaType(f"content-type {media_type!r} is not supported; send application/json"))
    if body and event.get("isBase64Encoded"):
        try:
            base64.b64decode(body).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            return refusal(BadRequest("the body is not UTF-8 encoded JSON"))
    return app.resolve(event, context)


def make_resolver() -> APIGatewayHttpResolver:
    app = APIGatewayHttpResolver(enable_validation=True)

    @app.exception_handler(RequestValidationError)
    def invalid_request(exc: RequestValidationError) -> Response[dict[str, Any]]:
        # Messages and field names only: the submitted values may be personal data.
        errors = [{"field": _field(e.get("loc", ())), "reason": e.get("msg", e.get("type", "invalid"))}
                  for e in exc.errors()]
        logger.info("request refused", extra={"fields": [e["field"] for e in errors]})
        summary = "; ".join(f"{e['field']}: {e['reason']}" for e in errors)
        return _json(HTTPStatus.UNPROCESSABLE_ENTITY, {"message": f"invalid request: {summary}", "errors": errors})

    @app.exception_handler(ComplaintError)
    def domain_error(exc: ComplaintError) -> Response[dict[str, Any]]:
        status = exc.status_code
        if status >= 500:
            logger.exception("request failed")
        else:
            logger.info("request refused", extra={"error": type(exc).__name__, "status": status})
        return _json(status, error_body(exc))

    return app


def accepted(body: Any) -> Response[Any]:
    return Response(status_code=HTTPStatus.ACCEPTED, content_type=content_types.APPLICATION_JSON, body=body)


def current_operator(app: APIGatewayHttpResolver, current: Desk) -> Operator:
    """The operator of the request the resolver is handling, from the JWT authorizer's claims."""
    operator = operator_from_event(app.current_event.raw_event, current.policy.agent,
                                   agent_claim=current.settings.agent_claim, role_claim=current.settings.role_claim)
    logger.append_keys(agent_id=operator.agent_id)
    return operator
