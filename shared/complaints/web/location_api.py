"""The operators' API for correcting a complaint's location, a router the operators' function includes."""

from __future__ import annotations

from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from complaints.bootstrap import desk
from complaints.core.location_correction import LocationCorrection
from complaints.core.views import ActionAnswer
from complaints.handling import location_correction
from complaints.web.api import current_operator

router = APIGatewayHttpRouter()


@router.post("/v1/complaints/<complaint_id>/location",
             summary="Correct where the complaint is (area, address, the desk's own location fields): the fields "
                     "given are set, the others stay; the hotspot and area counts follow")
def correct_location(complaint_id: str, request: LocationCorrection) -> ActionAnswer:
    return location_correction.correct(desk(), complaint_id, current_operator(router, desk()), request)
