"""Operators' API: list, view and act on complaints."""

from datetime import date
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.logging import correlation_paths

from complaints.bootstrap import desk
from complaints.core.access import Operator, authorize
from complaints.core.collaboration import (
    AssistDoneRequest,
    AssistRequest,
    ConsultAnswerRequest,
    ConsultRequest,
    ReturnRequest,
)
from complaints.core.enums import Status
from complaints.core.errors import Forbidden
from complaints.core.observability import lambda_handler, logger
from complaints.core.policy_sections import Agent, AgentUpdate
from complaints.core.record import Incident
from complaints.core.redress import RedressDecisionRequest, RedressRequest
from complaints.core.requests import (
    AppealRequest,
    AppointmentRequest,
    ArrivalRequest,
    AssignRequest,
    CallbackRequest,
    DisputeRequest,
    DisputeStepRequest,
    ExtendRequest,
    FollowUpRequest,
    IncidentResolveRequest,
    PauseRequest,
    QualityCheckRequest,
    ReplyRequest,
    ResolveRequest,
    ReviewRequest,
    SettlementRequest,
    TransferRequest,
)
from complaints.core.surveys import PhoneSurveyRequest
from complaints.core.views import ActionAnswer, ComplaintList, ComplaintView
from complaints.handling import (
    acceptance,
    collaboration,
    confirmation,
    contacts,
    disputes,
    incidents,
    reading,
    redress,
    resolution,
    survey,
    survey_replies,
    tracking,
)
from complaints.promises import extensions
from complaints.promises import keeping as promises
from complaints.reporting import assessment, causes, reports, trends
from complaints.triage import assignment
from complaints.web import corrective_api, location_api
from complaints.web.api import current_operator, dispatch, make_resolver
from complaints.web.console_assessment import staff_name
from complaints.web.console_text import series_name, summary_name
from complaints.workflow import redrive

app = make_resolver()
app.include_router(corrective_api.router)
app.include_router(location_api.router)


def _operator() -> Operator:
    return current_operator(app, desk())


@app.get("/v1/complaints", summary="List a queue's or an owner's complaints")
def list_complaints(
    queue: Annotated[str | None, Query(max_length=64)] = None,
    owner: Annotated[str | None, Query(max_length=64)] = None,
    status: Annotated[Status | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    next_token: Annotated[str | None, Query(max_length=2048)] = None,
) -> ComplaintList:
    return reading.list_complaints(desk(), _operator(), queue=queue, owner=owner, status=status,
                                   limit=limit, next_token=next_token)


@app.get("/v1/complaints/<complaint_id>", summary="A complaint with its promises and timeline")
def get_complaint(complaint_id: str) -> ComplaintView:
    return reading.view(desk(), complaint_id, _operator())


@app.post("/v1/complaints/<complaint_id>/accept", summary="The owner accepts the complaint")
def accept(complaint_id: str) -> ActionAnswer:
    return acceptance.accept(desk(), complaint_id, _operator())


@app.post("/v1/complaints/<complaint_id>/resolve",
          summary="Report the outcome, root cause, actions and evidence; on a tracking ticket, the fix landed")
def resolve(complaint_id: str, request: ResolveRequest) -> ActionAnswer:
    return resolution.resolve(desk(), complaint_id, _operator(), request)


@app.post("/v1/complaints/<complaint_id>/callbacks", summary="Record a verification call to the customer")
def record_callback(complaint_id: str, request: CallbackRequest) -> ActionAnswer:
    return confirmation.callback(desk(), complaint_id, _operator(), request)


@app.post("/v1/complaints/<complaint_id>/quality-check",
          summary="A supervisor's check (质检) of the handling before the customer is called")
def check_quality(complaint_id: str, request: QualityCheckRequest) -> ActionAnswer:
    return resolution.quality_check(desk(), complaint_id, _operator(), request)


@app.post("/v1/complaints/<complaint_id>/follow-ups", summary="Progress on a tracking ticket's planned fix")
def follow_up(complaint_id: str, request: FollowUpRequest) -> ActionAnswer:
    return tracking.follow_up(desk(), complaint_id, _operator(), request)


@app.post("/v1/complaints/<complaint_id>/appeal", summary="Record a customer's appeal (申诉) of a closed complaint")
def record_appeal(complaint_id: str, request: AppealRequest) -> ActionAnswer:
    operator = _operator()
    record = desk().complaints.get(complaint_id)
    authorize(operator, record)
    return survey.appeal(desk(), record, request.reason, operator.agent_id)


@app.post("/v1/complaints/<complaint_id>/assign", summary="A supervisor assigns an owner by hand")
def assign(complaint_id: str, request: AssignRequest) -> ActionAnswer:
    return acceptance.assign_by_hand(desk(), complaint_id, _operator(), request)


@app.post("/v1/complaints/<complaint_id>/transfer", summary="Transfer to another department or agent, with a reason")
def transfer(complaint_id: str, request: TransferRequest) -> ActionAnswer:
    return assignment.transfer(desk(), complaint_id, _operator(), request)


@app.post("/v1/complaints/<complaint_id>/redress",
          summary="Record compensation, a refund, a fee adjustment, an apology or a written explanation")
def record_redress(complaint_id: str, request: RedressRequest) -> ActionAnswer:
    return redress.record_redress(desk(), complaint_id, _operator(), request)


@app.post("/v1/complaints/<complaint_id>/redress/<redress_id>/decision",
          summary="Approve or refuse an amount above its recorder's limit (a lead whose limit covers it)")
def decide_redress(complaint_id: str, redress_id: str, request: RedressDecisionRequest) -> ActionAnswer:
    return redress.decide(desk(), complaint_id, redress_id, _operator(), request)


@app.post("/v1/complaints/<complaint_id>/consults", summary="Ask another department a question, with a time limit")
def consult(complaint_id: str, request: ConsultRequest) -> ActionAnswer:
    return collaboration.consult(desk(), complaint_id, _operator(), request)


@app.post("/v1/complaints/<complaint_id>/consults/<consult_id>/answer",
          summary="The department consulted answers")
def answer_consult(complaint_id: str, consult_id: str, request: ConsultAnswerRequest) -> ActionAnswer:
    return collaboration.answer_consult(desk(), complaint_id, consult_id, _operator(), request)


@app.post("/v1/complaints/<complaint_id>/assists",
          summary="Another department does part of the work, with its own owner and time limit")
def open_assist(complaint_id: str, request: AssistRequest) -> ActionAnswer:
    return collaboration.open_assist(desk(), complaint_id, _operator(), request)


@app.post("/v1/complaints/<complaint_id>/assists/<assist_id>/done", summary="The assisting department's part is done")
def finish_assist(complaint_id: str, assist_id: str, request: AssistDoneRequest) -> ActionAnswer:
    return collaboration.finish_assist(desk(), complaint_id, assist_id, _operator(), request)


@app.post("/v1/complaints/<complaint_id>/return",
          summary="Return the complaint (退单) to the dispatcher with a reason: not ours, incomplete, duplicate")
def return_complaint(complaint_id: str, request: ReturnRequest) -> ActionAnswer:
    return collaboration.return_to_dispatcher(desk(), complaint_id, _operator(), request)


@app.post("/v1/complaints/<complaint_id>/promises/<kind>/extend",
          summary="Move a promise, with a reason; the customer is told; a ceiling needs the explanation and the "
                  "report to the authority")
def extend_promise(complaint_id: str, kind: str, request: ExtendRequest) -> ActionAnswer:
    return extensions.extend(desk(), complaint_id, _operator(), kind, request)


@app.post("/v1/complaints/<complaint_id>/replies",
          summary="A staged reply (阶段回复): how the customer was reached, what was said, the next promised time")
def record_reply(complaint_id: str, request: ReplyRequest) -> ActionAnswer:
    return contacts.reply(desk(), complaint_id, _operator(), request)


@app.post("/v1/complaints/<complaint_id>/appointments", summary="Book a field visit's window with the customer")
def book_appointment(complaint_id: str, request: AppointmentRequest) -> ActionAnswer:
    return contacts.book(desk(), complaint_id, _operator(), request)


@app.post("/v1/complaints/<complaint_id>/arrival", summary="The visit arrived on site for the booked window")
def record_arrival(complaint_id: str, request: ArrivalRequest) -> ActionAnswer:
    return contacts.arrive(desk(), complaint_id, _operator(), request)


@app.post("/v1/complaints/<complaint_id>/dispute", summary="Open a dispute: the customer claims harm and redress")
def open_dispute(complaint_id: str, request: DisputeRequest) -> ActionAnswer:
    return disputes.open_by_agent(desk(), complaint_id, _operator(), request)


@app.post("/v1/complaints/<complaint_id>/dispute/steps",
          summary="Record a step of the dispute (the records sealed, mediation or an appraisal asked for)")
def record_dispute_step(complaint_id: str, request: DisputeStepRequest) -> ActionAnswer:
    return disputes.record_step(desk(), complaint_id, _operator(), request)


@app.post("/v1/complaints/<complaint_id>/dispute/settlement",
          summary="Settle the dispute: the way agreed, the compensation paid, the agreement's reference")
def settle_dispute(complaint_id: str, request: SettlementRequest) -> ActionAnswer:
    return disputes.settle(desk(), complaint_id, _operator(), request)


@app.post("/v1/complaints/<complaint_id>/pause", summary="Wait on the customer: pausable promises stop")
def pause(complaint_id: str, request: PauseRequest) -> ActionAnswer:
    return promises.pause(desk(), complaint_id, _operator(), request)


@app.post("/v1/complaints/<complaint_id>/resume", summary="Work goes on: pausable promises move by the wait")
def resume(complaint_id: str) -> ActionAnswer:
    return promises.resume(desk(), complaint_id, _operator())


@app.post("/v1/complaints/<complaint_id>/review",
          summary="A supervisor recovers a low survey score: cause, action, and whether to reopen")
def review(complaint_id: str, request: ReviewRequest) -> ActionAnswer:
    return survey.review(desk(), complaint_id, _operator(), request)


@app.post("/v1/complaints/<complaint_id>/survey",
          summary="Record a phone survey (满意度回访): the customer's answers, who asked and when; once")
def phone_survey(complaint_id: str, request: PhoneSurveyRequest) -> ActionAnswer:
    return survey_replies.record_phone_survey(desk(), complaint_id, _operator(), request)


@app.post("/v1/complaints/<complaint_id>/redrive",
          summary="A supervisor starts the workflow again where the complaint stands, after its execution failed, "
                  "timed out or was stopped")
def redrive_complaint(complaint_id: str) -> ActionAnswer:
    return redrive.redrive_by(desk(), complaint_id, _operator())


@app.get("/v1/reports/verification",
         summary="How complaints ended over a period: first-time fixes, reopens, unconfirmed closes, surveys")
def verification_report(
    start: Annotated[date, Query(alias="from")],
    end: Annotated[date, Query(alias="to")],
) -> reports.VerificationReport:
    return reports.verification(desk(), _operator(), start, end)


@app.get("/v1/reports/summary",
         summary="The managers' summary over a period: volumes, promises, fixes, repeats, satisfaction, hotspots")
def summary_report(
    start: Annotated[date, Query(alias="from")],
    end: Annotated[date, Query(alias="to")],
) -> reports.SummaryReport:
    return reports.summary(desk(), _operator(), start, end)


@app.get("/v1/reports/causes",
         summary="Closed complaints by root cause, category, area and department, with the change from the "
                 "period before")
def cause_report(
    start: Annotated[date, Query(alias="from")],
    end: Annotated[date, Query(alias="to")],
) -> causes.CauseReport:
    return causes.causes(desk(), _operator(), start, end)


@app.get("/v1/reports/assessment",
         summary="The assessment (考核) of each agent and department over a period: acceptances missed, promises "
                 "kept and missed by kind, reopens, transfers and passing around, scores, compensation paid")
def assessment_report(
    start: Annotated[date, Query(alias="from")],
    end: Annotated[date, Query(alias="to")],
) -> assessment.AssessmentReport:
    return assessment.assessment(desk(), _operator(), start, end)


@app.get("/v1/reports/assessment.csv", summary="The assessment as CSV: a row per department, then per agent",
         responses={200: {"description": "CSV", "content": {"text/csv": {"schema": {"type": "string"}}}}})
def assessment_report_csv(
    start: Annotated[date, Query(alias="from")],
    end: Annotated[date, Query(alias="to")],
    lang: Annotated[str, Query(pattern="^(zh-CN|en)$", description="the language of the name columns")] = "zh-CN",
) -> Response[str]:
    current = desk()
    report = assessment.assessment(current, _operator(), start, end)
    return _csv(assessment.assessment_csv(report, staff_name(current.policy, lang)),
                f"assessment-{start}-{end}.csv")


@app.get("/v1/reports/summary.csv", summary="The managers' summary as CSV rows (section, item, value)",
         responses={200: {"description": "CSV", "content": {"text/csv": {"schema": {"type": "string"}}}}})
def summary_report_csv(
    start: Annotated[date, Query(alias="from")],
    end: Annotated[date, Query(alias="to")],
    lang: Annotated[str, Query(pattern="^(zh-CN|en)$", description="the language of the name column")] = "zh-CN",
) -> Response[str]:
    report = reports.summary(desk(), _operator(), start, end)
    body = reports.summary_csv(report, summary_name(desk().policy, lang))
    return _csv(body, f"complaints-{start}-{end}.csv")


@app.get("/v1/reports/trends",
         summary="Day by day over a period: received, closed, the open backlog, promises kept by kind, scores, reopens")
def trends_report(
    start: Annotated[date, Query(alias="from")],
    end: Annotated[date, Query(alias="to")],
) -> trends.TrendReport:
    return trends.trends(desk(), _operator(), start, end)


@app.get("/v1/reports/trends.csv", summary="The days as CSV rows (day, series, value, name)",
         responses={200: {"description": "CSV", "content": {"text/csv": {"schema": {"type": "string"}}}}})
def trends_report_csv(
    start: Annotated[date, Query(alias="from")],
    end: Annotated[date, Query(alias="to")],
    lang: Annotated[str, Query(pattern="^(zh-CN|en)$", description="the language of the name column")] = "zh-CN",
) -> Response[str]:
    report = trends.trends(desk(), _operator(), start, end)
    return _csv(trends.trends_csv(report, series_name(desk().policy, lang)), f"complaints-days-{start}-{end}.csv")


def _csv(body: str, filename: str) -> Response[str]:
    return Response(status_code=200, content_type="text/csv; charset=utf-8", body=body,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"})


@app.get("/v1/incidents/<incident_id>", summary="An outage incident and its linked complaints")
def get_incident(incident_id: str) -> Incident:
    return incidents.view_incident(desk(), incident_id, _operator())


@app.post("/v1/incidents/<incident_id>/resolve", summary="Resolve an incident and with it every linked complaint")
def resolve_incident(incident_id: str, request: IncidentResolveRequest) -> Incident:
    operator = _operator()
    return incidents.resolve_incident(desk(), incident_id, operator.agent_id, operator.departments,
                                      request.root_cause, request.actions)


def _manager() -> Operator:
    operator = _operator()
    if not operator.role.across_departments:
        logger.warning("access refused", extra={"agent_id": operator.agent_id, "area": "admin"})
        raise Forbidden("only managers and admins read and change the roster")
    return operator


@app.get("/v1/admin/agents", summary="The roster: every agent with departments, skills, areas, shift and capacity")
def list_agents() -> list[Agent]:
    _manager()
    return desk().policy.agents


@app.put("/v1/admin/agents/<agent_id>", summary="Add or change an agent (managers)")
def put_agent(agent_id: str, request: AgentUpdate) -> Agent:
    _manager()
    return desk().staff.put_agent(Agent(id=agent_id, **request.model_dump()))


@lambda_handler(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return dispatch(app, event, context, max_body_bytes=desk().settings.max_body_bytes)
