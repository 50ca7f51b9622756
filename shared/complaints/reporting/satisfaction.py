"""Satisfaction by the profile's own rule: which scores count as satisfied ("only 10", or 8 and above).

Each answer adds to its score's counter (``score:<n>``), so the rate follows the threshold the profile
sets now, over every answer counted by score; and to its channel's (web link, phone, SMS).
"""

from __future__ import annotations

from pydantic import BaseModel

from complaints.core.policy_aftercare import Survey
from complaints.reporting.periods import ratio


class Satisfaction(BaseModel):
    satisfied_from: int  # the profile's threshold: this score or higher is satisfied
    scored: int  # answers counted by score
    satisfied: int
    rate: float | None  # satisfied / scored
    by_score: dict[str, int]  # "1" ... "10"
    by_channel: dict[str, int]  # web, phone, sms
    sms_unmatched: int = 0  # SMS replies that matched no open survey (dropped)


def by_prefix(totals: dict[str, int], prefix: str) -> dict[str, int]:
    return {k.split(":", 1)[1]: v for k, v in totals.items() if k.startswith(prefix + ":") and v}


def satisfaction(totals: dict[str, int], rule: Survey) -> Satisfaction:
    """From a period's summed counters."""
    scores = {int(k): v for k, v in by_prefix(totals, "score").items() if k.isdigit()}
    scored = sum(scores.values())
    satisfied = sum(v for score, v in scores.items() if rule.satisfied(score))
    return Satisfaction(satisfied_from=rule.satisfied_from, scored=scored, satisfied=satisfied,
                        rate=ratio(satisfied, scored), by_score={str(k): scores[k] for k in sorted(scores)},
                        by_channel=dict(sorted(by_prefix(totals, "survey_channel").items())),
                        sms_unmatched=totals.get("survey_sms_unmatched", 0))


def rows(found: Satisfaction) -> list[tuple[str, str, str]]:
    """As (section, item, value) rows of a report's CSV."""
    found_rows = [("satisfaction", "satisfied_from", str(found.satisfied_from)),
                  ("satisfaction", "satisfied", str(found.satisfied)),
                  ("satisfaction", "satisfaction_rate", "" if found.rate is None else str(found.rate)),
                  ("satisfaction", "survey_sms_unmatched", str(found.sms_unmatched))]
    found_rows += [("score", score, str(n)) for score, n in found.by_score.items()]
    found_rows += [("survey_channel", channel, str(n)) for channel, n in found.by_channel.items()]
    return found_rows
