"""Redress (补救) recorded on a complaint, and the requests that record and approve it.

Compensation, a refund or a fee adjustment carries an amount in the desk's
currency; an amount above the recorder's limit waits for someone whose limit
covers it. An apology names its form; an explanation is the text the
customer is sent. Each is told to the customer once it stands.
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import Field, StrictBool, model_validator

from complaints.core.enums import ApologyForm, RedressKind, RedressState
from complaints.core.outcomes import Outcome
from complaints.core.values import Strict, Text


class RedressRecord(Outcome):
    redress_id: str  # R1, R2, ... in the order recorded
    kind: RedressKind
    amount: Decimal | None = None
    currency: str | None = None
    form: ApologyForm | None = None
    reason: str  # why; for an apology or an explanation, what the customer is told
    by: str
    at: str
    state: RedressState
    decided_by: str | None = None  # who approved (the recorder, within their limit) or refused it
    decided_at: str | None = None
    decision_note: str | None = None

    @property
    def stands(self) -> bool:
        """Granted or given: told to the customer and counted in the reports."""
        return self.state in (RedressState.APPROVED, RedressState.GIVEN)

    @property
    def cents(self) -> int:
        """The amount in hundredths, as the report counters add it."""
        return int((self.amount or Decimal(0)) * 100)


class RedressRequest(Strict):
    kind: RedressKind
    amount: Decimal | None = Field(default=None, gt=0, max_digits=12, decimal_places=2,
                                   description="compensation, refund and fee adjustment: the amount")
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$",
                                 description="the desk's currency (the policy's) when left out")
    form: ApologyForm | None = Field(default=None, description="apology only: written, phone or visit")
    reason: Text = Field(min_length=2, max_length=2000,
                         description="why; for an apology or an explanation, what the customer is told")

    @model_validator(mode="after")
    def _per_kind(self) -> RedressRequest:
        if self.kind.money and self.amount is None:
            raise ValueError(f"{self.kind.value} needs an amount")
        if not self.kind.money and (self.amount is not None or self.currency is not None):
            raise ValueError(f"amount and currency belong to money kinds, not {self.kind.value}")
        if (self.kind is RedressKind.APOLOGY) != (self.form is not None):
            raise ValueError("an apology names its form (written, phone or visit), and only an apology does")
        return self


class RedressDecisionRequest(Strict):
    approved: StrictBool
    note: Text | None = Field(default=None, min_length=2, max_length=1000)

    @model_validator(mode="after")
    def _note_when_refused(self) -> RedressDecisionRequest:
        if not self.approved and self.note is None:
            raise ValueError("a refusal needs the note the recorder is given")
        return self
