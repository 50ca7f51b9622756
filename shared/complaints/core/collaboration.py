"""Working across departments: consultations, assists and returns (退单) as a complaint keeps them.

A consultation asks another department a question, answered within the
policy's limit. An assist gives another department a part of the work with
its own owner and time limit; the complaint cannot be reported resolved while
one is open. A return sends the complaint back to the dispatcher with a reason
from a fixed list.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from complaints.core.enums import ReturnReason
from complaints.core.outcomes import Outcome
from complaints.core.values import Strict, Text

CONSULT = "consult"  # the promise kinds of a consultation's answer and an assist's work: "consult:Q1"
ASSIST = "assist"


class Consultation(Outcome):
    consult_id: str  # Q1, Q2, ...
    department: str
    question: str
    asked_by: str
    asked_at: str
    due_at: datetime
    answer: str | None = None
    answered_by: str | None = None
    answered_at: str | None = None

    @property
    def open(self) -> bool:
        return self.answer is None

    @property
    def promise_kind(self) -> str:
        return f"{CONSULT}:{self.consult_id}"


class Assist(Outcome):
    assist_id: str  # A1, A2, ...
    department: str
    owner: str
    task: str
    opened_by: str
    opened_at: str
    due_at: datetime
    result: str | None = None
    done_by: str | None = None
    done_at: str | None = None

    @property
    def open(self) -> bool:
        return self.done_at is None

    @property
    def promise_kind(self) -> str:
        return f"{ASSIST}:{self.assist_id}"


class ReturnRecord(Outcome):
    """One return (退单): from which department, why, and by whom."""

    department: str
    reason: ReturnReason
    note: str
    by: str
    at: str


class ConsultRequest(Strict):
    department: str = Field(min_length=1, max_length=64)
    question: Text = Field(min_length=2, max_length=2000)


class ConsultAnswerRequest(Strict):
    answer: Text = Field(min_length=2, max_length=2000)


class AssistRequest(Strict):
    department: str = Field(min_length=1, max_length=64)
    task: Text = Field(min_length=2, max_length=2000)
    owner: str | None = Field(default=None, max_length=64,
                              description="an agent of that department; its supervisor when left out")


class AssistDoneRequest(Strict):
    result: Text = Field(min_length=2, max_length=2000)


class ReturnRequest(Strict):
    reason: ReturnReason
    note: Text = Field(min_length=2, max_length=1000)
