"""Customers' API: the satisfaction survey behind the signed link."""

from typing import Any

from aws_lambda_powertools.logging import correlation_paths

from complaints import actions
from complaints.desk import desk
from complaints.http import dispatch, make_resolver
from complaints.models import ActionAnswer, SurveyRequest
from complaints.observability import lambda_handler

app = make_resolver()


@app.post("/v1/surveys/<token>", summary="The customer rates the handling of a closed complaint")
def answer_survey(token: str, request: SurveyRequest) -> ActionAnswer:
    return actions.answer_survey(desk(), token, request)


@lambda_handler(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return dispatch(app, event, context)
