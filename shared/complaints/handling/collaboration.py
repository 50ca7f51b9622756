"""Working across departments: consult, assist, and return (退单) — never pass the customer around.

A consultation and an assist each carry a promise (kinds ``consult:Q1``,
``assist:A1``) whose timer reminds, warns and marks it missed like any other,
telling the department asked rather than the complaint's owner. An open
assist holds the complaint: it cannot be reported resolved until the assist
is done. A return sends the complaint to the dispatcher (the triage desk)
with a reason from a fixed list, counted per department.
"""

from __future__ import annotations

from complaints.core import clock
from complaints.core.access import Operator, authorize, require_owner_or_lead
from complaints.core.collaboration import (
    Assist,
    AssistDoneRequest,
    AssistRequest,
    ConsultAnswerRequest,
    Consultation,
    ConsultRequest,
    ReturnRecord,
    ReturnRequest,
)
from complaints.core.enums import EventType, ReturnReason, Stage, WorkflowError
from complaints.core.errors import BadRequest, Conflict, Forbidden, InvalidField, NotAwaiting
from complaints.core.record import ComplaintRecord
from complaints.core.values import Promise, TimelineEvent
from complaints.core.views import ActionAnswer
from complaints.desk.context import Desk
from complaints.promises import keeping as promises
from complaints.promises import terms as sla
from complaints.reporting import reports


def _other_department(desk: Desk, record: ComplaintRecord, department: str) -> None:
    if department not in {d.id for d in desk.policy.departments}:
        raise InvalidField("department", f"{department!r} is not a department of the desk")
    if department == record.department:
        raise InvalidField("department", "name another department than the complaint's own")


def _answer(record: ComplaintRecord, message: str) -> ActionAnswer:
    return ActionAnswer(complaint_id=record.complaint_id, status=record.status, message=message)


def check_asker(record: ComplaintRecord, operator: Operator, action: str = "consult another department") -> None:
    """The owner or a lead of the complaint's department consults, or asks for an assist, on an open complaint."""
    require_owner_or_lead(record, operator, action)
    if not record.is_open:
        raise Conflict(f"complaint {record.complaint_id} is {record.status.value}")


def check_answerer(item: Consultation, operator: Operator) -> None:
    """Someone of the department consulted answers, once."""
    if not operator.works_in(item.department):
        raise Forbidden(f"consultation {item.consult_id} is answered by {item.department}", item.department)
    if not item.open:
        raise Conflict(f"consultation {item.consult_id} was answered at {item.answered_at}")


def check_assist_doer(item: Assist, operator: Operator) -> None:
    """The assist's owner, or a lead of its department, says it is done, once."""
    if operator.agent_id != item.owner and not operator.oversees(item.department):
        raise Forbidden(f"assist {item.assist_id} is done by {item.owner} or a lead of {item.department}",
                        item.department)
    if not item.open:
        raise Conflict(f"assist {item.assist_id} was done at {item.done_at}")


def check_returner(desk: Desk, record: ComplaintRecord, operator: Operator) -> None:
    """The owner or a lead returns a complaint that waits for acceptance or resolution, away from the dispatcher."""
    complaint_id = record.complaint_id
    if record.stage not in (Stage.ACCEPTANCE, Stage.RESOLUTION) or not record.task_token:
        raise NotAwaiting(f"complaint {complaint_id} can be returned only while it awaits acceptance or resolution")
    require_owner_or_lead(record, operator, f"return complaint {complaint_id}")
    dispatcher = desk.policy.triage.department
    if record.department == dispatcher:
        raise BadRequest(f"complaint {complaint_id} is with the dispatcher ({dispatcher}): transfer it instead")


def consult(desk: Desk, complaint_id: str, operator: Operator, request: ConsultRequest) -> ActionAnswer:
    record = desk.complaints.get(complaint_id)
    authorize(operator, record)
    check_asker(record, operator)
    _other_department(desk, record, request.department)
    now = clock.now()
    item = Consultation(consult_id=f"Q{len(record.consultations) + 1}", department=request.department,
                        question=request.question, asked_by=operator.agent_id, asked_at=clock.iso(now),
                        due_at=desk.policy.calendar.add(now, desk.policy.collaboration.consult_within))
    record.consultations = [*record.consultations, item]
    record.promises = [*record.promises, Promise(kind=item.promise_kind, due_at=item.due_at, made_at=now)]
    record = desk.complaints.save(record, [TimelineEvent(
        at=now, type=EventType.CONSULTED, actor=operator.agent_id,
        detail={"consult_id": item.consult_id, "department": item.department, "question": item.question})])
    promises.start(desk, record, item.promise_kind)
    desk.notices.tell_staff(desk.policy.department(item.department).supervisor, record, "consulted",
                            consult_id=item.consult_id, department=item.department, by=operator.agent_id,
                            due=desk.local_time(item.due_at))
    return _answer(record, f"{item.consult_id} asked of {item.department}; answer due {desk.local_time(item.due_at)}")


def answer_consult(desk: Desk, complaint_id: str, consult_id: str, operator: Operator,
                   request: ConsultAnswerRequest) -> ActionAnswer:
    record = desk.complaints.get(complaint_id)
    item = next((c for c in record.consultations if c.consult_id == consult_id), None)
    if item is None:
        raise InvalidField("consult_id", f"complaint {complaint_id} has no consultation {consult_id!r}")
    check_answerer(item, operator)
    now = clock.now()
    answered = item.model_copy(update={"answer": request.answer, "answered_by": operator.agent_id,
                                       "answered_at": clock.iso(now)})
    record.consultations = [answered if c.consult_id == consult_id else c for c in record.consultations]
    record.promises = sla.keep(record.promises, item.promise_kind, now)
    record = desk.complaints.save(record, [TimelineEvent(
        at=now, type=EventType.CONSULT_ANSWERED, actor=operator.agent_id,
        detail={"consult_id": consult_id, "department": item.department, "answer": request.answer})])
    if record.owner_id:
        desk.notices.tell_staff(record.owner_id, record, "consult_answered", consult_id=consult_id,
                                department=item.department)
    return _answer(record, f"{consult_id} answered")


def open_assist(desk: Desk, complaint_id: str, operator: Operator, request: AssistRequest) -> ActionAnswer:
    record = desk.complaints.get(complaint_id)
    authorize(operator, record)
    check_asker(record, operator, "ask another department to assist")
    _other_department(desk, record, request.department)
    department = desk.policy.department(request.department)
    owner = request.owner or department.supervisor
    agent = desk.policy.agent(owner)
    if agent is None or request.department not in agent.departments:
        raise InvalidField("owner", f"{owner!r} is not an agent of {request.department}")
    now = clock.now()
    item = Assist(assist_id=f"A{len(record.assists) + 1}", department=request.department, owner=owner,
                  task=request.task, opened_by=operator.agent_id, opened_at=clock.iso(now),
                  due_at=desk.policy.calendar.add(now, desk.policy.collaboration.assist_within))
    record.assists = [*record.assists, item]
    record.promises = [*record.promises, Promise(kind=item.promise_kind, due_at=item.due_at, made_at=now)]
    record = desk.complaints.save(record, [TimelineEvent(
        at=now, type=EventType.ASSIST_OPENED, actor=operator.agent_id,
        detail={"assist_id": item.assist_id, "department": item.department, "owner": owner, "task": item.task})])
    promises.start(desk, record, item.promise_kind)
    desk.notices.tell_staff(owner, record, "assist_opened", assist_id=item.assist_id, department=item.department,
                            due=desk.local_time(item.due_at))
    return _answer(record, f"{item.assist_id} opened for {owner} of {item.department}; due "
                           f"{desk.local_time(item.due_at)}; the complaint cannot be resolved until it is done")


def finish_assist(desk: Desk, complaint_id: str, assist_id: str, operator: Operator,
                  request: AssistDoneRequest) -> ActionAnswer:
    record = desk.complaints.get(complaint_id)
    item = next((a for a in record.assists if a.assist_id == assist_id), None)
    if item is None:
        raise InvalidField("assist_id", f"complaint {complaint_id} has no assist {assist_id!r}")
    check_assist_doer(item, operator)
    now = clock.now()
    done = item.model_copy(update={"result": request.result, "done_by": operator.agent_id,
                                   "done_at": clock.iso(now)})
    record.assists = [done if a.assist_id == assist_id else a for a in record.assists]
    record.promises = sla.keep(record.promises, item.promise_kind, now)
    record = desk.complaints.save(record, [TimelineEvent(
        at=now, type=EventType.ASSIST_DONE, actor=operator.agent_id,
        detail={"assist_id": assist_id, "department": item.department, "result": request.result})])
    if record.owner_id:
        desk.notices.tell_staff(record.owner_id, record, "assist_done", assist_id=assist_id, by=operator.agent_id)
    return _answer(record, f"{assist_id} done")


def return_to_dispatcher(desk: Desk, complaint_id: str, operator: Operator, request: ReturnRequest) -> ActionAnswer:
    """退单: back to the dispatcher with a reason; a department that is "not ours" is not sent it again unflagged."""
    record = desk.complaints.get(complaint_id)
    check_returner(desk, record, operator)
    dispatcher = desk.policy.triage.department
    current = str(record.department)
    now = clock.now()
    token, previous_owner = record.task_token, record.owner_id
    assert token is not None  # check_returner: it waits on a task
    record.returns = [*record.returns, ReturnRecord(department=current, reason=request.reason, note=request.note,
                                                    by=operator.agent_id, at=clock.iso(now))]
    if request.reason is ReturnReason.NOT_OURS and current not in record.departments_left:
        record.departments_left = [*record.departments_left, current]
    if previous_owner:
        record.previous_owners = [*record.previous_owners, previous_owner]
    record.department, record.owner_id = dispatcher, None
    record.stage = record.task_token = None
    record.set_timer(None, None)
    event = TimelineEvent(at=now, type=EventType.RETURNED, actor=operator.agent_id,
                          detail={"from": current, "to": dispatcher, "reason": request.reason.value,
                                  "note": request.note})
    record = desk.complaints.save(record, [event], reports.counts(
        desk, keyed={f"returned:{current}": 1, f"return_reason:{request.reason.value}": 1}))
    if previous_owner:
        desk.loads.adjust(previous_owner, -1)
    desk.notices.tell_staff(desk.policy.department(dispatcher).supervisor, record, "returned", department=current,
                            reason=request.reason.value)
    desk.workflow.fail(token, WorkflowError.TRANSFERRED, "returned to the dispatcher")
    return _answer(record, f"returned to {dispatcher}: {request.reason.value}")
