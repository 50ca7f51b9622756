"""HTTP API plumbing shared by the API functions: one mapping of errors to answers."""

from __future__ import annotations

import base64
import json
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from complaints.core.access import Operator, operator_from_event
from complaints.core.errors import (
    BadRequest,
    ComplaintError,
    Forbidden,
    InvalidField,
    PayloadTooLarge,
    UnsupportedMediaType,
)
from complaints.core.observability import logger
from complaints.desk.context import Desk

# Every route's limit (settings.max_body_bytes is the deployment's, the same by default): no body the API
# takes comes near it, and nothing larger is read.
MAX_BODY_BYTES = 65536
# The deepest nesting any request of the API has is 3; a body nested deeper is refused before it is parsed twice.
MAX_JSON_DEPTH = 32


def _json(status: int, body: dict[str, Any]) -> Response[dict[str, Any]]:
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body=body)


def _field(location: tuple[Any, ...] | list[Any]) -> str:
    if len(location) == 2 and location[0] == "body" and isinstance(location[1], int):
        return "body"  # a JSON decode error's character offset is no field
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


def raw_body(event: dict[str, Any]) -> bytes:
    """The request's body as the client sent it (API Gateway base64-encodes what is not text)."""
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        try:
            return base64.b64decode(body)
        except ValueError:
            return body.encode()
    return body.encode("utf-8", "surrogatepass")


def too_large(event: dict[str, Any], max_body_bytes: int) -> PayloadTooLarge | None:
    size = len(raw_body(event))
    return PayloadTooLarge(f"body is {size} bytes; the limit is {max_body_bytes}") if size > max_body_bytes else None


def _json_depth(value: Any) -> int:
    """How deeply arrays and objects nest in a parsed JSON value, without recursion."""
    deepest, pending = 0, [(value, 1)]
    while pending:
        node, depth = pending.pop()
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else None
        if children is None:
            continue
        deepest = max(deepest, depth)
        if deepest > MAX_JSON_DEPTH:
            break
        pending.extend((child, depth + 1) for child in children)
    return deepest


def body_problem(text: str) -> ComplaintError | None:
    """Why a JSON body cannot be read, if it cannot: each reason names the body, never a character offset."""
    try:
        parsed = json.loads(text)
    except RecursionError:
        return InvalidField("body", f"nested deeper than {MAX_JSON_DEPTH} levels")
    except json.JSONDecodeError as exc:
        return InvalidField("body", f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})")
    except ValueError:  # an integer longer than Python converts (sys.get_int_max_str_digits)
        return InvalidField("body", "a number has too many digits")
    if _json_depth(parsed) > MAX_JSON_DEPTH:
        return InvalidField("body", f"nested deeper than {MAX_JSON_DEPTH} levels")
    return None


def dispatch(app: APIGatewayHttpResolver, event: dict[str, Any], context: Any, *,
             max_body_bytes: int = MAX_BODY_BYTES) -> dict[str, Any]:
    """Route the event; a body too large, not JSON, or JSON that cannot be read is refused before routing."""
    oversized = too_large(event, max_body_bytes)
    if oversized is not None:
        return refusal(oversized)
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    media_type = headers.get("content-type", "application/json").split(";")[0].strip().lower()
    body = event.get("body")
    if body and media_type not in ("application/json", ""):
        return refusal(UnsupportedMediaType(f"content-type {media_type!r} is not supported; send application/json"))
    if body:
        try:
            text = raw_body(event).decode("utf-8")
        except UnicodeDecodeError:
            return refusal(BadRequest("the body is not UTF-8 encoded JSON"))
        problem = body_problem(text)
        if problem is not None:
            return refusal(problem)
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


def current_operator(app: APIGatewayHttpResolver | APIGatewayHttpRouter, current: Desk) -> Operator:
    """The operator of the request the resolver is handling, from the JWT authorizer's claims."""
    operator = operator_from_event(app.current_event.raw_event, current.policy.agent,
                                   agent_claim=current.settings.agent_claim, role_claim=current.settings.role_claim)
    logger.append_keys(agent_id=operator.agent_id)
    return operator
