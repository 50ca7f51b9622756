"""HTTP API plumbing shared by the API functions: one mapping of errors to answers."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError

from complaints.errors import ComplaintError
from complaints.observability import logger


def _json(status: int, body: dict[str, Any]) -> Response[dict[str, Any]]:
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body=body)


def _field(location: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(part) for part in location]
    if parts and parts[0] in ("body", "query", "path", "header"):
        parts = parts[1:] if len(parts) > 1 else parts
    return ".".join(parts)


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
        return _json(status, {"message": str(exc), "error": type(exc).__name__})

    return app


def accepted(body: Any) -> Response[Any]:
    return Response(status_code=HTTPStatus.ACCEPTED, content_type=content_types.APPLICATION_JSON, body=body)
