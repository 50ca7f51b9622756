"""The operators' API for corrective actions (整改), a router the operators' function includes.

Managers open and cancel them; their owners (or a manager) report them done;
supervisors, managers and the owners read them.
"""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from complaints.bootstrap import desk
from complaints.core.access import Operator
from complaints.core.corrective import (
    ActionList,
    ActionStatus,
    CancelActionRequest,
    CloseActionRequest,
    CorrectiveAction,
    OpenActionRequest,
)
from complaints.handling import corrective
from complaints.web.api import current_operator

router = APIGatewayHttpRouter()


def _operator() -> Operator:
    return current_operator(router, desk())


@router.post("/v1/corrective-actions",
             summary="Open a corrective action (整改) from a cause: what, owner, due date, the complaints it answers")
def open_action(request: OpenActionRequest) -> CorrectiveAction:
    return corrective.open_action(desk(), _operator(), request)


@router.get("/v1/corrective-actions", summary="Corrective actions: open and overdue first, then by due date")
def list_actions(status: Annotated[ActionStatus | None, Query()] = None) -> ActionList:
    return ActionList(actions=corrective.list_actions(desk(), _operator(), status))


@router.get("/v1/corrective-actions/<action_id>", summary="A corrective action with its history")
def get_action(action_id: str) -> CorrectiveAction:
    return corrective.view_action(desk(), action_id, _operator())


@router.post("/v1/corrective-actions/<action_id>/done", summary="Its owner or a manager reports it done")
def close_action(action_id: str, request: CloseActionRequest) -> CorrectiveAction:
    return corrective.close_action(desk(), action_id, _operator(), request)


@router.post("/v1/corrective-actions/<action_id>/cancel", summary="A manager cancels it, with the reason")
def cancel_action(action_id: str, request: CancelActionRequest) -> CorrectiveAction:
    return corrective.cancel_action(desk(), action_id, _operator(), request)
