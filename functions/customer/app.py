"""Customers' links: confirming the fix and rating the handling.

GET shows the page and changes nothing; POST records the answer, as JSON or
as the page's form (answered with a page).
"""

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.logging import correlation_paths

from complaints.bootstrap import desk
from complaints.core.errors import BadRequest, ComplaintError, LinkNotFound
from complaints.core.observability import lambda_handler
from complaints.core.record import ComplaintRecord
from complaints.core.requests import ConfirmRequest, SurveyRequest
from complaints.core.views import ActionAnswer
from complaints.handling import confirmation, links, survey
from complaints.web import pages
from complaints.web.api import dispatch, make_resolver, raw_body, refusal, too_large

app = make_resolver()
_FORM = "application/x-www-form-urlencoded"
_PAGE: dict[str, Any] = {"content": {"text/html": {"schema": {"type": "string"}}}}
PAGE_RESPONSES: dict[int, Any] = {
    200: {"description": "The page with its form", **_PAGE},
    404: {"description": "Not a link this desk signed (a page), or no such address (JSON)",
          "content": {**_PAGE["content"], "application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}},
    409: {"description": "Already answered, or no longer open", **_PAGE},
    410: {"description": "The link expired", **_PAGE},
}


def _html(status: int, text: str) -> Response[str]:
    return Response(status_code=status, content_type="text/html; charset=utf-8", body=text, headers=pages.HEADERS)


def _show(opened: Callable[[], ComplaintRecord], render: Callable[[ComplaintRecord], str]) -> Response[str]:
    try:
        return _html(200, render(opened()))
    except ComplaintError as exc:
        return _html(exc.status_code, pages.message("链接不可用", "This link cannot be used", str(exc)))


@app.get("/v1/surveys/<token>", summary="The survey page behind the link; opening it changes nothing",
         responses=PAGE_RESPONSES)
def survey_page(token: str) -> Response[str]:
    return _show(lambda: survey.survey_open(desk(), token), pages.survey_form)


@app.post("/v1/surveys/<token>", summary="The customer rates the handling of a closed complaint")
def answer_survey(token: str, request: SurveyRequest) -> ActionAnswer:
    return survey.answer_survey(desk(), token, request)


@app.get("/v1/confirmations/<token>", summary="The confirmation page behind the link; opening it changes nothing",
         responses=PAGE_RESPONSES)
def confirmation_page(token: str) -> Response[str]:
    return _show(lambda: confirmation.confirmation_open(desk(), token), pages.confirm_form)


@app.post("/v1/confirmations/<token>", summary="The customer says whether the problem is fixed")
def confirm(token: str, request: ConfirmRequest) -> ActionAnswer:
    return confirmation.confirm(desk(), token, request)


_NUMBERS = frozenset({"score"})  # the survey form's number fields, sent as JSON numbers


def _form_as_json(event: dict[str, Any]) -> dict[str, Any]:
    """The page's form post as the JSON body the API takes (empty fields left out); ValueError if it is no form."""
    body = raw_body(event).decode("utf-8")
    pairs = parse_qsl(body, keep_blank_values=False, max_num_fields=20, strict_parsing=False)
    fields: dict[str, Any] = {}
    for key, value in pairs:
        if key in fields:
            raise ValueError(f"field {key} is repeated")
        fields[key] = int(value) if key in _NUMBERS and value.isascii() and value.isdigit() else value
    headers = {**(event.get("headers") or {}), "content-type": content_types.APPLICATION_JSON}
    headers.pop("Content-Type", None)
    return {**event, "body": json.dumps(fields), "isBase64Encoded": False, "headers": headers}


def _as_page(answer: dict[str, Any], failed: tuple[str, str] = ("未能记录", "Not recorded")) -> dict[str, Any]:
    status = int(answer.get("statusCode", 500))
    try:
        data = json.loads(answer.get("body") or "{}")
    except ValueError:
        data = {}
    if status < 400:
        page = pages.message("谢谢", "Thank you", "您的回复已记录。 Your answer is recorded.")
    else:
        page = pages.message(*failed, str(data.get("message", "")))
    return {"statusCode": status, "headers": {"Content-Type": "text/html; charset=utf-8", **pages.HEADERS},
            "body": page, "isBase64Encoded": False}


def _unsigned(event: dict[str, Any]) -> ComplaintError | None:
    """A link this desk did not sign is refused before anything of the request is read."""
    path = str(event.get("rawPath") or "")
    purpose = links.purpose_of(path)
    token = (event.get("pathParameters") or {}).get("token")
    if purpose is None or token is None or links.signed(desk(), purpose, token):
        return None
    return LinkNotFound("this link is not valid")


@lambda_handler(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    as_form = headers.get("content-type", "").split(";")[0].strip().lower() == _FORM
    method = str(((event.get("requestContext") or {}).get("http") or {}).get("method", "GET"))
    refused = too_large(event, desk().settings.max_body_bytes) or _unsigned(event)
    if refused is None and as_form:
        try:
            event = _form_as_json(event)
        except (ValueError, UnicodeDecodeError):
            refused = BadRequest("the form could not be read: at most 20 fields, each once, in UTF-8")
    if refused is not None:
        answer = refusal(refused)
        if method == "GET":
            return _as_page(answer, ("链接不可用", "This link cannot be used"))
        return _as_page(answer) if as_form else answer
    answer = dispatch(app, event, context, max_body_bytes=desk().settings.max_body_bytes)
    return _as_page(answer) if as_form else answer
