"""Quarterly scores (C2): each quarter scored from that quarter's monthly records, on the rule set's own scale.

The shipped rule sets prorate their monthly and quarterly targets with ``period.months``, so a quarter's total is
comparable with any other quarter's and with the year's. Year-end items (those that read the annual evaluation)
fall due in the fourth quarter: the annual evaluation is visible to Q4 and to the year, never to Q1-Q3, where such
standards are not applicable (and earn what the rule set says for that case).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar, cast

from pydantic import BaseModel, ConfigDict

from ..facts import SubjectFacts
from ..periods import Period

if TYPE_CHECKING:
    from .annual import PeriodScore

F = TypeVar("F", bound=SubjectFacts)


def quarters(year: int) -> list[Period]:
    return [Period.parse(f"{year}-Q{q}") for q in (1, 2, 3, 4)]


def facts_for_period(facts: F, period: Period) -> F:
    """The subject's facts as they stand for ``period``: its monthly records in the period, and the annual
    evaluation only when the period includes the last month of the evaluation's year. Incidents and
    commendations are kept whole: evaluation already looks only at those dated within the period."""
    update: dict[str, object] = {}
    records = getattr(facts, "records", None)
    if records is not None:
        first, last = str(period.start), str(period.end)
        update["records"] = tuple(r for r in records if first <= r.month <= last)
    annual = getattr(facts, "annual", None)
    if annual is not None:
        year_end = f"{annual.year}-12"
        if not (str(period.start) <= year_end <= str(period.end)):
            update["annual"] = None
    # model_copy keeps the bundle's class; the stubs type it by the bound's union
    return cast(F, facts.model_copy(update=update)) if update else facts


class QuarterScore(BaseModel):
    """A published quarterly score: the quarter's total on the rule set's scale and as a percentage."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    period: str
    total: float
    max_points: float
    percent: float
    grade: str
    vetoed: bool
    breakdown_hash: str | None  # None when scored as tables: the breakdown is made on demand

    @classmethod
    def of_score(cls, b: PeriodScore) -> QuarterScore:
        percent = round(100.0 * b.total / b.max_points, 6) if b.max_points > 0 else 0.0
        return cls(period=b.period, total=b.total, max_points=b.max_points, percent=percent,
                   grade=b.grade, vetoed=b.vetoed, breakdown_hash=b.breakdown_hash)
