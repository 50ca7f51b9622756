"""The sections of a policy profile about what follows a fix: surveys, appeals, redress, corrective actions and
collaboration across departments."""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal
from typing import Annotated

from pydantic import Field

from complaints.core.enums import Role
from complaints.core.policy_sections import Duration, RoleName, Section


class SmsReply(Section):
    """How a customer rates by replying to the survey SMS with digits.

    With ``choices``, the reply is one of their keys (IVR-style "1 very satisfied ... 4 unsatisfied"), each
    standing for a score of 1 to 10; without, the reply is the score itself ("9", "9/10", "9分"). ``prompt``
    is what the survey SMS says about it, per language.
    """

    choices: dict[Annotated[str, Field(pattern=r"^[0-9]$")], Annotated[int, Field(ge=1, le=10)]] = {}
    prompt: dict[str, str]

    def score_of(self, text: str) -> int | None:
        """The score a reply stands for, or None when it is not one this desk reads."""
        reply = unicodedata.normalize("NFKC", text).strip().rstrip("。.!！ ")
        if self.choices:
            return self.choices.get(reply)
        match = re.fullmatch(r"(\d{1,2})\s*(?:/\s*10|分)?", reply)
        score = int(match.group(1)) if match else 0
        return score if 1 <= score <= 10 else None


class Survey(Section):
    low_score_below: int = Field(default=8, ge=1, le=11)
    # A score this high or higher counts as satisfied in the reports ("only 10 is satisfied": 10).
    satisfied_from: int = Field(default=9, ge=1, le=10)
    delay: Duration = "2h"  # after the confirmed close
    recovery_within: Duration = "2wd"  # the supervisor's promise to recover a low score
    sms_reply: SmsReply | None = None  # customers may reply to the survey SMS with digits

    def satisfied(self, score: int) -> bool:
        return score >= self.satisfied_from


class Appeals(Section):
    """申诉: a customer appeals a closed complaint once; another team handles it again."""

    window: Duration
    department: str


class RedressRules(Section):
    """Compensation, refunds and fee adjustments: the desk's currency and what each role grants alone."""

    currency: str = Field(pattern=r"^[A-Z]{3}$")
    # The largest amount a role grants without approval; a role left out grants nothing alone, and
    # null means without limit. A larger amount waits for someone whose limit covers it.
    approval_limits: dict[RoleName, Decimal | None]

    def limit(self, role: Role) -> Decimal | None:
        """What the role grants alone (None: anything)."""
        return self.approval_limits.get(role, Decimal(0))

    def covers(self, role: Role, amount: Decimal) -> bool:
        limit = self.limit(role)
        return limit is None or amount <= limit


class CorrectiveActions(Section):
    """整改: how far ahead an action may fall due, when its owner is warned, and how its effect is read."""

    max_due_days: int = Field(default=365, ge=1, le=3650)
    warn_days_before: int = Field(default=3, ge=1, le=90)  # warned this long before it falls due
    # Complaints of the cause are counted over this many days before the action was done and as many after.
    effect_window_days: int = Field(default=30, ge=1, le=366)


class Collaboration(Section):
    """Working across departments: a consultation's answer and an assist's work each have a time limit."""

    consult_within: Duration = "4h"
    assist_within: Duration = "2wd"
